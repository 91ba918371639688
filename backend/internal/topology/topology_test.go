package topology_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/config"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	cartv1 "github.com/partsbin/partsbin/gen/partsbin/cart/v1"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

// stack is the private primary + standby + Pgpool of this package.
type stack struct {
	root, dir string
	env       []string
	adminURL  string // superuser through Pgpool
}

var topo *stack

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	root, err := filepath.Abs("../../..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// Below the ephemeral port range (32768+), where other tests running in
	// parallel pick their free ports.
	base := 26330
	if v, err := strconv.Atoi(os.Getenv("PB_TOPOLOGY_PORT_BASE")); err == nil {
		base = v
	}
	dir := filepath.Join(root, ".stack", "topology-test")
	st := &stack{root: root, dir: dir, env: append(os.Environ(),
		"STACK_DIR="+dir,
		"PB_PGPOOL_PORT="+strconv.Itoa(base), "PB_PG_PORT="+strconv.Itoa(base+1),
		"PB_PG_REPLICA_PORT="+strconv.Itoa(base+2), "PB_PCP_PORT="+strconv.Itoa(base+9),
		"PB_PGPOOL_CHILDREN=48",
	)}
	// What an interrupted earlier run left behind (stopped by pid files).
	_, _ = st.sh("db-down")
	_ = os.RemoveAll(dir)
	defer func() {
		_, _ = st.sh("db-down")
		_ = os.RemoveAll(dir)
	}()
	if out, err := st.sh("db-up"); err != nil {
		fmt.Fprintf(os.Stderr, "topology: starting the private primary, standby and Pgpool failed: %v\n%s\n", err, out)
		return 1
	}
	vars, err := readEnvFile(filepath.Join(dir, "env"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	st.adminURL = vars["PARTSBIN_TEST_PG_ADMIN_URL"]
	// apptest creates its databases on the private topology; Redis, SMTP
	// and Stripe stay those of the shared stack.
	os.Setenv("PARTSBIN_TEST_PG_ADMIN_URL", st.adminURL)
	os.Setenv("PARTSBIN_TEST_PG_PRIMARY_URL", vars["PARTSBIN_TEST_PG_PRIMARY_URL"])
	topo = st
	return m.Run()
}

// sh runs ops/local/stack.sh CMD against the private stack.
func (s *stack) sh(cmd string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", filepath.Join(s.root, "ops/local/stack.sh"), cmd)
	c.Env = s.env
	c.Dir = s.root
	out, err := c.CombinedOutput()
	return string(out), err
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimPrefix(sc.Text(), "export ")
		k, v, ok := strings.Cut(line, "=")
		if ok && !strings.HasPrefix(k, "#") {
			vars[k] = strings.Trim(v, "'")
		}
	}
	return vars, sc.Err()
}

// nodes reads Pgpool's view of the nodes.
func nodes(t *testing.T, q db.Querier) []db.Node {
	t.Helper()
	ns, err := db.PoolNodes(context.Background(), q)
	if err != nil {
		t.Fatalf("SHOW pool_nodes: %v", err)
	}
	return ns
}

func nodeWithRole(ns []db.Node, role string) (db.Node, bool) {
	for _, n := range ns {
		if n.Role == role && n.Status == "up" {
			return n, true
		}
	}
	return db.Node{}, false
}

// withPort returns rawURL pointing at port and database name.
func withPort(rawURL, port, dbname string) string {
	u, _ := url.Parse(rawURL)
	u.Host = u.Hostname() + ":" + port
	u.Path = "/" + dbname
	return u.String()
}

func adminPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), topo.adminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// TestReadYourWrites writes on one connection and reads on another,
// thousands of times: with synchronous_commit = remote_apply the standby
// that serves the read has applied every acknowledged commit.
func TestReadYourWrites(t *testing.T) {
	ctx := context.Background()
	admin := adminPool(t)
	name := "ryw_" + apptest.RandomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	primary, _ := nodeWithRole(nodes(t, admin), "primary")
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), withPort(topo.adminURL, primary.Port, "postgres")); err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(context.Background())
		}
	})
	u, _ := url.Parse(topo.adminURL)
	u.Path = "/" + name
	dbURL := u.String()
	open := func() *pgxpool.Pool {
		cfg, err := pgxpool.ParseConfig(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		cfg.MaxConns = 4
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
	writer, reader := open(), open()
	if _, err := writer.Exec(ctx, "CREATE TABLE ryw (id bigint PRIMARY KEY, v int NOT NULL)"); err != nil {
		t.Fatal(err)
	}

	// Where statements go: plain reads to the standby, write transactions
	// (pinned by db.InTx) to the primary. (current_setting is stable, so
	// Pgpool may balance it; pg_is_in_recovery() is volatile and would be
	// sent to the primary as a possible write.)
	standby, _ := nodeWithRole(nodes(t, admin), "standby")
	var port string
	if err := reader.QueryRow(ctx, "SELECT current_setting('port')").Scan(&port); err != nil || port != standby.Port {
		t.Fatalf("a plain read ran on port %s (%v); Pgpool should send it to the standby on %s", port, err, standby.Port)
	}
	err := db.InTx(ctx, writer, db.TxOptions{}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT current_setting('port')").Scan(&port); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO ryw VALUES (-1, 0)")
		return err
	})
	if err != nil || port != primary.Port {
		t.Fatalf("a read at the start of a write transaction ran on port %s (%v); want the primary on %s", port, err, primary.Port)
	}

	before := nodes(t, admin)
	const workers, pairs = 8, 400
	var stale, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for i := range pairs {
				id := int64(w*1_000_000 + i)
				var v int
				if _, err := writer.Exec(ctx, "INSERT INTO ryw (id, v) VALUES ($1, 0)", id); err != nil {
					failed.Add(1)
					continue
				}
				if err := reader.QueryRow(ctx, "SELECT v FROM ryw WHERE id = $1", id).Scan(&v); err != nil {
					if errors.Is(err, pgx.ErrNoRows) {
						stale.Add(1)
					} else {
						failed.Add(1)
					}
					continue
				}
				if _, err := writer.Exec(ctx, "UPDATE ryw SET v = v + 1 WHERE id = $1", id); err != nil {
					failed.Add(1)
					continue
				}
				if err := reader.QueryRow(ctx, "SELECT v FROM ryw WHERE id = $1", id).Scan(&v); err != nil {
					failed.Add(1)
				} else if v != 1 {
					stale.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	after := nodes(t, admin)
	total := workers * pairs * 2
	reads := map[string]int64{}
	for _, a := range after {
		for _, b := range before {
			if a.ID == b.ID {
				reads[a.Role] = a.SelectCnt - b.SelectCnt
			}
		}
	}
	t.Logf("figure: read-your-writes: %d write-then-read pairs (%d inserts+updates) in %v, %d stale reads, %d errors; SELECTs counted by Pgpool: standby %d, primary %d",
		total, total, elapsed.Round(time.Millisecond), stale.Load(), failed.Load(), reads["standby"], reads["primary"])
	if stale.Load() != 0 || failed.Load() != 0 {
		t.Errorf("%d stale reads and %d errors in %d pairs; want none", stale.Load(), failed.Load(), total)
	}
	// Pgpool's counters are sampled while its sr_check and other sessions
	// run too, so allow a sliver either way; a misrouting would be off by
	// thousands.
	if reads["standby"] < int64(total)*99/100 {
		t.Errorf("Pgpool sent %d SELECTs to the standby, want (nearly) all the %d reads of the test", reads["standby"], total)
	}
	if reads["primary"] > int64(total)/10 {
		t.Errorf("Pgpool sent %d SELECTs to the primary; the test's reads belong on the standby", reads["primary"])
	}
}

// orderLoad keeps customers placing orders through the API, each order
// retried with its idempotency key until acknowledged, and records every
// acknowledgement.
type orderLoad struct {
	s        *apptest.Server
	products []string
	carts    []cartv1connect.CartServiceClient
	orders   []checkoutv1connect.CheckoutServiceClient

	mu      sync.Mutex
	acks    []ack
	retries map[connect.Code]int
}

type ack struct {
	at      time.Time
	key, id string
}

func newOrderLoad(t *testing.T, s *apptest.Server, customers int) *orderLoad {
	t.Helper()
	ctx := context.Background()
	conn := s.Conn(t)
	rows, err := conn.Query(ctx, "UPDATE products SET stock = 1000000 WHERE status = 'active' RETURNING id::text")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(ids) == 0 {
		t.Fatalf("active products: %v (%d)", err, len(ids))
	}
	l := &orderLoad{s: s, products: ids, retries: map[connect.Code]int{}}
	p := apptest.Protocols[0]
	for range customers {
		a := s.CreateUser(t, auth.RoleCustomer)
		l.carts = append(l.carts, apptest.NewClient(s, p, cartv1connect.NewCartServiceClient, apptest.WithToken(a.Token)))
		l.orders = append(l.orders, apptest.NewClient(s, p, checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(a.Token)))
	}
	return l
}

// retry runs fn until it succeeds or ctx ends; outage answers
// (unavailable, a broken connection) are retried, anything else is a
// failure of the test.
func (l *orderLoad) retry(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if err == nil || ctx.Err() != nil {
			return err
		}
		code := connect.CodeOf(err)
		if code != connect.CodeUnavailable && code != connect.CodeUnknown && code != connect.CodeDeadlineExceeded {
			return err
		}
		l.mu.Lock()
		l.retries[code]++
		l.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
}

// run places orders from every customer until ctx ends.
func (l *orderLoad) run(ctx context.Context, t *testing.T) {
	addr := &commonv1.Address{Recipient: "Failover Test", Line1: "Hauptstr. 1", City: "Berlin", PostalCode: "10115", CountryCode: "DE"}
	var wg sync.WaitGroup
	for c := range l.carts {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				p := l.products[(c*31+i)%len(l.products)]
				err := l.retry(ctx, func() error {
					_, err := l.carts[c].AddItem(ctx, &cartv1.AddItemRequest{ProductId: p, Quantity: 1})
					return err
				})
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("AddItem: %v", err)
					}
					return
				}
				key := "failover-" + apptest.RandomHex(10)
				var res *checkoutv1.PlaceOrderResponse
				err = l.retry(ctx, func() error {
					var err error
					res, err = l.orders[c].PlaceOrder(ctx, &checkoutv1.PlaceOrderRequest{
						ShippingAddress: addr, IdempotencyKey: key,
						PaymentMethod: checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY,
					})
					return err
				})
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("PlaceOrder: %v", err)
					}
					return
				}
				l.mu.Lock()
				l.acks = append(l.acks, ack{at: time.Now(), key: key, id: res.GetOrder().GetId()})
				l.mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// phase runs the order load, calls fault after lead time, keeps the load
