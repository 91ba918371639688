package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// The topology compose.yaml must describe.
var (
	wantServices = []string{"pg0", "pg1", "pgpool", "redis", "mailpit", "stripe-mock", "migrate", "api1", "api2", "edge"}
	// oneShot services run to completion (no healthcheck, no restart).
	oneShot = map[string]bool{"migrate": true}
	// published lists the only container ports that may reach the host.
	published = map[string][]uint32{"edge": {8080, 8081}, "mailpit": {8025}}
	// nodes are the Postgres servers; only Pgpool may talk to them.
	nodes = []string{"pg0", "pg1"}
	// startOrder: each group starts only after the previous one.
	startOrder = [][]string{{"pg0"}, {"pg1"}, {"pgpool"}, {"migrate"}, {"api1", "api2"}, {"edge"}}
	// images: what each service runs, pinned.
	images = map[string]*regexp.Regexp{
		"pg0":         regexp.MustCompile(`^postgres:15(\.\d+)?$`),
		"pg1":         regexp.MustCompile(`^postgres:15(\.\d+)?$`),
		"pgpool":      regexp.MustCompile(`^pgpool/pgpool:4\.[34](\.\d+)?$`),
		"redis":       regexp.MustCompile(`^redis:7(\.\d+)*$`),
		"mailpit":     regexp.MustCompile(`^axllent/mailpit:v[\d.]+$`),
		"stripe-mock": regexp.MustCompile(`^stripe/stripe-mock:v[\d.]+$`),
		"edge":        regexp.MustCompile(`^openresty/openresty:[\d.]+(-\d+)?-bookworm$`),
		"migrate":     regexp.MustCompile(`^partsbin:`),
		"api1":        regexp.MustCompile(`^partsbin:`),
		"api2":        regexp.MustCompile(`^partsbin:`),
	}
)

// repoRoot is the repository root (this package is backend/internal/deploy).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s: %v", root, err)
	}
	return root
}

// requiredVars are the variables compose.yaml demands with ${VAR:?...}.
func requiredVars(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var vars []string
	for _, m := range regexp.MustCompile(`\$\{([A-Za-z0-9_]+):\?`).FindAllStringSubmatch(string(raw), -1) {
		if !slices.Contains(vars, m[1]) {
			vars = append(vars, m[1])
		}
	}
	sort.Strings(vars)
	return vars
}

// dummyEnv sets every required variable to a recognisable dummy value.
func dummyEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, v := range requiredVars(t) {
		env[v] = "dummy-" + strings.ToLower(strings.ReplaceAll(v, "_", "-"))
	}
	return env
}

// load loads compose.yaml as `docker compose` would from the repository
// root, with env as the only environment (no .env, no OS environment).
func load(t *testing.T, env map[string]string, opts ...cli.ProjectOptionsFn) (*types.Project, error) {
	t.Helper()
	root := repoRoot(t)
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	opts = append([]cli.ProjectOptionsFn{cli.WithWorkingDirectory(root), cli.WithEnv(list)}, opts...)
	o, err := cli.NewProjectOptions([]string{filepath.Join(root, "compose.yaml")}, opts...)
	if err != nil {
		return nil, err
	}
	return o.LoadProject(context.Background())
}

func mustLoad(t *testing.T) *types.Project {
	t.Helper()
	p, err := load(t, dummyEnv(t))
	if err != nil {
		t.Fatalf("load compose.yaml: %v", err)
	}
	return p
}

func env(s types.ServiceConfig, key string) string {
	if v := s.Environment[key]; v != nil {
		return *v
	}
	return ""
}

func TestCompose_Services(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	var got []string
	for name := range p.Services {
		got = append(got, name)
	}
	sort.Strings(got)
	want := slices.Clone(wantServices)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	for name, re := range images {
		if s, ok := p.Services[name]; ok && !re.MatchString(s.Image) {
			t.Errorf("%s: image %q, want one matching %s", name, s.Image, re)
		}
	}
	for name, s := range p.Services {
		if s.Image == "" || strings.HasSuffix(s.Image, ":latest") || !strings.Contains(s.Image, ":") {
			t.Errorf("%s: image %q is not pinned to a tag", name, s.Image)
		}
	}
}

