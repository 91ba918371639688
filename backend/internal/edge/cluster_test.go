package edge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// buildDir holds the partsbin binary built once for the package.
var (
	buildDir  string
	buildOnce sync.Once
	buildErr  error
	binPath   string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pbedge-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	templateCleanup()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the folder holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test folder")
		}
		dir = parent
	}
}

// partsbinBinary builds backend/cmd/partsbin once.
func partsbinBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binPath = filepath.Join(buildDir, "partsbin")
		cmd := exec.Command("go", "build", "-o", binPath, "./backend/cmd/partsbin")
		cmd.Dir = repoRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build partsbin: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type stackEnv struct {
	pgAdminURL, smtpAddr string
}

func loadEnv(t testing.TB) stackEnv {
	t.Helper()
	e := stackEnv{pgAdminURL: os.Getenv("PARTSBIN_TEST_PG_ADMIN_URL"), smtpAddr: os.Getenv("PARTSBIN_SMTP_ADDR")}
	if e.pgAdminURL == "" || e.smtpAddr == "" {
		t.Fatal("the edge tests need the local stack: run `just test`, or `just up` and then `. .stack/env && go test ./backend/internal/edge/`")
	}
	for _, bin := range []string{"redis-server", "bash", "curl"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is missing: run bash ops/local/install.sh", bin)
		}
	}
	return e
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freePort asks the kernel for an unused loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitFor(t testing.TB, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// process is a child we started and stop by its pid.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startProcess(t testing.TB, name, logPath string, env []string, bin string, args ...string) *process {
	t.Helper()
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group (a signal to the test does not hit it) and
	// killed with the test binary even if cleanups never run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p
}

