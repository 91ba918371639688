package edge

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

// The quotas of the limits cluster: tight, so the tests reach them fast.
const (
	authLimit    = 5
	browseLimit  = 25
	browseWindow = time.Second
	defaultLimit = 12
)

// TestEdgeLimits runs the limiter proofs against one private edge.
func TestEdgeLimits(t *testing.T) {
	t.Parallel()
	c := newCluster(t, clusterOptions{limits: "auth=" + strconv.Itoa(authLimit) + "/60000," +
		"browse=" + strconv.Itoa(browseLimit) + "/" + strconv.Itoa(int(browseWindow.Milliseconds())) + "," +
		"default=" + strconv.Itoa(defaultLimit) + "/60000"})
	t.Run("SlidingWindowIsExactUnderConcurrency", func(t *testing.T) { t.Parallel(); testAccuracy(t, c) })
	t.Run("QuotaIsPerClientAddress", func(t *testing.T) { t.Parallel(); testPerAddress(t, c) })
	t.Run("ClientsSeeResourceExhausted", func(t *testing.T) { t.Parallel(); testClientsSeeResourceExhausted(t, c) })
	t.Run("StreamsRejectedInTheirProtocol", func(t *testing.T) { t.Parallel(); testStreamRejections(t, c) })
	t.Run("StreamsFlowOnBothPorts", func(t *testing.T) { t.Parallel(); testStreams(t, c) })
	t.Run("EdgeErrorsAreConnectErrors", func(t *testing.T) { t.Parallel(); testEdgeErrors(t, c) })
}

// testAccuracy: many concurrent clients from one address for several
// windows. Offline, from the Redis times the edge logged for each decision:
// no window of the configured length admitted more than the limit, and the
// admissions used at least 95% of the quota.
func testAccuracy(t *testing.T, c *cluster) {
	const ip = "127.0.0.11"
	const workers = 12
	const duration = 4200 * time.Millisecond
	hc := clientFrom(ip)
	var ok, limited, failed atomic.Int64
	var firstFailure atomic.Value
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				res, body, err := postJSON(context.Background(), hc, c.httpURL, "partsbin.catalog.v1.CatalogService/ListCategories", "{}", nil)
				switch {
				case err == nil && res.StatusCode == http.StatusOK:
					ok.Add(1)
				case err == nil && res.StatusCode == http.StatusTooManyRequests && strings.Contains(string(body), `"resource_exhausted"`):
					limited.Add(1)
				default:
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, errString(res, body, err))
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d requests failed (first: %v)", n, firstFailure.Load())
	}
	total := int(ok.Load() + limited.Load())
	var entries []accessEntry
	waitFor(t, "every request in the access log", 10*time.Second, func() bool {
		entries = c.accessEntries(t, func(e accessEntry) bool { return e.RemoteAddr == ip })
		return len(entries) >= total
	})
	var admitted []int64
	var last int64
	for _, e := range entries {
		ts, err := strconv.ParseInt(e.RLTs, 10, 64)
		if err != nil || e.RLClass != "browse" {
			t.Fatalf("log entry without a limiter decision: %+v", e)
		}
		last = max(last, ts)
		switch e.RL {
		case "allowed":
			admitted = append(admitted, ts)
			if e.Status != http.StatusOK {
				t.Errorf("admitted request answered %d", e.Status)
			}
		case "rejected":
			if e.Status != http.StatusTooManyRequests {
				t.Errorf("rejected request answered %d", e.Status)
			}
		default:
			t.Errorf("decision %q, want allowed or rejected (Redis is up)", e.RL)
		}
	}
	if len(admitted) != int(ok.Load()) {
		t.Errorf("log admitted %d, clients got %d successes", len(admitted), ok.Load())
	}
	slices.Sort(admitted)
	w := browseWindow.Microseconds()
	// Most admissions in any window [t, t+W): slide over the sorted times.
	most, j := 0, 0
	for i := range admitted {
		for admitted[i]-admitted[j] >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	if most > browseLimit {
		t.Errorf("a window of %s admitted %d requests, limit %d", browseWindow, most, browseLimit)
	}
	if len(admitted) == 0 {
		t.Fatal("nothing admitted")
	}
	windows := (last - admitted[0]) / w
	if windows < 3 {
		t.Fatalf("load covered %d full windows, want at least 3", windows)
	}
	inFull := 0
	for _, ts := range admitted {
		if ts < admitted[0]+windows*w {
			inFull++
		}
	}
	used := float64(inFull) / float64(int64(browseLimit)*windows)
	t.Logf("figure: edge limiter accuracy: %d workers from %s for %s: %d requests, %d admitted, %d rejected (429); "+
		"max admitted in any %s window: %d (limit %d); quota used over %d full windows: %d/%d = %.1f%%",
		workers, ip, duration, total, len(admitted), limited.Load(), browseWindow, most, browseLimit,
		windows, inFull, int64(browseLimit)*windows, 100*used)
	if used < 0.95 {
		t.Errorf("quota used %.1f%%, want at least 95%%", 100*used)
	}
	if s := c.stats(t); s.FailOpen != 0 {
		t.Errorf("the limiter failed open %d times with Redis up", s.FailOpen)
	}
}

