// Package apptest starts real partsbin servers for integration tests: each
// test gets its own freshly migrated database (cloned from a template),
// its own Redis key prefix, the shared Mailpit, and an in-process HTTP
// server speaking HTTP/1.1 and h2c, with generated clients for Connect and
// gRPC. The services come from the local stack (`just up` or `just test`
// starts them); tests fail, never skip, when they are missing.
package apptest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"

	"github.com/partsbin/partsbin/backend/internal/app"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/config"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	"github.com/partsbin/partsbin/backend/internal/seed"
	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
)

// Env names the services the tests use; `just test` exports them from
// .stack/env.
type Env struct {
	PGAdminURL string
	// PGPrimaryURL is the primary itself, not Pgpool. Test databases are
	// dropped there, because Pgpool answers every DROP DATABASE by closing
	// the idle connections of all its children, which cuts clients of
	// other tests that are just connecting; and the template is migrated
	// there, because connections Pgpool caches to it would block every
	// CREATE DATABASE ... TEMPLATE. Defaults to PGAdminURL.
	PGPrimaryURL string
	RedisURL     string
	SMTPAddr     string
	MailpitURL   string
	// Stripe points at the stack's stripe-mock.
	StripeAPIBase, StripeAPIKey, StripeWebhookSecret string
}

// LoadEnv reads the test environment or fails the test with a hint.
func LoadEnv(t testing.TB) Env {
	t.Helper()
	e := Env{
		PGAdminURL:   os.Getenv("PARTSBIN_TEST_PG_ADMIN_URL"),
		PGPrimaryURL: os.Getenv("PARTSBIN_TEST_PG_PRIMARY_URL"),
		RedisURL:     os.Getenv("PARTSBIN_REDIS_URL"),
		SMTPAddr:     os.Getenv("PARTSBIN_SMTP_ADDR"),
		MailpitURL:   os.Getenv("PARTSBIN_MAILPIT_URL"),

		StripeAPIBase:       os.Getenv("PARTSBIN_STRIPE_API_BASE"),
		StripeAPIKey:        os.Getenv("PARTSBIN_STRIPE_API_KEY"),
		StripeWebhookSecret: os.Getenv("PARTSBIN_STRIPE_WEBHOOK_SECRET"),
	}
	if e.PGAdminURL == "" || e.RedisURL == "" || e.SMTPAddr == "" || e.MailpitURL == "" || e.StripeAPIBase == "" {
		t.Fatal("integration tests need the local stack: run `just test`, or `just up` and then `. .stack/env && go test ./...`")
	}
	if e.PGPrimaryURL == "" {
		e.PGPrimaryURL = e.PGAdminURL
	}
	return e
}

// Server is a running partsbin for one test.
type Server struct {
	App   *app.App
	URL   string
	Clock *clock.Manual
	Env   Env
	DBURL string
	// HTTP1 speaks HTTP/1.1 (Connect JSON and binary, gRPC-Web).
	HTTP1 *http.Client
	// H2C speaks cleartext HTTP/2 (gRPC, Connect).
	H2C *http.Client
}

// Option tweaks the server of a test.
type Option func(*config.Config, *app.Options)

// WithLimits replaces the auth throttles.
func WithLimits(l auth.Limits) Option {
	return func(_ *config.Config, o *app.Options) { o.Limits = &l }
}

// WithConfig edits the configuration.
func WithConfig(f func(*config.Config)) Option {
	return func(c *config.Config, _ *app.Options) { f(c) }
}

// Start runs a server on a fresh database and stops it when t ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	env := LoadEnv(t)
	dbURL := freshDatabase(t, env)
	prefix := "t:" + randomHex(6) + ":"

	cfg := config.Default()
	cfg.DatabaseURL = dbURL
	cfg.DBMaxConns = 6
	cfg.RedisURL = env.RedisURL
	cfg.RedisPrefix = prefix
	cfg.SMTPAddr = env.SMTPAddr
	cfg.StripeAPIBase, cfg.StripeAPIKey, cfg.StripeWebhookSecret = env.StripeAPIBase, env.StripeAPIKey, env.StripeWebhookSecret
	cfg.DrainDelay = 0
	// Instances of one test (Twin) share it, as a deployment would.
	cfg.PageTokenSecret = randomHex(16)
	// Tests change the catalogue between searches and expect fresh counts;
	// the cache has a test of its own.
	cfg.SearchCacheTTL = 0
	cfg.ProductCacheTTL = 0
	// Tests run the expiry job themselves (ExpireDue) with their clock.
	cfg.OrderExpiryInterval = 0
	cfg.Argon2MaxConcurrent = 4
	// Tests pose as many clients through X-Forwarded-For from loopback.
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	clk := clock.NewManual(time.Now())
	ao := app.Options{Clock: clk}
	for _, o := range opts {
		o(&cfg, &ao)
	}
	return serve(t, env, cfg, ao, clk)
}