// on for tail, then checks on the primary that every acknowledged order is
// there exactly once.
func (l *orderLoad) phase(t *testing.T, name string, lead, tail time.Duration, fault func() time.Time) {
	t.Helper()
	l.mu.Lock()
	l.acks = nil
	l.retries = map[connect.Code]int{}
	l.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.run(ctx, t)
	}()
	time.Sleep(lead)
	faultAt := fault()
	time.Sleep(tail)
	cancel()
	<-done

	l.mu.Lock()
	acks := slices.Clone(l.acks)
	retries := fmt.Sprint(l.retries)
	l.mu.Unlock()
	slices.SortFunc(acks, func(a, b ack) int { return a.at.Compare(b.at) })
	before, after := 0, 0
	var gap time.Duration
	for i, a := range acks {
		if a.at.Before(faultAt) {
			before++
		} else {
			after++
		}
		if i > 0 {
			gap = max(gap, a.at.Sub(acks[i-1].at))
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("%s: %d orders acknowledged before the fault and %d after; want some of both", name, before, after)
	}

	// The truth is on the primary (asked directly, not through Pgpool).
	admin := adminPool(t)
	primary, ok := nodeWithRole(nodes(t, admin), "primary")
	if !ok {
		t.Fatalf("%s: Pgpool reports no primary", name)
	}
	conn, err := pgx.Connect(context.Background(), withPort(topo.adminURL, primary.Port, dbName(l.s.DBURL)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	keys := make([]string, len(acks))
	for i, a := range acks {
		keys[i] = a.key
	}
	rows, err := conn.Query(context.Background(),
		"SELECT idempotency_key, id::text FROM orders WHERE idempotency_key = ANY($1)", keys)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string][]string{}
	for rows.Next() {
		var k, id string
		if err := rows.Scan(&k, &id); err != nil {
			t.Fatal(err)
		}
		found[k] = append(found[k], id)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	lost, dups := 0, 0
	for _, a := range acks {
		ids := found[a.key]
		switch {
		case len(ids) == 0 || !slices.Contains(ids, a.id):
			lost++
		case len(ids) > 1:
			dups++
		}
	}
	var total int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM orders WHERE idempotency_key LIKE 'failover-%'").Scan(&total); err != nil {
		t.Fatal(err)
	}
	t.Logf("figure: %s: %d orders acknowledged (%d before the fault, %d after), longest stretch without an acknowledged order %v, %d lost, %d duplicated; primary now node%s; retried answers %s",
		name, len(acks), before, after, gap.Round(time.Millisecond), lost, dups, primary.ID, retries)
	if lost > 0 || dups > 0 {
		t.Errorf("%s: %d acknowledged orders missing on the new primary, %d duplicated", name, lost, dups)
	}
}

func dbName(rawURL string) string {
	u, _ := url.Parse(rawURL)
	return strings.TrimPrefix(u.Path, "/")
}

var msRe = regexp.MustCompile(`after (\d+) ms`)

// fault runs a stack command and returns when it was started; it logs the
// command's own timing line.
func fault(t *testing.T, cmd string) func() time.Time {
	return func() time.Time {
		at := time.Now()
		out, err := topo.sh(cmd)
		if err != nil {
			t.Fatalf("stack.sh %s: %v\n%s", cmd, err, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if msRe.MatchString(line) {
				t.Logf("figure: %s", strings.TrimPrefix(line, "[stack] "))
			}
		}
		return at
	}
}

// readyDetail waits until the server's /readyz detail for postgres
// contains want (Pgpool's view changes within a health-check period).
func readyDetail(t *testing.T, s *apptest.Server, want string) {
	t.Helper()
	var last string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		res, err := s.HTTP1.Get(s.URL + "/readyz")
		if err == nil {
			var body struct {
				Checks []struct{ Name, Detail string }
			}
			_ = json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			for _, c := range body.Checks {
				if c.Name == "postgres" {
					last = c.Detail
				}
			}
			if strings.Contains(last, want) {
				t.Logf("figure: /readyz postgres detail: %s", last)
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("/readyz postgres detail %q; want it to contain %q", last, want)
}

func rejoin(t *testing.T) {
	t.Helper()
	start := time.Now()
	out, err := topo.sh("rejoin")
	if err != nil {
		t.Fatalf("rejoin: %v\n%s", err, out)
	}
	t.Logf("figure: rejoin took %v", time.Since(start).Round(time.Millisecond))
	admin := adminPool(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		// Attaching a node makes Pgpool restart its children, which cuts
		// connections for a moment: retry.
		ns, err := db.PoolNodes(context.Background(), admin)
		if err != nil && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		st, ok := nodeWithRole(ns, "standby")
		if ok && st.SyncState == "sync" {
			if _, ok := nodeWithRole(ns, "primary"); ok {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after rejoin Pgpool shows %+v; want a primary and a synchronous standby, both up", ns)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFailover kills the primary under a steady order load, rejoins it,
// kills the standby, rejoins it, and kills the other primary: no
// acknowledged order is lost or duplicated at any point.
func TestFailover(t *testing.T) {
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) {
		c.DBConnectTimeout = time.Second
		c.DBStatementTimeout = 3 * time.Second
		c.DBMaxConns = 8
	}))
	s.Seed(t, 40)
	load := newOrderLoad(t, s, 6)

	first, _ := nodeWithRole(nodes(t, adminPool(t)), "primary")
	t.Run("primary killed", func(t *testing.T) {
		load.phase(t, "primary killed", 2*time.Second, 4*time.Second, fault(t, "failover"))
	})
	t.Run("rejoin old primary", func(t *testing.T) { rejoin(t) })
	t.Run("readiness reports synchronous commits", func(t *testing.T) {
		readyDetail(t, s, "commits synchronous")
	})
	t.Run("standby killed", func(t *testing.T) {
		load.phase(t, "standby killed", 2*time.Second, 3*time.Second, fault(t, "kill-standby"))
		readyDetail(t, s, "commits ASYNCHRONOUS")
	})
	t.Run("rejoin standby", func(t *testing.T) {
		rejoin(t)
		readyDetail(t, s, "commits synchronous")
	})
	t.Run("primary killed again", func(t *testing.T) {
		load.phase(t, "second failover", 2*time.Second, 4*time.Second, fault(t, "failover"))
		now, _ := nodeWithRole(nodes(t, adminPool(t)), "primary")
		if now.ID != first.ID {
			t.Errorf("after two failovers the primary is node%s; want node%s again", now.ID, first.ID)
		}
	})
	t.Run("rejoin again", func(t *testing.T) { rejoin(t) })
}