func testPerAddress(t *testing.T, c *cluster) {
	reset := func(ip string, header http.Header) *http.Response {
		t.Helper()
		res, body, err := postJSON(context.Background(), clientFrom(ip), c.httpURL,
			"partsbin.auth.v1.AuthService/RequestPasswordReset", `{"email":"nobody-`+randomHex(4)+`@example.com"}`, header)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("reset request: %s", errString(res, body, err))
		}
		return res
	}
	for i := range authLimit {
		res := reset("127.0.0.21", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d of %d refused: %d", i+1, authLimit, res.StatusCode)
		}
		if got, want := res.Header.Get("RateLimit-Remaining"), strconv.Itoa(authLimit-i-1); got != want {
			t.Errorf("request %d: RateLimit-Remaining %q, want %q", i+1, got, want)
		}
		if got := res.Header.Get("RateLimit-Limit"); got != strconv.Itoa(authLimit) {
			t.Errorf("RateLimit-Limit %q, want %d", got, authLimit)
		}
		if r, err := strconv.Atoi(res.Header.Get("RateLimit-Reset")); err != nil || r < 1 || r > 60 {
			t.Errorf("RateLimit-Reset %q, want 1..60 s", res.Header.Get("RateLimit-Reset"))
		}
	}
	if res := reset("127.0.0.21", nil); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("request over the limit: %d, want 429", res.StatusCode)
	}
	// Forwarding headers from the client are not believed.
	spoof := http.Header{"X-Forwarded-For": {"198.51.100.7"}, "X-Real-Ip": {"198.51.100.8"}}
	if res := reset("127.0.0.21", spoof); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a forged X-Forwarded-For escaped the limit: %d", res.StatusCode)
	}
	// Another address has its own quota.
	res := reset("127.0.0.22", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("RateLimit-Remaining") != strconv.Itoa(authLimit-1) {
		t.Errorf("another address: %d remaining %q, want 200 with a fresh quota", res.StatusCode, res.Header.Get("RateLimit-Remaining"))
	}
	// The API sees the real client address, not the forged one.
	id := "edge-xff-" + randomHex(6)
	hdr := http.Header{"X-Forwarded-For": {"198.51.100.9"}, "X-Request-Id": {id}}
	if res, body, err := postJSON(context.Background(), clientFrom("127.0.0.23"), c.httpURL,
		"partsbin.catalog.v1.CatalogService/ListCategories", "{}", hdr); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("list categories: %s", errString(res, body, err))
	}
	waitFor(t, "the API logged the request", 5*time.Second, func() bool {
		for _, in := range c.instances {
			for _, line := range strings.Split(tail(in.log, 400), "\n") {
				if strings.Contains(line, id) {
					if !strings.Contains(line, `"client_ip":"127.0.0.23"`) {
						t.Fatalf("API log line for the request does not name client 127.0.0.23:\n%s", line)
					}
					return true
				}
			}
		}
		return false
	})
}

func retryAfterOf(err error) time.Duration {
	var cerr *connect.Error
	if !errorsAs(err, &cerr) {
		return 0
	}
	for _, d := range cerr.Details() {
		if v, e := d.Value(); e == nil {
			if ri, ok := v.(*commonv1.RetryInfo); ok {
				return time.Duration(ri.GetRetryAfterMs()) * time.Millisecond
			}
		}
	}
	return 0
}

// exhaust spends the auth quota of ip.
func exhaust(t *testing.T, c *cluster, ip, procedure, body string, n int) {
	t.Helper()
	for range n {
		res, b, err := postJSON(context.Background(), clientFrom(ip), c.httpURL, procedure, body, nil)
		if err != nil || res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500 {
			t.Fatalf("spending the quota: %s", errString(res, b, err))
		}
	}
}