// Twin starts a second server (another instance) on the same database,
// Redis prefix and clock, for tests of what crosses instances.
func (s *Server) Twin(t testing.TB) *Server {
	t.Helper()
	return serve(t, s.Env, s.App.Config, app.Options{Clock: s.Clock}, s.Clock)
}

func serve(t testing.TB, env Env, cfg config.Config, ao app.Options, clk *clock.Manual) *Server {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log, ao)
	if err != nil {
		cancel()
		t.Fatalf("start app: %v", err)
	}
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()

	hs := httptest.NewUnstartedServer(a.Handler())
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	hs.Config.Protocols = &protocols
	hs.Start()

	s := &Server{App: a, URL: hs.URL, Clock: clk, Env: env, DBURL: cfg.DatabaseURL}
	s.HTTP1 = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}
	var h2 http.Protocols
	h2.SetUnencryptedHTTP2(true)
	s.H2C = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Protocols: &h2}}
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-done
		cleanupRedis(a, cfg.RedisPrefix)
		a.Close()
	})
	return s
}

// Protocol is one way of calling the server.
type Protocol struct {
	Name    string
	options []connect.ClientOption
	h2      bool
}

// Protocols are the wire protocols every integration test covers.
var Protocols = []Protocol{
	{Name: "connect-json-http1", options: []connect.ClientOption{connect.WithProtoJSON()}},
	{Name: "grpc-h2c", options: []connect.ClientOption{connect.WithGRPC()}, h2: true},
	{Name: "grpcweb-http1", options: []connect.ClientOption{connect.WithGRPCWeb()}},
}

// ClientOptions returns the options and HTTP client of protocol p.
func (s *Server) client(p Protocol) (*http.Client, []connect.ClientOption) {
	if p.h2 {
		return s.H2C, p.options
	}
	return s.HTTP1, p.options
}

// AuthClient returns an AuthService client over protocol p; extra options
// (e.g. WithToken) are appended.
func (s *Server) AuthClient(p Protocol, extra ...connect.ClientOption) authv1connect.AuthServiceClient {
	hc, opts := s.client(p)
	return authv1connect.NewAuthServiceClient(hc, s.URL, append(opts, extra...)...)
}

// NewClient builds any generated client over protocol p, e.g.
// apptest.NewClient(s, p, cartv1connect.NewCartServiceClient, apptest.WithToken(tok)).
func NewClient[C any](s *Server, p Protocol, ctor func(connect.HTTPClient, string, ...connect.ClientOption) C, extra ...connect.ClientOption) C {
	hc, opts := s.client(p)
	return ctor(hc, s.URL, append(opts, extra...)...)
}

// WithToken sends "Authorization: Bearer token" on every call.
func WithToken(token string) connect.ClientOption {
	return WithHeader("Authorization", "Bearer "+token)
}

// FromIP makes calls appear to come from ip (the test server trusts
// X-Forwarded-For from loopback).
func FromIP(ip string) connect.ClientOption {
	return WithHeader("X-Forwarded-For", ip)
}

// WithHeader sets a request header on every call.
func WithHeader(key, value string) connect.ClientOption {
	return connect.WithInterceptors(headerInterceptor{key, value})
}

type headerInterceptor struct{ key, value string }

func (h headerInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set(h.key, h.value)
		return next(ctx, req)
	}
}

func (h headerInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set(h.key, h.value)
		return conn
	}
}