func TestCompose_OnlyTheEdgeIsPublished(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	for name, s := range p.Services {
		allowed := published[name]
		for _, port := range s.Ports {
			if !slices.Contains(allowed, port.Target) {
				t.Errorf("%s publishes container port %d; only %v may be published", name, port.Target, published)
			}
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %d is bound to host address %q, want 127.0.0.1", name, port.Target, port.HostIP)
			}
			if port.Published != fmt.Sprint(port.Target) {
				t.Errorf("%s: container port %d published as %q, want the same number", name, port.Target, port.Published)
			}
		}
	}
	for _, want := range published["edge"] {
		if !slices.ContainsFunc(p.Services["edge"].Ports, func(pc types.ServicePortConfig) bool { return pc.Target == want }) {
			t.Errorf("edge does not publish %d", want)
		}
	}
}

func TestCompose_Healthchecks(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	for name, s := range p.Services {
		hc := s.HealthCheck
		if oneShot[name] {
			if s.Restart != "no" {
				t.Errorf("%s is a one-shot job but restart = %q, want \"no\"", name, s.Restart)
			}
			continue
		}
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] == "NONE" {
			t.Errorf("%s: no healthcheck", name)
			continue
		}
		if hc.Interval == nil || hc.Timeout == nil || hc.Retries == nil {
			t.Errorf("%s: healthcheck without interval, timeout or retries", name)
		}
		if s.Restart == "" || s.Restart == "no" {
			t.Errorf("%s: long-running service without a restart policy", name)
		}
	}
	// The health of what matters, not just a process: Pgpool routes to a
	// primary, the API is ready, the edge answers on its status port.
	wantIn := map[string]string{
		"pg0":    "pg_isready",
		"pg1":    "pg_isready",
		"pgpool": "health",
		"redis":  "PONG",
		"api1":   "/readyz",
		"api2":   "/readyz",
		"edge":   "/edge/status",
	}
	for name, want := range wantIn {
		if s, ok := p.Services[name]; ok && s.HealthCheck != nil &&
			!strings.Contains(strings.Join(s.HealthCheck.Test, " "), want) {
			t.Errorf("%s: healthcheck %q does not check %q", name, s.HealthCheck.Test, want)
		}
	}
}

// depth is the length of the longest depends_on chain below a service.
func depth(t *testing.T, p *types.Project, name string, seen map[string]bool) int {
	t.Helper()
	if seen[name] {
		t.Fatalf("depends_on cycle through %s", name)
	}
	seen[name] = true
	defer delete(seen, name)
	d := 0
	for dep := range p.Services[name].DependsOn {
		if _, ok := p.Services[dep]; !ok {
			t.Fatalf("%s depends on unknown service %s", name, dep)
		}
		d = max(d, 1+depth(t, p, dep, seen))
	}
	return d
}