func (p *process) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// signal sends sig and waits up to timeout for the exit (then SIGKILL).
func (p *process) stop(sig syscall.Signal, timeout time.Duration) {
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// redisServer is a private Redis with a password.
type redisServer struct {
	port     int
	password string
	dir      string
	proc     *process
}

func startRedis(t testing.TB, dir string) *redisServer {
	t.Helper()
	r := &redisServer{port: freePort(t), password: randomHex(12), dir: dir}
	r.start(t)
	t.Cleanup(func() { r.proc.stop(syscall.SIGKILL, 5*time.Second) })
	return r
}

func (r *redisServer) url() string {
	return fmt.Sprintf("redis://default:%s@127.0.0.1:%d/0", r.password, r.port)
}

func (r *redisServer) start(t testing.TB) {
	t.Helper()
	r.proc = startProcess(t, "redis", filepath.Join(r.dir, "redis.log"), os.Environ(), "redis-server",
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--requirepass", r.password,
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--daemonize", "no")
	waitFor(t, "redis answers", 10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// kill stops Redis the hard way (SIGKILL), as a crash would.
func (r *redisServer) kill() { r.proc.stop(syscall.SIGKILL, 5*time.Second) }

// instance is one partsbin serve process.
type instance struct {
	name string
	addr string
	env  []string
	log  string
	proc *process
}

func (in *instance) start(t testing.TB) {
	t.Helper()
	in.proc = startProcess(t, in.name, in.log, in.env, partsbinBinary(t), "serve")
	waitFor(t, in.name+" ready", 30*time.Second, func() bool {
		if !in.proc.running() {
			t.Fatalf("%s exited at start; log %s:\n%s", in.name, in.log, tail(in.log, 30))
		}
		res, err := http.Get("http://" + in.addr + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cluster is Redis + two API instances + the edge, all private to a test.
type cluster struct {
	root, dir  string
	redis      *redisServer
	dbURL      string
	instances  []*instance
	httpURL    string // the edge's HTTP/1.1 port
	grpcAddr   string // the edge's h2c port
	statusURL  string
	edgeEnv    []string
	accessLog  string
	edgeErrLog string
}

// clusterOptions tune a cluster.
type clusterOptions struct {
	// limits is PB_EDGE_LIMITS ("auth=5/60000,browse=20/1000").
	limits string
	// drainDelay is PARTSBIN_DRAIN_DELAY of the instances.
	drainDelay time.Duration
}

func newCluster(t testing.TB, opts clusterOptions) *cluster {
	t.Helper()
	env := loadEnv(t)
	root := repoRoot(t)
	dir := t.TempDir()
	c := &cluster{root: root, dir: dir}
	c.redis = startRedis(t, dir)
	c.dbURL = seededDatabase(t, env.pgAdminURL)
	if opts.drainDelay == 0 {
		opts.drainDelay = 3 * time.Second
	}

	var addrs []string
	for i := 1; i <= 2; i++ {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		addrs = append(addrs, addr)
		in := &instance{
			name: fmt.Sprintf("api%d", i), addr: addr, log: filepath.Join(dir, fmt.Sprintf("api%d.log", i)),
			env: append(os.Environ(),
				"PARTSBIN_HTTP_ADDR="+addr,
				"PARTSBIN_PUBLIC_URL=http://"+addr,
				"PARTSBIN_DATABASE_URL="+c.dbURL,
				"PARTSBIN_DB_MAX_CONNS=8",
				"PARTSBIN_REDIS_URL="+c.redis.url(),
				"PARTSBIN_REDIS_PREFIX=pb:",
				"PARTSBIN_SMTP_ADDR="+env.smtpAddr,
				"PARTSBIN_STRIPE_API_KEY=",
				"PARTSBIN_TRUSTED_PROXIES=127.0.0.1/32",
				"PARTSBIN_DRAIN_DELAY="+opts.drainDelay.String(),
				"PARTSBIN_SHUTDOWN_GRACE=10s",
				"PARTSBIN_LOG_LEVEL=info",
				"PARTSBIN_ORDER_EXPIRY_INTERVAL=0s",
			),
		}
		c.instances = append(c.instances, in)
	}
	for _, in := range c.instances {
		in.start(t)
	}
	t.Cleanup(func() {
		for _, in := range c.instances {
			if in.proc != nil {
				in.proc.stop(syscall.SIGKILL, 5*time.Second)
			}
		}
	})

	httpPort, grpcPort, statusPort := freePort(t), freePort(t), freePort(t)
	c.httpURL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	c.grpcAddr = fmt.Sprintf("127.0.0.1:%d", grpcPort)
	c.statusURL = fmt.Sprintf("http://127.0.0.1:%d/edge/status", statusPort)
	stackDir := filepath.Join(dir, "stack")
	c.accessLog = filepath.Join(stackDir, "logs", "edge", "access.log")
	c.edgeErrLog = filepath.Join(stackDir, "logs", "edge", "error.log")
	c.edgeEnv = append(os.Environ(),
		"STACK_DIR="+stackDir,
		"PB_EDGE_HTTP_PORT="+strconv.Itoa(httpPort),
		"PB_EDGE_GRPC_PORT="+strconv.Itoa(grpcPort),
		"PB_EDGE_STATUS_PORT="+strconv.Itoa(statusPort),
		"PB_API_ADDRS="+strings.Join(addrs, ","),
		"PB_EDGE_REDIS_URL="+c.redis.url(),
		"PB_EDGE_LIMITS="+opts.limits,
		"PB_EDGE_LIMITER=on",
		// Generous: a decision that times out fails open, and the accuracy
		// proof allows none; a loaded test machine can stall for a moment.
		"PB_EDGE_REDIS_TIMEOUT_MS=2000",
	)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("edge error log (tail):\n%s", tail(c.edgeErrLog, 40))
		}
		if out, err := c.edgeScript("down"); err != nil {
			t.Logf("edge.sh down: %v\n%s", err, out)
		}
	})
	if out, err := c.edgeScript("up"); err != nil {
		t.Fatalf("edge.sh up: %v\n%s", err, out)
	}
	return c
}

func (c *cluster) edgeScript(cmd string) (string, error) {
	sh := exec.Command("bash", filepath.Join(c.root, "ops/local/edge.sh"), cmd)
	sh.Env = c.edgeEnv
	out, err := sh.CombinedOutput()
	return string(out), err
}

// edgeStats reads the limiter's counters from the status port.
type edgeStats struct {
	Allowed     int `json:"allowed"`
	Rejected    int `json:"rejected"`
	FailOpen    int `json:"fail_open"`
	RedisErrors int `json:"redis_errors"`
}

func (c *cluster) stats(t testing.TB) edgeStats {
	t.Helper()
	res, err := http.Get(c.statusURL)
	if err != nil {
		t.Fatalf("edge status: %v", err)
	}
	defer res.Body.Close()
	var s edgeStats
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatalf("edge status: %v", err)
	}
	return s
}

// accessEntry is one line of the edge's JSON access log.
type accessEntry struct {
	RemoteAddr string `json:"remote_addr"`
	URI        string `json:"uri"`
	Status     int    `json:"status"`
	Upstream   string `json:"upstream"`
	RLClass    string `json:"rl_class"`
	RL         string `json:"rl"`
	RLTs       string `json:"rl_ts"`
}

func (c *cluster) accessEntries(t testing.TB, keep func(accessEntry) bool) []accessEntry {
	t.Helper()
	f, err := os.Open(c.accessLog)
	if err != nil {
		t.Fatalf("edge access log: %v", err)
	}
	defer f.Close()
	var out []accessEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e accessEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("edge access log line %q: %v", sc.Text(), err)
		}
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

var (
	seedOnce     sync.Once
	seedTemplate string
	seedErr      error
)

// seededDatabase returns a fresh database cloned from a migrated template
// with a few hundred products (built once per test binary).
func seededDatabase(t testing.TB, adminURL string) string {
	t.Helper()
	ctx := context.Background()
	seedOnce.Do(func() {
		seedTemplate = "pbedge_tmpl_" + randomHex(6)
		seedErr = buildSeedTemplate(t, primaryURL(adminURL), seedTemplate)
	})
	if seedErr != nil {
		t.Fatal(seedErr)
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := "pbedge_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+seedTemplate); err != nil {
		t.Fatalf("clone seeded database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), primaryURL(adminURL))
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(t, adminURL, name)
}

// primaryURL is the primary node itself when the stack runs Pgpool-II
// (PARTSBIN_TEST_PG_PRIMARY_URL): the template is built and databases are
// dropped there, because Pgpool keeps connections to a database cached
// (which blocks CREATE DATABASE ... TEMPLATE) and answers DROP DATABASE by
// closing the idle connections of all its children.
func primaryURL(adminURL string) string {
	if u := os.Getenv("PARTSBIN_TEST_PG_PRIMARY_URL"); u != "" {
		return u
	}
	return adminURL
}

func buildSeedTemplate(t testing.TB, adminURL, name string) error {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	dbURL := withDatabase(t, adminURL, name)
	env := append(os.Environ(), "PARTSBIN_DATABASE_URL="+dbURL, "PARTSBIN_LOG_LEVEL=warn")
	for _, args := range [][]string{{"migrate"}, {"seed", "--products", "300"}} {
		cmd := exec.Command(partsbinBinary(t), args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("partsbin %s: %v\n%s", args[0], err, out)
		}
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+name+" WITH is_template = true ALLOW_CONNECTIONS = false"); err != nil {
		return err
	}
	// The template is dropped by the last cleanup of the package.
	templateCleanup = func() {
		c, err := pgx.Connect(context.Background(), adminURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "ALTER DATABASE "+name+" WITH is_template = false")
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return nil
}

var templateCleanup = func() {}

func withDatabase(t testing.TB, rawURL, name string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// clientFrom returns an HTTP/1.1 client whose connections leave from the
// loopback address ip, so the edge sees that client address.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: d.DialContext, MaxIdleConnsPerHost: 64, MaxConnsPerHost: 0,
	}}
}

// h2cClientFrom is clientFrom speaking cleartext HTTP/2 (gRPC).
func h2cClientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, Protocols: &p}}
}

// postJSON calls an RPC with Connect's JSON over HTTP/1.1.
func postJSON(ctx context.Context, hc *http.Client, base, procedure, body string, header http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/"+procedure, bytes.NewBufferString(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res, nil, err
	}
	return res, b, nil
}

// errString is a short description of a failed call for test output.
func errString(res *http.Response, body []byte, err error) string {
	if err != nil {
		return err.Error()
	}
	if res == nil {
		return "no response"
	}
	return fmt.Sprintf("HTTP %d %s", res.StatusCode, strings.TrimSpace(string(body)))
}
