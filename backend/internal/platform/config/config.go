// Package config loads the server's settings from environment variables,
// with defaults that work against the local stack (`just up`).
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a partsbin server. Load fills it from the
// environment; tests build one by hand.
type Config struct {
	// HTTPAddr is where the server listens (Connect, gRPC, gRPC-Web, HTTP/1.1 and h2c).
	HTTPAddr string
	// PublicURL is the address customers reach the shop at, used in mails.
	PublicURL string
	// Currency is the shop currency (ISO 4217); every price is in it.
	Currency string
	// SearchCacheTTL is how long search totals and facet counts are reused
	// for identical filters (0 disables it).
	SearchCacheTTL time.Duration
	// ProductCacheTTL bounds how long a product page stays cached in an
	// instance; announced changes drop it at once (0 disables it).
	ProductCacheTTL time.Duration
	// UnpaidOrderExpiry is how long a card order may wait for its payment.
	UnpaidOrderExpiry time.Duration
	// OrderExpiryInterval is how often an instance looks for unpaid orders
	// to expire (0 disables the job on this instance).
	OrderExpiryInterval time.Duration
	// Stripe: API key and webhook signing secret (secrets), and the API base
	// URL (stripe-mock locally; empty for the real API). Without a key,
	// card payments are off.
	StripeAPIKey        string
	StripeAPIBase       string
	StripeWebhookSecret string
	// PageTokenSecret signs page tokens (HMAC-SHA256, at least 16 bytes);
	// every instance of a deployment needs the same one. Empty: a random
	// secret per process, logged as a warning (tokens then fail across
	// instances and restarts).
	PageTokenSecret string
	// StreamHeartbeat is how often idle server streams send a heartbeat.
	StreamHeartbeat time.Duration
	// MaxStreamsPerUser caps one account's open streams per instance.
	MaxStreamsPerUser int

	DatabaseURL      string
	DBMaxConns       int32
	DBConnectTimeout time.Duration
	// DBStatementTimeout caps every statement on the server side.
	DBStatementTimeout time.Duration
	// MigrateOnStart runs pending migrations before serving.
	MigrateOnStart bool

	RedisURL    string
	RedisPrefix string

	SMTPAddr     string
	SMTPUsername string
	SMTPPassword string
	// SMTPTLS is "none", "starttls" or "tls".
	SMTPTLS  string
	MailFrom string

	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string
	// TrustedProxies are the peers whose X-Forwarded-For / X-Real-IP headers
	// are believed. Everyone else is identified by the TCP peer address.
	TrustedProxies []netip.Prefix

	SessionTTL      time.Duration
	SessionCacheTTL time.Duration
	ResetTokenTTL   time.Duration

	Argon2MemoryKiB     uint32
	Argon2Iterations    uint32
	Argon2Parallelism   uint8
	Argon2MaxConcurrent int

	// MaxRequestBytes caps a request body (and one Connect message).
	MaxRequestBytes   int64
	UnaryTimeout      time.Duration
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	// DrainDelay is how long the server answers /readyz with 503 before it
	// stops accepting connections, so a load balancer stops sending new work.
	DrainDelay    time.Duration
	ShutdownGrace time.Duration

	LogLevel string
}

// Default returns the settings for the local stack.
func Default() Config {
	return Config{
		HTTPAddr:            "127.0.0.1:8080",
		PublicURL:           "http://127.0.0.1:8080",
		Currency:            "EUR",
		SearchCacheTTL:      15 * time.Second,
		ProductCacheTTL:     time.Minute,
		UnpaidOrderExpiry:   30 * time.Minute,
		OrderExpiryInterval: 30 * time.Second,
		StreamHeartbeat:     15 * time.Second,
		MaxStreamsPerUser:   5,
		DatabaseURL:         "postgres://partsbin@127.0.0.1:54321/partsbin?sslmode=disable",
		DBMaxConns:          int32(max(8, 4*runtime.GOMAXPROCS(0))),
		DBConnectTimeout:    3 * time.Second,
		DBStatementTimeout:  5 * time.Second,
		RedisURL:            "redis://127.0.0.1:63790/0",
		RedisPrefix:         "pb:",
		SMTPAddr:            "127.0.0.1:1025",
		SMTPTLS:             "none",
		MailFrom:            "partsbin <no-reply@partsbin.localhost>",
		CORSOrigins:         []string{"http://localhost:5173", "http://127.0.0.1:5173"},
		SessionTTL:          7 * 24 * time.Hour,
		SessionCacheTTL:     5 * time.Minute,
		ResetTokenTTL:       30 * time.Minute,
		Argon2MemoryKiB:     19 * 1024,
		Argon2Iterations:    2,
		Argon2Parallelism:   1,
		Argon2MaxConcurrent: max(2, runtime.GOMAXPROCS(0)),
		MaxRequestBytes:     1 << 20,
		UnaryTimeout:        30 * time.Second,
		ReadHeaderTimeout:   5 * time.Second,
		ReadTimeout:         30 * time.Second,
		IdleTimeout:         2 * time.Minute,
		DrainDelay:          time.Second,
		ShutdownGrace:       20 * time.Second,
		LogLevel:            "info",
	}
}