func TestCompose_StartOrder(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	level := map[string]int{}
	for name := range p.Services {
		level[name] = depth(t, p, name, map[string]bool{})
	}
	for i := 1; i < len(startOrder); i++ {
		for _, later := range startOrder[i] {
			for _, earlier := range startOrder[i-1] {
				if level[later] <= level[earlier] {
					t.Errorf("%s (depth %d) does not start after %s (depth %d)", later, level[later], earlier, level[earlier])
				}
			}
		}
	}
	// Each step waits for the right condition.
	want := map[string]map[string]string{
		// pg1 only needs pg0 started: after a failover pg1 may be the
		// primary pg0 waits for; compose-node.sh waits for the primary.
		"pg1":     {"pg0": types.ServiceConditionStarted},
		"pgpool":  {"pg0": types.ServiceConditionHealthy, "pg1": types.ServiceConditionHealthy},
		"migrate": {"pgpool": types.ServiceConditionHealthy},
		"api1":    {"migrate": types.ServiceConditionCompletedSuccessfully, "pgpool": types.ServiceConditionHealthy, "redis": types.ServiceConditionHealthy},
		"api2":    {"migrate": types.ServiceConditionCompletedSuccessfully, "pgpool": types.ServiceConditionHealthy, "redis": types.ServiceConditionHealthy},
		"edge":    {"api1": types.ServiceConditionHealthy, "api2": types.ServiceConditionHealthy, "redis": types.ServiceConditionHealthy},
	}
	for name, deps := range want {
		for dep, cond := range deps {
			got, ok := p.Services[name].DependsOn[dep]
			if !ok {
				t.Errorf("%s does not depend on %s", name, dep)
				continue
			}
			if got.Condition != cond {
				t.Errorf("%s depends on %s with %q, want %q", name, dep, got.Condition, cond)
			}
		}
	}
	// Every other dependency waits for health (or completion of a job).
	for name, s := range p.Services {
		for dep, d := range s.DependsOn {
			if _, listed := want[name][dep]; listed {
				continue
			}
			cond := types.ServiceConditionHealthy
			if oneShot[dep] {
				cond = types.ServiceConditionCompletedSuccessfully
			}
			if d.Condition != cond {
				t.Errorf("%s depends on %s with %q, want %q", name, dep, d.Condition, cond)
			}
		}
	}
}

// hostPath maps a path inside service s's containers to the host path of
// the bind mount holding it ("" when no bind mount holds it).
func hostPath(s types.ServiceConfig, containerPath string) string {
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if containerPath == v.Target {
			return v.Source
		}
		if rest, ok := strings.CutPrefix(containerPath, strings.TrimSuffix(v.Target, "/")+"/"); ok {
			return filepath.Join(v.Source, rest)
		}
	}
	return ""
}

func TestCompose_BindMountsExistInTheRepo(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	p := mustLoad(t)
	for name, s := range p.Services {
		for _, v := range s.Volumes {
			switch v.Type {
			case types.VolumeTypeBind:
				if !v.ReadOnly {
					t.Errorf("%s: bind mount %s -> %s is writable; repository files are mounted read-only", name, v.Source, v.Target)
				}
				rel, err := filepath.Rel(root, v.Source)
				if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
					t.Errorf("%s: bind mount source %s is outside the repository", name, v.Source)
					continue
				}
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s: bind mount source %s: %v", name, rel, err)
				}
			case types.VolumeTypeVolume:
				if _, ok := p.Volumes[v.Source]; !ok {
					t.Errorf("%s: volume %q is not declared at the top level", name, v.Source)
				}
			default:
				t.Errorf("%s: unexpected volume type %q (%s)", name, v.Type, v.Target)
			}
		}
		// Every absolute path a container runs or reads that lies in a
		// bind mount must exist in the repository.
		var words []string
		words = append(words, s.Entrypoint...)
		words = append(words, s.Command...)
		if s.HealthCheck != nil {
			words = append(words, s.HealthCheck.Test...)
		}
		for _, w := range words {
			for _, f := range strings.Fields(w) {
				f = strings.Trim(f, `'";&|`)
				if !strings.HasPrefix(f, "/") {
					continue
				}
				if hp := hostPath(s, f); hp != "" {
					if _, err := os.Stat(hp); err != nil {
						t.Errorf("%s runs or reads %s, which maps to %v", name, f, err)
					}
				}
			}
		}
	}
}