func (h headerInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// Account is a registered test customer.
type Account struct {
	ID, Email, Password, Token string
	Version                    int64
}

// Register creates a customer with a unique email over protocol p.
func (s *Server) Register(t testing.TB, p Protocol) Account {
	t.Helper()
	acct := Account{Email: "t-" + randomHex(6) + "@example.com", Password: "Correct-Horse-" + randomHex(4)}
	res, err := s.AuthClient(p).Register(context.Background(), &authv1.RegisterRequest{
		Email: acct.Email, Password: acct.Password, FullName: "Test Customer",
	})
	if err != nil {
		t.Fatalf("register %s: %v", acct.Email, err)
	}
	acct.ID = res.GetUser().GetId()
	acct.Token = res.GetSession().GetToken()
	acct.Version = res.GetUser().GetVersion()
	return acct
}

// CreateUser creates an account with any role directly and signs it in.
func (s *Server) CreateUser(t testing.TB, role auth.Role) Account {
	t.Helper()
	acct := Account{Email: string(role) + "-" + randomHex(6) + "@example.com", Password: "Staff-Pass-" + randomHex(4)}
	u, err := s.App.Auth.CreateUser(context.Background(), acct.Email, acct.Password, "Test "+string(role), role)
	if err != nil {
		t.Fatalf("create %s: %v", role, err)
	}
	acct.ID, acct.Version = u.ID, u.Version
	ctx := rpc.WithClientIP(context.Background(), netip.MustParseAddr("127.0.0.1"))
	_, si, err := s.App.Auth.Login(ctx, acct.Email, acct.Password, auth.Client{IP: "198.51.100." + fmt.Sprint(len(acct.Email))})
	if err != nil {
		t.Fatalf("login %s: %v", role, err)
	}
	acct.Token = si.Token
	return acct
}

// WaitForMail polls Mailpit until a message to addr arrives and returns
// its plain-text body.
func (s *Server) WaitForMail(t testing.TB, addr string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	q := url.QueryEscape(`to:"` + addr + `"`)
	for time.Now().Before(deadline) {
		var found struct {
			Messages []struct {
				ID string `json:"ID"`
			} `json:"messages"`
		}
		if getJSON(t, s.Env.MailpitURL+"/api/v1/search?query="+q, &found) && len(found.Messages) > 0 {
			var msg struct {
				Text string `json:"Text"`
			}
			if getJSON(t, s.Env.MailpitURL+"/api/v1/message/"+found.Messages[0].ID, &msg) {
				return msg.Text
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no mail to %s within 15 s", addr)
	return ""
}

// MailCount returns how many messages Mailpit holds for addr.
func (s *Server) MailCount(t testing.TB, addr string) int {
	t.Helper()
	var found struct {
		Total int `json:"messages_count"`
	}
	if !getJSON(t, s.Env.MailpitURL+"/api/v1/search?query="+url.QueryEscape(`to:"`+addr+`"`), &found) {
		t.Fatal("mailpit search failed")
	}
	return found.Total
}

var resetTokenRE = regexp.MustCompile(`pbr_[A-Za-z0-9_-]{43}`)

// ResetToken extracts the reset token from a reset mail.
func ResetToken(t testing.TB, body string) string {
	t.Helper()
	tok := resetTokenRE.FindString(body)
	if tok == "" {
		t.Fatalf("no reset token in mail:\n%s", body)
	}
	return tok
}

func getJSON(t testing.TB, u string, dst any) bool {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false
	}
	b, _ := io.ReadAll(res.Body)
	return json.Unmarshal(b, dst) == nil
}

// Pool opens a direct connection to the test's database.
func (s *Server) Conn(t testing.TB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.DBURL)
	if err != nil {
		t.Fatalf("connect test db: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// CodeOf returns the Connect code of err, failing if err is nil.
func CodeOf(t testing.TB, err error) connect.Code {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want one")
	}
	return connect.CodeOf(err)
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// freshDatabase clones the migrated template database for one test.
func freshDatabase(t testing.TB, env Env) string {
	t.Helper()
	adminURL := env.PGAdminURL
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx, env.PGPrimaryURL) })
	if templateErr != nil {
		t.Fatalf("template database: %v", templateErr)
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("connect as admin: %v", err)
	}
	defer admin.Close(ctx)
	name := "pbtest_" + randomHex(8)
	// CREATE DATABASE ... TEMPLATE fails while another session is connected
	// to the template; retry briefly when a sibling test binary is cloning.
	for attempt := 0; ; attempt++ {
		_, err = admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+templateName)
		if err == nil || attempt == 50 || !strings.Contains(err.Error(), "is being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), env.PGPrimaryURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(adminURL, name)
}

// ensureTemplate creates (once per schema version) a database holding the
// migrated schema; its name carries a hash of the migration files, so a
// changed migration gets a new template.
func ensureTemplate(ctx context.Context, adminURL string) (string, error) {
	sum := sha256.New()
	_ = fs.WalkDir(db.MigrationFiles(), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(db.MigrationFiles(), path)
			sum.Write([]byte(path))
			sum.Write(b)
		}
		return nil
	})
	name := "pbtmpl_" + hex.EncodeToString(sum.Sum(nil))[:16]
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("connect as admin: %w", err)
	}
	defer admin.Close(ctx)
	// Test binaries of several packages run at once: one builds the template.
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(4242001)"); err != nil {
		return "", err
	}
	defer admin.Exec(ctx, "SELECT pg_advisory_unlock(4242001)") //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	pool, err := db.Open(ctx, db.PoolConfig{URL: withDatabase(adminURL, name), MaxConns: 2})
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pool.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+name+" WITH is_template = true ALLOW_CONNECTIONS = false"); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func cleanupRedis(a *app.App, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := a.Redis.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if len(keys) > 0 {
		a.Redis.Del(ctx, keys...)
	}
}

// RandomHex returns n random bytes in hex, for unique names.
func RandomHex(n int) string { return randomHex(n) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Detail returns the first detail of type T carried by a Connect error,
// or T's zero value.
func Detail[T any](err error) T {
	var zero T
	var cerr *connect.Error
	if !errors.As(err, &cerr) {
		return zero
	}
	for _, d := range cerr.Details() {
		if v, e := d.Value(); e == nil {
			if got, ok := v.(T); ok {
				return got
			}
		}
	}
	return zero
}

// Seed fills the test's empty database with a small deterministic
// catalogue (and its demo accounts: one customer, one staff member).
func (s *Server) Seed(t testing.TB, products int) {
	t.Helper()
	if _, err := seed.Run(context.Background(), s.App.Pool, seed.Options{Products: products, Customers: 1, Staff: 1}, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
}