// Load returns Default overridden by the environment.
func Load() (Config, error) {
	return FromLookup(os.LookupEnv)
}

// FromLookup is Load with an injectable environment.
func FromLookup(lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	var errs []error
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok {
			*dst = v
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v, ok := lookup(name); ok {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				errs = append(errs, fmt.Errorf("%s: want a duration like 30s, got %q", name, v))
				return
			}
			*dst = d
		}
	}
	integer := func(name string, bits int, set func(int64)) {
		if v, ok := lookup(name); ok {
			n, err := strconv.ParseInt(v, 10, bits)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s: want a non-negative integer, got %q", name, v))
				return
			}
			set(n)
		}
	}
	boolean := func(name string, dst *bool) {
		if v, ok := lookup(name); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: want true or false, got %q", name, v))
				return
			}
			*dst = b
		}
	}
	list := func(name string) ([]string, bool) {
		v, ok := lookup(name)
		if !ok {
			return nil, false
		}
		var out []string
		for _, part := range strings.Split(v, ",") {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
		}
		return out, true
	}

	str("PARTSBIN_HTTP_ADDR", &c.HTTPAddr)
	str("PARTSBIN_PUBLIC_URL", &c.PublicURL)
	str("PARTSBIN_CURRENCY", &c.Currency)
	dur("PARTSBIN_SEARCH_CACHE_TTL", &c.SearchCacheTTL)
	dur("PARTSBIN_PRODUCT_CACHE_TTL", &c.ProductCacheTTL)
	dur("PARTSBIN_UNPAID_ORDER_EXPIRY", &c.UnpaidOrderExpiry)
	dur("PARTSBIN_ORDER_EXPIRY_INTERVAL", &c.OrderExpiryInterval)
	str("PARTSBIN_STRIPE_API_KEY", &c.StripeAPIKey)
	str("PARTSBIN_STRIPE_API_BASE", &c.StripeAPIBase)
	str("PARTSBIN_STRIPE_WEBHOOK_SECRET", &c.StripeWebhookSecret)
	str("PARTSBIN_PAGE_TOKEN_SECRET", &c.PageTokenSecret)
	dur("PARTSBIN_STREAM_HEARTBEAT", &c.StreamHeartbeat)
	integer("PARTSBIN_MAX_STREAMS_PER_USER", 32, func(n int64) { c.MaxStreamsPerUser = int(n) })
	str("PARTSBIN_DATABASE_URL", &c.DatabaseURL)
	integer("PARTSBIN_DB_MAX_CONNS", 32, func(n int64) { c.DBMaxConns = int32(n) })
	dur("PARTSBIN_DB_CONNECT_TIMEOUT", &c.DBConnectTimeout)
	dur("PARTSBIN_DB_STATEMENT_TIMEOUT", &c.DBStatementTimeout)
	boolean("PARTSBIN_MIGRATE_ON_START", &c.MigrateOnStart)
	str("PARTSBIN_REDIS_URL", &c.RedisURL)
	str("PARTSBIN_REDIS_PREFIX", &c.RedisPrefix)
	str("PARTSBIN_SMTP_ADDR", &c.SMTPAddr)
	str("PARTSBIN_SMTP_USERNAME", &c.SMTPUsername)
	str("PARTSBIN_SMTP_PASSWORD", &c.SMTPPassword)
	str("PARTSBIN_SMTP_TLS", &c.SMTPTLS)
	str("PARTSBIN_MAIL_FROM", &c.MailFrom)
	if origins, ok := list("PARTSBIN_CORS_ORIGINS"); ok {
		c.CORSOrigins = origins
	}
	if proxies, ok := list("PARTSBIN_TRUSTED_PROXIES"); ok {
		c.TrustedProxies = nil
		for _, p := range proxies {
			prefix, err := netip.ParsePrefix(p)
			if err != nil {
				addr, aerr := netip.ParseAddr(p)
				if aerr != nil {
					errs = append(errs, fmt.Errorf("PARTSBIN_TRUSTED_PROXIES: %q is neither an address nor a CIDR", p))
					continue
				}
				prefix = netip.PrefixFrom(addr, addr.BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
		}
	}
	dur("PARTSBIN_SESSION_TTL", &c.SessionTTL)
	dur("PARTSBIN_SESSION_CACHE_TTL", &c.SessionCacheTTL)
	dur("PARTSBIN_RESET_TOKEN_TTL", &c.ResetTokenTTL)
	integer("PARTSBIN_ARGON2_MEMORY_KIB", 32, func(n int64) { c.Argon2MemoryKiB = uint32(n) })
	integer("PARTSBIN_ARGON2_ITERATIONS", 32, func(n int64) { c.Argon2Iterations = uint32(n) })
	integer("PARTSBIN_ARGON2_PARALLELISM", 8, func(n int64) { c.Argon2Parallelism = uint8(n) })
	integer("PARTSBIN_ARGON2_MAX_CONCURRENT", 32, func(n int64) { c.Argon2MaxConcurrent = int(n) })
	integer("PARTSBIN_MAX_REQUEST_BYTES", 64, func(n int64) { c.MaxRequestBytes = n })
	dur("PARTSBIN_UNARY_TIMEOUT", &c.UnaryTimeout)
	dur("PARTSBIN_READ_HEADER_TIMEOUT", &c.ReadHeaderTimeout)
	dur("PARTSBIN_READ_TIMEOUT", &c.ReadTimeout)
	dur("PARTSBIN_IDLE_TIMEOUT", &c.IdleTimeout)
	dur("PARTSBIN_DRAIN_DELAY", &c.DrainDelay)
	dur("PARTSBIN_SHUTDOWN_GRACE", &c.ShutdownGrace)
	str("PARTSBIN_LOG_LEVEL", &c.LogLevel)

	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// Validate checks the settings that Load cannot check one by one.
func (c Config) Validate() error {
	var errs []error
	if c.Argon2MemoryKiB < 19*1024 || c.Argon2Iterations < 2 || c.Argon2Parallelism < 1 {
		errs = append(errs, errors.New("argon2 parameters below the OWASP minimum (m=19456 KiB, t=2, p=1)"))
	}
	if c.StripeAPIKey != "" && c.StripeWebhookSecret == "" {
		errs = append(errs, errors.New("PARTSBIN_STRIPE_WEBHOOK_SECRET is required with PARTSBIN_STRIPE_API_KEY: webhooks must be verified"))
	}
	if c.PageTokenSecret != "" && len(c.PageTokenSecret) < 16 {
		errs = append(errs, errors.New("PARTSBIN_PAGE_TOKEN_SECRET must be at least 16 bytes (generate one with: openssl rand -hex 32)"))
	}
	if c.StreamHeartbeat < 100*time.Millisecond || c.MaxStreamsPerUser < 1 {
		errs = append(errs, errors.New("PARTSBIN_STREAM_HEARTBEAT must be at least 100ms and PARTSBIN_MAX_STREAMS_PER_USER at least 1"))
	}
	if c.Argon2MaxConcurrent < 1 {
		errs = append(errs, errors.New("PARTSBIN_ARGON2_MAX_CONCURRENT must be at least 1"))
	}
	if c.DBMaxConns < 2 {
		errs = append(errs, errors.New("PARTSBIN_DB_MAX_CONNS must be at least 2"))
	}
	if c.MaxRequestBytes < 1024 {
		errs = append(errs, errors.New("PARTSBIN_MAX_REQUEST_BYTES must be at least 1024"))
	}
	if len(c.Currency) != 3 || strings.ToUpper(c.Currency) != c.Currency {
		errs = append(errs, fmt.Errorf("PARTSBIN_CURRENCY: want an ISO 4217 code like EUR, got %q", c.Currency))
	}
	switch c.SMTPTLS {
	case "none", "starttls", "tls":
	default:
		errs = append(errs, fmt.Errorf("PARTSBIN_SMTP_TLS: want none, starttls or tls, got %q", c.SMTPTLS))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("PARTSBIN_LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel))
	}
	if c.SessionTTL < time.Minute || c.ResetTokenTTL < time.Minute {
		errs = append(errs, errors.New("session and reset token lifetimes must be at least a minute"))
	}
	return errors.Join(errs...)
}

// Masked lists every setting as "NAME=value" lines, sorted, with passwords
// and secret values replaced by "****". It is what the server logs at start.
func (c Config) Masked() []string {
	kv := map[string]string{
		"PARTSBIN_HTTP_ADDR":             c.HTTPAddr,
		"PARTSBIN_PUBLIC_URL":            c.PublicURL,
		"PARTSBIN_CURRENCY":              c.Currency,
		"PARTSBIN_SEARCH_CACHE_TTL":      c.SearchCacheTTL.String(),
		"PARTSBIN_PRODUCT_CACHE_TTL":     c.ProductCacheTTL.String(),
		"PARTSBIN_UNPAID_ORDER_EXPIRY":   c.UnpaidOrderExpiry.String(),
		"PARTSBIN_ORDER_EXPIRY_INTERVAL": c.OrderExpiryInterval.String(),
		"PARTSBIN_STRIPE_API_KEY":        maskValue(c.StripeAPIKey),
		"PARTSBIN_STRIPE_API_BASE":       c.StripeAPIBase,
		"PARTSBIN_STRIPE_WEBHOOK_SECRET": maskValue(c.StripeWebhookSecret),
		"PARTSBIN_PAGE_TOKEN_SECRET":     maskValue(c.PageTokenSecret),
		"PARTSBIN_STREAM_HEARTBEAT":      c.StreamHeartbeat.String(),
		"PARTSBIN_MAX_STREAMS_PER_USER":  strconv.Itoa(c.MaxStreamsPerUser),
		"PARTSBIN_DATABASE_URL":          maskURL(c.DatabaseURL),
		"PARTSBIN_DB_MAX_CONNS":          strconv.Itoa(int(c.DBMaxConns)),
		"PARTSBIN_DB_CONNECT_TIMEOUT":    c.DBConnectTimeout.String(),
		"PARTSBIN_DB_STATEMENT_TIMEOUT":  c.DBStatementTimeout.String(),
		"PARTSBIN_MIGRATE_ON_START":      strconv.FormatBool(c.MigrateOnStart),
		"PARTSBIN_REDIS_URL":             maskURL(c.RedisURL),
		"PARTSBIN_REDIS_PREFIX":          c.RedisPrefix,
		"PARTSBIN_SMTP_ADDR":             c.SMTPAddr,
		"PARTSBIN_SMTP_USERNAME":         c.SMTPUsername,
		"PARTSBIN_SMTP_PASSWORD":         maskValue(c.SMTPPassword),
		"PARTSBIN_SMTP_TLS":              c.SMTPTLS,
		"PARTSBIN_MAIL_FROM":             c.MailFrom,
		"PARTSBIN_CORS_ORIGINS":          strings.Join(c.CORSOrigins, ","),
		"PARTSBIN_TRUSTED_PROXIES":       joinPrefixes(c.TrustedProxies),
		"PARTSBIN_SESSION_TTL":           c.SessionTTL.String(),
		"PARTSBIN_SESSION_CACHE_TTL":     c.SessionCacheTTL.String(),
		"PARTSBIN_RESET_TOKEN_TTL":       c.ResetTokenTTL.String(),
		"PARTSBIN_ARGON2_MEMORY_KIB":     strconv.FormatUint(uint64(c.Argon2MemoryKiB), 10),
		"PARTSBIN_ARGON2_ITERATIONS":     strconv.FormatUint(uint64(c.Argon2Iterations), 10),
		"PARTSBIN_ARGON2_PARALLELISM":    strconv.FormatUint(uint64(c.Argon2Parallelism), 10),
		"PARTSBIN_ARGON2_MAX_CONCURRENT": strconv.Itoa(c.Argon2MaxConcurrent),
		"PARTSBIN_MAX_REQUEST_BYTES":     strconv.FormatInt(c.MaxRequestBytes, 10),
		"PARTSBIN_UNARY_TIMEOUT":         c.UnaryTimeout.String(),
		"PARTSBIN_READ_HEADER_TIMEOUT":   c.ReadHeaderTimeout.String(),
		"PARTSBIN_READ_TIMEOUT":          c.ReadTimeout.String(),
		"PARTSBIN_IDLE_TIMEOUT":          c.IdleTimeout.String(),
		"PARTSBIN_DRAIN_DELAY":           c.DrainDelay.String(),
		"PARTSBIN_SHUTDOWN_GRACE":        c.ShutdownGrace.String(),
		"PARTSBIN_LOG_LEVEL":             c.LogLevel,
	}
	out := make([]string, 0, len(kv))
	for k, v := range kv {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func maskValue(v string) string {
	if v == "" {
		return ""
	}
	return "****"
}

// maskURL hides the password of a URL; an unparsable URL is hidden whole,
// since it might carry a secret we cannot find.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "****"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "****")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "****")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}