func TestCompose_PostgresClientsGoThroughPgpool(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	for name, s := range p.Services {
		for key, val := range s.Environment {
			if val == nil {
				continue
			}
			v := *val
			if strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") || strings.Contains(key, "DATABASE_URL") {
				u, err := url.Parse(v)
				if err != nil {
					t.Errorf("%s: %s is not a URL: %v", name, key, err)
					continue
				}
				if u.Hostname() != "pgpool" {
					t.Errorf("%s: %s points at %q, want pgpool (never a node)", name, key, u.Host)
				}
			}
			// Only Pgpool and the nodes themselves may name a node.
			if name == "pgpool" || slices.Contains(nodes, name) {
				continue
			}
			for _, n := range nodes {
				if regexp.MustCompile(`\b` + n + `\b`).MatchString(v) {
					t.Errorf("%s: %s=%q names the Postgres node %s; clients go through pgpool", name, key, v, n)
				}
			}
		}
	}
	for _, name := range []string{"migrate", "api1", "api2"} {
		if env(p.Services[name], "PARTSBIN_DATABASE_URL") == "" {
			t.Errorf("%s: no PARTSBIN_DATABASE_URL", name)
		}
	}
}

func TestCompose_NativeConfigFilesAndScripts(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	p := mustLoad(t)
	// mounts: service -> repository folders it must mount, with the files
	// its entrypoint reads from them.
	mounts := map[string]map[string][]string{
		"pgpool": {"ops/pgpool": {"pgpool.conf", "pool_hba.conf", "failover.sh", "rejoin.sh", "entrypoint.sh"}},
		"pg0":    {"ops/postgres": {"postgresql.local.conf", "compose-node.sh"}, "ops/pgpool": {"rejoin.sh"}},
		"pg1":    {"ops/postgres": {"postgresql.local.conf", "compose-node.sh"}, "ops/pgpool": {"rejoin.sh"}},
		"edge":   {"ops/openresty": {"nginx.conf", "partsbin-common.conf", "edge.d/main.conf", "edge.d/http.conf", "edge.d/listen-http.conf", "edge.d/listen-grpc.conf", "edge.d/listen-status.conf", "lua/partsbin/edge.lua"}, "backend/internal/ratelimit/sliding_window.lua": nil},
	}
	for name, dirs := range mounts {
		s := p.Services[name]
		for dir, files := range dirs {
			src := filepath.Join(root, dir)
			if !slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
				return v.Type == types.VolumeTypeBind && v.Source == src
			}) {
				t.Errorf("%s does not mount %s", name, dir)
			}
			for _, f := range files {
				if _, err := os.Stat(filepath.Join(src, f)); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		}
	}
	// The entrypoints are the repository's scripts.
	entry := map[string]string{
		"pgpool": "ops/pgpool/entrypoint.sh",
		"pg0":    "ops/postgres/compose-node.sh",
		"pg1":    "ops/postgres/compose-node.sh",
	}
	for name, want := range entry {
		s := p.Services[name]
		if len(s.Entrypoint) != 2 || s.Entrypoint[0] != "bash" {
			t.Errorf("%s: entrypoint %q, want [bash <script>]", name, s.Entrypoint)
			continue
		}
		if got := hostPath(s, s.Entrypoint[1]); got != filepath.Join(root, want) {
			t.Errorf("%s: entrypoint %s maps to %q, want %s", name, s.Entrypoint[1], got, want)
		}
	}
	// Each node streams from the other and sees the other's data read-only.
	for i, name := range nodes {
		s := p.Services[name]
		other := nodes[1-i]
		if got := env(s, "NODE_ID"); got != fmt.Sprint(i) {
			t.Errorf("%s: NODE_ID = %q, want %d", name, got, i)
		}
		if got := env(s, "PB_PEER_HOST"); got != other {
			t.Errorf("%s: PB_PEER_HOST = %q, want %s", name, got, other)
		}
		own := "partsbin_" + name + "-data"
		peer := "partsbin_" + other + "-data"
		var ownOK, peerOK bool
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeVolume {
				continue
			}
			decl := p.Volumes[v.Source].Name
			switch {
			case v.Target == "/var/lib/postgresql/data" && decl == own && !v.ReadOnly:
				ownOK = true
			case v.Target == env(s, "PB_PEER_DATA") && decl == peer && v.ReadOnly:
				peerOK = true
			}
		}
		if !ownOK {
			t.Errorf("%s: its own named volume is not mounted read-write at /var/lib/postgresql/data", name)
		}
		if !peerOK {
			t.Errorf("%s: %s's volume is not mounted read-only at PB_PEER_DATA", name, other)
		}
	}
	pool := p.Services["pgpool"]
	for i, n := range nodes {
		if got := env(pool, fmt.Sprintf("PB_NODE%d_HOST", i)); got != n {
			t.Errorf("pgpool: PB_NODE%d_HOST = %q, want %s", i, got, n)
		}
	}
}