func testClientsSeeResourceExhausted(t *testing.T, c *cluster) {
	const ip = "127.0.0.31"
	exhaust(t, c, ip, "partsbin.auth.v1.AuthService/RequestPasswordReset", `{"email":"nobody@example.com"}`, authLimit)

	// Plain HTTP (curl): 429, Retry-After, RateLimit-*, a Connect JSON body.
	res, body, err := postJSON(context.Background(), clientFrom(ip), c.httpURL, "partsbin.auth.v1.AuthService/Login",
		`{"email":"nobody@example.com","password":"whatever-password"}`, http.Header{"Origin": {"http://shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", res.StatusCode)
	}
	if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q, want 1..60", res.Header.Get("Retry-After"))
	}
	for k, want := range map[string]string{
		"RateLimit-Limit": strconv.Itoa(authLimit), "RateLimit-Remaining": "0", "Content-Type": "application/json",
		"Access-Control-Allow-Origin": "http://shop.example",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	var errBody struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Type string `json:"type"`
		} `json:"details"`
	}
	if err := json.Unmarshal(body, &errBody); err != nil || errBody.Code != "resource_exhausted" || errBody.Message == "" ||
		len(errBody.Details) != 1 || errBody.Details[0].Type != "partsbin.common.v1.RetryInfo" {
		t.Errorf("body %s (%v), want a Connect resource_exhausted error with a RetryInfo detail", body, err)
	}

	// Generated Go clients, every protocol, both ports.
	for _, p := range protocolClients(c, ip) {
		client := authv1connect.NewAuthServiceClient(p.hc, p.url, p.opts...)
		_, err := client.Login(context.Background(), &authv1.LoginRequest{Email: "nobody@example.com", Password: "whatever-password"})
		if code := connect.CodeOf(err); code != connect.CodeResourceExhausted {
			t.Errorf("%s: %v, want resource_exhausted", p.name, err)
			continue
		}
		if d := retryAfterOf(err); d <= 0 || d > time.Minute {
			t.Errorf("%s: retry delay %s, want a RetryInfo detail within the window", p.name, d)
		}
		var cerr *connect.Error
		if errorsAs(err, &cerr) && cerr.Meta().Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After in the response metadata", p.name)
		}
	}

	// The TypeScript client (connect-node): Connect, gRPC-Web and gRPC.
	runNodeTest(t, c, ip)
}

// runNodeTest runs clients/ts/test/edge-ratelimit.edge.mjs against the edge
// from address ip, whose auth quota is spent.
func runNodeTest(t *testing.T, c *cluster, ip string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is missing: the TypeScript client test needs it (bash ops/local/install.sh)")
	}
	ts := filepath.Join(c.root, "clients", "ts")
	if _, err := os.Stat(filepath.Join(ts, "node_modules", "@connectrpc", "connect-node")); err != nil {
		t.Fatal("clients/ts/node_modules is missing: run bash ops/local/install.sh (npm ci)")
	}
	buildTS(t, ts)
	cmd := exec.Command(node, "--test", "test/edge-ratelimit.edge.mjs")
	cmd.Dir = ts
	cmd.Env = append(os.Environ(), "PARTSBIN_EDGE_URL="+c.httpURL, "PARTSBIN_EDGE_GRPC_URL=http://"+c.grpcAddr, "PARTSBIN_EDGE_CLIENT_IP="+ip)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("TypeScript client test: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "# pass 3") {
		t.Errorf("TypeScript client test did not pass its 3 tests:\n%s", out)
	}
}

var (
	tsOnce sync.Once
	tsErr  string
)

// buildTS compiles the TS client (dist/) once per test binary.
func buildTS(t *testing.T, dir string) {
	t.Helper()
	tsOnce.Do(func() {
		cmd := exec.Command("node", "node_modules/typescript/bin/tsc", "-p", ".")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			tsErr = err.Error() + "\n" + string(out)
		}
	})
	if tsErr != "" {
		t.Fatalf("building the TS client: %s", tsErr)
	}
}

// testStreamRejections: a server-stream call over its quota gets
// resource_exhausted in its own protocol (Connect end-of-stream, gRPC-Web
// trailers-only, gRPC trailers), not a transport error.
func testStreamRejections(t *testing.T, c *cluster) {
	const ip = "127.0.0.33"
	for range defaultLimit {
		res, b, err := postJSON(context.Background(), clientFrom(ip), c.httpURL, "partsbin.cart.v1.CartService/GetCart", "{}", nil)
		if err != nil || res.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("spending the quota: %s", errString(res, b, err))
		}
	}
	for _, p := range protocolClients(c, ip) {
		client := checkoutv1connect.NewCheckoutServiceClient(p.hc, p.url, p.opts...)
		stream, err := client.WatchOrder(context.Background(), &checkoutv1.WatchOrderRequest{OrderId: "00000000-0000-0000-0000-000000000000"})
		if err == nil {
			for stream.Receive() {
				t.Errorf("%s: a message arrived over the quota", p.name)
			}
			err = stream.Err()
			stream.Close()
		}
		if connect.CodeOf(err) != connect.CodeResourceExhausted {
			t.Errorf("%s: %v, want resource_exhausted", p.name, err)
			continue
		}
		if d := retryAfterOf(err); d <= 0 {
			t.Errorf("%s: no retry delay in %v", p.name, err)
		}
	}
}

// protocolClient is one way a generated Go client reaches the edge.
type protocolClient struct {
	name string
	hc   *http.Client
	url  string
	opts []connect.ClientOption
}

// protocolClients lists every protocol on both edge ports, each calling
// from ip.
func protocolClients(c *cluster, ip string) []protocolClient {
	return []protocolClient{
		{"connect-json", clientFrom(ip), c.httpURL, []connect.ClientOption{connect.WithProtoJSON()}},
		{"connect-proto", clientFrom(ip), c.httpURL, nil},
		{"grpc-web", clientFrom(ip), c.httpURL, []connect.ClientOption{connect.WithGRPCWeb()}},
		{"grpc", h2cClientFrom(ip), "http://" + c.grpcAddr, []connect.ClientOption{connect.WithGRPC()}},
	}
}