// placeholders lists the @NAME@ placeholders of a template.
func placeholders(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, m := range regexp.MustCompile(`@[A-Z0-9_]+@`).FindAllString(line, -1) {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

func TestCompose_ScriptsFillEveryPlaceholder(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	pairs := map[string]string{
		"ops/pgpool/pgpool.conf":             "ops/pgpool/entrypoint.sh",
		"ops/postgres/postgresql.local.conf": "ops/postgres/compose-node.sh",
	}
	for tmpl, script := range pairs {
		b, err := os.ReadFile(filepath.Join(root, script))
		if err != nil {
			t.Fatal(err)
		}
		ph := placeholders(t, filepath.Join(root, tmpl))
		if len(ph) == 0 {
			t.Errorf("%s: no placeholders found", tmpl)
		}
		for _, p := range ph {
			if !strings.Contains(string(b), "s|"+p+"|") {
				t.Errorf("%s does not fill %s of %s", script, p, tmpl)
			}
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Log("no bash: syntax check skipped")
		return
	}
	for _, script := range []string{"ops/pgpool/entrypoint.sh", "ops/postgres/compose-node.sh"} {
		if out, err := exec.Command(bash, "-n", filepath.Join(root, script)).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", script, err, out)
		}
	}
}

func TestCompose_BuildContextAndDockerfile(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	p := mustLoad(t)
	for name, s := range p.Services {
		if strings.HasPrefix(s.Image, "partsbin:") && s.Build == nil {
			t.Errorf("%s: image %s is built here but the service has no build section", name, s.Image)
		}
		if s.Build == nil {
			continue
		}
		if s.Build.Context != root {
			t.Errorf("%s: build context %s, want the repository root", name, s.Build.Context)
		}
		df := filepath.Join(s.Build.Context, s.Build.Dockerfile)
		b, err := os.ReadFile(df)
		if err != nil {
			t.Errorf("%s: Dockerfile: %v", name, err)
			continue
		}
		// What the Dockerfile copies from the context must exist.
		for _, m := range regexp.MustCompile(`(?m)^COPY\s+(?:--\S+\s+)*(.+?)\s+\S+\s*$`).FindAllStringSubmatch(string(b), -1) {
			if strings.Contains(m[0], "--from=") {
				continue
			}
			for _, src := range strings.Fields(m[1]) {
				if _, err := os.Stat(filepath.Join(s.Build.Context, src)); err != nil {
					t.Errorf("%s: Dockerfile copies %s: %v", name, src, err)
				}
			}
		}
	}
}

func TestCompose_NetworkAddresses(t *testing.T) {
	t.Parallel()
	p := mustLoad(t)
	nw, ok := p.Networks["default"]
	if !ok || len(nw.Ipam.Config) != 1 {
		t.Fatalf("want one default network with one IPAM pool, got %+v", p.Networks)
	}
	pool := nw.Ipam.Config[0]
	subnet, err := netip.ParsePrefix(pool.Subnet)
	if err != nil {
		t.Fatalf("subnet: %v", err)
	}
	dynamic, err := netip.ParsePrefix(pool.IPRange)
	if err != nil {
		t.Fatalf("ip_range: %v", err)
	}
	if !subnet.Contains(dynamic.Addr()) || dynamic.Bits() < subnet.Bits() {
		t.Errorf("ip_range %s is not inside subnet %s", dynamic, subnet)
	}
	fixed := map[string]netip.Addr{}
	for name, s := range p.Services {
		for net, c := range s.Networks {
			if net != "default" {
				t.Errorf("%s: joins network %q; every service shares the default one", name, net)
			}
			if c == nil || c.Ipv4Address == "" {
				continue
			}
			a, err := netip.ParseAddr(c.Ipv4Address)
			if err != nil {
				t.Errorf("%s: ipv4_address: %v", name, err)
				continue
			}
			if !subnet.Contains(a) || dynamic.Contains(a) || a == subnet.Addr().Next() {
				t.Errorf("%s: fixed address %s must be in %s, outside the dynamic range %s and not the gateway", name, a, subnet, dynamic)
			}
			for other, b := range fixed {
				if a == b {
					t.Errorf("%s and %s share the address %s", name, other, a)
				}
			}
			fixed[name] = a
		}
	}
	for _, name := range []string{"redis", "api1", "api2", "edge"} {
		if !fixed[name].IsValid() {
			t.Errorf("%s has no fixed address", name)
		}
	}
	// Postgres and Pgpool admit exactly the containers' network.
	for _, name := range []string{"pg0", "pg1", "pgpool"} {
		if got := env(p.Services[name], "PB_NET_CIDR"); got != subnet.String() {
			t.Errorf("%s: PB_NET_CIDR = %q, want %s", name, got, subnet)
		}
	}
	edge := p.Services["edge"]
	// The edge's limiter connects to Redis by address (no resolver).
	u, err := url.Parse(env(edge, "PB_EDGE_REDIS_URL"))
	if err != nil || u.Scheme != "redis" {
		t.Fatalf("edge: PB_EDGE_REDIS_URL is not a redis:// URL: %v", err)
	}
	if u.Hostname() != fixed["redis"].String() {
		t.Errorf("edge: PB_EDGE_REDIS_URL host %s, want redis's fixed address %s", u.Hostname(), fixed["redis"])
	}
	if _, set := u.User.Password(); !set {
		t.Errorf("edge: PB_EDGE_REDIS_URL carries no password")
	}
	// The edge balances over exactly the API instances, on their ports.
	var upstreams []string
	for _, hp := range strings.Split(env(edge, "PB_EDGE_UPSTREAMS"), ",") {
		host, port, ok := strings.Cut(hp, ":")
		if !ok {
			t.Errorf("edge: upstream %q is not host:port", hp)
			continue
		}
		upstreams = append(upstreams, host)
		s, ok := p.Services[host]
		if !ok {
			t.Errorf("edge: upstream %s is not a service", host)
			continue
		}
		if addr := env(s, "PARTSBIN_HTTP_ADDR"); !strings.HasSuffix(addr, ":"+port) || !strings.HasPrefix(addr, "0.0.0.0:") {
			t.Errorf("edge: upstream %s but %s listens on %q", hp, host, addr)
		}
	}
	sort.Strings(upstreams)
	if !slices.Equal(upstreams, []string{"api1", "api2"}) {
		t.Errorf("edge: upstreams %v, want api1 and api2", upstreams)
	}
	// The API trusts forwarded client addresses from the edge only.
	for _, name := range []string{"api1", "api2"} {
		s := p.Services[name]
		if got, want := env(s, "PARTSBIN_TRUSTED_PROXIES"), netip.PrefixFrom(fixed["edge"], 32).String(); got != want {
			t.Errorf("%s: PARTSBIN_TRUSTED_PROXIES = %q, want the edge's %s", name, got, want)
		}
		if env(s, "PARTSBIN_DRAIN_DELAY") == "" {
			t.Errorf("%s: no PARTSBIN_DRAIN_DELAY (the edge must see the drain before the listener closes)", name)
		}
		for _, key := range []string{"PARTSBIN_REDIS_URL", "PARTSBIN_SMTP_ADDR", "PARTSBIN_STRIPE_API_KEY", "PARTSBIN_STRIPE_WEBHOOK_SECRET"} {
			if env(s, key) == "" {
				t.Errorf("%s: %s is empty", name, key)
			}
		}
	}
}

func TestCompose_SecretsComeFromTheEnvironment(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	required := requiredVars(t)
	for _, v := range []string{
		"PARTSBIN_PG_SUPERUSER_PASSWORD", "PARTSBIN_PG_PASSWORD", "PARTSBIN_PG_REPLICATION_PASSWORD",
		"PARTSBIN_PGPOOL_CHECK_PASSWORD", "PARTSBIN_PCP_PASSWORD", "PARTSBIN_REDIS_PASSWORD",
		"PARTSBIN_STRIPE_API_KEY", "PARTSBIN_STRIPE_WEBHOOK_SECRET",
	} {
		if !slices.Contains(required, v) {
			t.Errorf("%s is not required with ${%s:?...}", v, v)
		}
	}
	// Loading without any one of them fails and names it.
	for _, missing := range required {
		e := dummyEnv(t)
		delete(e, missing)
		_, err := load(t, e)
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("loading without %s: err = %v, want an error naming it", missing, err)
		}
	}
	// Without interpolation, every secret-looking setting is a variable.
	raw, err := load(t, nil, cli.WithInterpolation(false))
	if err != nil {
		t.Fatalf("load without interpolation: %v", err)
	}
	secretKey := regexp.MustCompile(`PASSWORD|SECRET|API_KEY|_AUTH$|DATABASE_URL|REDIS_URL`)
	for name, s := range raw.Services {
		for key, val := range s.Environment {
			if val != nil && secretKey.MatchString(key) && !strings.Contains(*val, "${") {
				t.Errorf("%s: %s has a literal value in compose.yaml; take it from the environment", name, key)
			}
		}
	}
	// The dummy secrets end up where they are needed, so none is hard-coded
	// beside them.
	p := mustLoad(t)
	if got := env(p.Services["api1"], "PARTSBIN_STRIPE_API_KEY"); got != dummyEnv(t)["PARTSBIN_STRIPE_API_KEY"] {
		t.Errorf("api1: PARTSBIN_STRIPE_API_KEY = %q, not the environment's", got)
	}
	// ops/docker/env.example documents every variable compose.yaml reads.
	example, err := os.ReadFile(filepath.Join(root, "ops", "docker", "env.example"))
	if err != nil {
		t.Fatal(err)
	}
	composeRaw, err := os.ReadFile(filepath.Join(root, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(:?[-?])?`).FindAllStringSubmatch(string(composeRaw), -1) {
		v := m[1]
		line := regexp.MustCompile(`(?m)^` + v + `=`)
		if slices.Contains(required, v) {
			if !line.Match(example) {
				t.Errorf("env.example has no %s= line for the required %s", v, v)
			}
		} else if !regexp.MustCompile(`(?m)^#?\s*` + v + `=`).Match(example) {
			t.Errorf("env.example does not document the optional %s", v)
		}
	}
	// Nothing in env.example carries a value for a required secret.
	for _, v := range required {
		if m := regexp.MustCompile(`(?m)^` + v + `=(.+)$`).FindSubmatch(example); m != nil {
			t.Errorf("env.example sets %s to a value; leave it empty", v)
		}
	}
}

// TestCompose_FailsOnMistakes makes sure the loader itself rejects a broken
// file, so the checks above run on what compose would run.
func TestCompose_FailsOnMistakes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := "services:\n  a:\n    image: x:1\n    depends_on:\n      b:\n        condition: service_healthy\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := cli.NewProjectOptions([]string{filepath.Join(dir, "compose.yaml")}, cli.WithWorkingDirectory(dir), cli.WithName("bad"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.LoadProject(context.Background()); err == nil {
		t.Error("a dependency on an undefined service loaded without error")
	} else if errors.Is(err, os.ErrNotExist) {
		t.Errorf("unexpected error: %v", err)
	}
}
