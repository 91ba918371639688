package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/catalog"
	"github.com/partsbin/partsbin/backend/internal/platform/clock"
)

// databaseURLEnv supplies -database-url when the flag is not given.
const databaseURLEnv = "PARTSBIN_DATABASE_URL"

// databaseURLFlag registers -database-url. Its default is empty, not the
// environment's value, so help output never shows a password.
func databaseURLFlag(fs *flag.FlagSet) *string {
	return fs.String("database-url", "", "PostgreSQL URL (loopback hosts or unix sockets only); default $"+databaseURLEnv)
}

// openBenchPool connects to the database at raw (or $PARTSBIN_DATABASE_URL)
// with one connection per worker, all opened before the run so connecting
// is not measured. Like the RPC scenarios it only reaches this machine.
func openBenchPool(ctx context.Context, raw string, conns int) (*pgxpool.Pool, error) {
	if raw == "" {
		raw = os.Getenv(databaseURLEnv)
	}
	if raw == "" {
		return nil, usageError{"-database-url is not set and neither is $" + databaseURLEnv}
	}
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		// The parse error may quote the URL, password included.
		return nil, usageError{"-database-url: invalid connection string"}
	}
	if err := checkLoopbackDatabase(ctx, &cfg.ConnConfig.Config, net.DefaultResolver); err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: databaseDialControl}
	cfg.ConnConfig.DialFunc = dialer.DialContext
	cfg.ConnConfig.RuntimeParams["application_name"] = "pbbench"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.MaxConns = int32(conns)
	cfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	// Hold every connection at once so the pool opens them all now.
	held := make([]*pgxpool.Conn, 0, conns)
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	for range conns {
		c, err := pool.Acquire(ctx)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("connect to the database: %w", err)
		}
		held = append(held, c)
	}
	return pool, nil
}

// checkLoopbackDatabase makes sure every host cfg may connect to is a unix
// socket or a loopback address.
func checkLoopbackDatabase(ctx context.Context, cfg *pgconn.Config, r resolver) error {
	hosts := []string{cfg.Host}
	for _, fb := range cfg.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	for _, h := range hosts {
		if strings.HasPrefix(h, "/") {
			continue // a unix socket directory: on this machine
		}
		if err := checkLoopbackHost(ctx, h, r); err != nil {
			return fmt.Errorf("-database-url: %w", err)
		}
	}
	return nil
}

// databaseDialControl lets the pool dial unix sockets and loopback
// addresses only.
func databaseDialControl(network, address string, c syscall.RawConn) error {
	if network == "unix" {
		return nil
	}
	return loopbackOnly(network, address, c)
}

// openCatalog opens the pool and a catalogue service on it.
func openCatalog(ctx context.Context, raw string, conns int) (*pgxpool.Pool, *catalog.Service, error) {
	pool, err := openBenchPool(ctx, raw, conns)
	if err != nil {
		return nil, nil, err
	}
	// The currency only labels prices; the SQL does not depend on it.
	return pool, catalog.NewService(pool, clock.System{}, catalog.Options{Currency: "EUR"}), nil
}

// serviceSource learns the catalogue through the domain service, without
// a server.
type serviceSource struct {
	svc  *catalog.Service
	tree *catalog.Tree
}

func (s *serviceSource) categories(context.Context) (roots, leaves []categoryInfo, err error) {
	var walk func(c *catalog.Category)
	walk = func(c *catalog.Category) {
		if len(c.Children) == 0 {
			leaves = append(leaves, categoryInfo{slug: c.Slug, products: c.ProductCount})
		}
		for _, ch := range c.Children {
			walk(ch)
		}
	}
	for _, r := range s.tree.Roots {
		roots = append(roots, categoryInfo{slug: r.Slug, products: r.ProductCount})
		walk(r)
	}
	return roots, leaves, nil
}

func (s *serviceSource) facets(ctx context.Context, category string) (facetInfo, error) {
	p, err := searchCase{category: category, pageSize: 1, facets: true}.params(s.tree.BySlug)
	if err != nil {
		return facetInfo{}, err
	}
	res, err := s.svc.Search(ctx, p)
	if err != nil {
		return facetInfo{}, err
	}
	var f facetInfo
	if res.Facets == nil {
		return f, nil
	}
	for _, b := range res.Facets.Brands {
		f.brands = append(f.brands, b.Value)
	}
	for _, b := range res.Facets.Prices {
		f.prices = append(f.prices, priceBucket{min: b.Min, max: b.Max, count: b.Count})
	}
	for _, sf := range res.Facets.Specs {
		spec := specFacet{key: sf.Key.Key, numeric: sf.Key.Numeric}
		for _, v := range sf.Values {
			spec.values = append(spec.values, facetValue{value: v.Value, number: v.Number, count: v.Count})
		}
		f.specs = append(f.specs, spec)
	}
	return f, nil
}

func (s *serviceSource) page(ctx context.Context, c searchCase, token string) ([]string, string, error) {
	c.pageToken = token
	p, err := c.params(s.tree.BySlug)
	if err != nil {
		return nil, "", err
	}
	res, err := s.svc.Search(ctx, p)
	if err != nil {
		return nil, "", err
	}
	slugs := make([]string, len(res.Products))
	for i, ps := range res.Products {
		slugs[i] = ps.Slug
	}
	return slugs, res.NextPageToken, nil
}

// searchSQLScenario runs the page queries of the search mix on the
// database directly.
func searchSQLScenario() scenario {
	return scenario{
		name:    "search-sql",
		summary: "the page queries of the search mix, run with pgx on the database (no server)",
		help: `Measures raw SQL: the PAGE QUERY ONLY of each request of the search mix,
built by catalog.Searcher.SearchSQL from the same catalog.SearchParams the
server's handler makes of the request, run with pgx on a pool of one
connection per worker. Each call runs one query and reads its rows
without decoding them. Not included, unlike a server search: the
typo-correction query (run once at set-up, its corrections are baked into
the SQL), the count query, the facet queries, the category tree lookup and
the RPC layer. So search minus search-sql is the server's whole overhead
(extra queries and RPC), not only the RPC layer. The mix is learned from
the domain service on the same database instead of the RPCs.

` + searchMixHelp,
		flags: func(fs *flag.FlagSet) prepareFunc {
			mix, list := searchFlags(fs)
			dbURL := databaseURLFlag(fs)
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareSearchSQL(ctx, o, *dbURL, *mix, *list, stderr)
			}
		},
	}
}

// pageQuery is a search page query ready to run.
type pageQuery struct {
	sql  string
	args []any
}

// prepareSearchSQL builds the mix from the database and returns a workload
// running its page queries.
func prepareSearchSQL(ctx context.Context, o options, dbURL, which string, list bool, stderr io.Writer) (w workload, err error) {
	if err := checkMix(which); err != nil {
		return workload{}, err
	}
	pool, svc, err := openCatalog(ctx, dbURL, o.concurrency)
	if err != nil {
		return workload{}, err
	}
	defer func() {
		if err != nil {
			pool.Close()
		}
	}()
	tree, err := svc.Tree(ctx)
	if err != nil {
		return workload{}, err
	}
	src := &serviceSource{svc: svc, tree: tree}
	groups, err := loadMix(ctx, src, which, "search-sql", stderr)
	if err != nil {
		return workload{}, err
	}
	sizes := make([]int, len(groups))
	queries := make([][]pageQuery, len(groups))
	for i, g := range groups {
		sizes[i] = len(g)
		for _, c := range g {
			p, err := c.params(tree.BySlug)
			if err != nil {
				return workload{}, fmt.Errorf("%s: %w", c.describe(), err)
			}
			sql, args, err := svc.Searcher().SearchSQL(ctx, p, tree)
			if err != nil {
				return workload{}, fmt.Errorf("%s: %w", c.describe(), err)
			}
			if list {
				fmt.Fprintf(stderr, "  %s\n%s\n%s\n\n", c.describe(), indent(sql), formatArgs(args))
			}
			queries[i] = append(queries[i], pageQuery{sql: sql, args: args})
		}
	}
	counters := make(callCounters, o.concurrency)
	elog := &errorLog{name: "search-sql", w: stderr}
	call := func(ctx context.Context, worker int) error {
		g, i := pick(worker, counters.next(worker), sizes)
		q := queries[g][i]
		rows, err := pool.Query(ctx, q.sql, q.args...)
		if err == nil {
			for rows.Next() {
			}
			rows.Close()
			err = rows.Err()
		}
		if err != nil {
			elog.report(ctx, groups[g][i].describe(), err)
		}
		return err
	}
	return workload{call: call, protocol: "pgx", close: pool.Close, notes: []string{
		"search-sql: raw SQL, page query only (no typo-correction, count or facet queries, no RPC); rows read, not decoded",
	}}, nil
}

// indent prefixes every line of s with four spaces.
func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// formatArgs renders query arguments as "$1=... $2=...".
func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			parts[i] = fmt.Sprintf("$%d=%q", i+1, v)
		case time.Time:
			parts[i] = fmt.Sprintf("$%d=%q", i+1, v.Format(time.RFC3339Nano))
		default:
			parts[i] = fmt.Sprintf("$%d=%v", i+1, v)
		}
	}
	return "    args: " + strings.Join(parts, " ")
}

// getProductDirectScenario measures the product page's domain call.
func getProductDirectScenario() scenario {
	return scenario{
		name:    "getproduct-direct",
		summary: "catalog.Service.Product by slug on the database (domain layer, no server)",
		help: `Measures the domain layer: catalog.Service.Product(ctx, {Slug}) called in
process with pgx on a pool of one connection per worker, with no HTTP or
RPC. A call is what GetProduct does behind the handler: the cached
category tree, then three queries (the product by slug, its specs, its
images) and building the Product. Slugs are collected as in getproduct,
from the domain service on the same database.`,
		flags: func(fs *flag.FlagSet) prepareFunc {
			n := fs.Int("slugs", defaultSlugs, "number of product slugs to spread the calls over")
			dbURL := databaseURLFlag(fs)
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareGetProductDirect(ctx, o, *dbURL, *n, stderr)
			}
		},
	}
}

// prepareGetProductDirect collects slugs and returns a Service.Product
// workload.
func prepareGetProductDirect(ctx context.Context, o options, dbURL string, n int, stderr io.Writer) (w workload, err error) {
	if n < 1 {
		return workload{}, usageError{fmt.Sprintf("-slugs must be at least 1, got %d", n)}
	}
	pool, svc, err := openCatalog(ctx, dbURL, o.concurrency)
	if err != nil {
		return workload{}, err
	}
	defer func() {
		if err != nil {
			pool.Close()
		}
	}()
	tree, err := svc.Tree(ctx)
	if err != nil {
		return workload{}, err
	}
	slugs, err := collectSlugs(ctx, &serviceSource{svc: svc, tree: tree}, n)
	if err != nil {
		return workload{}, err
	}
	fmt.Fprintf(stderr, "pbbench getproduct-direct: %d slugs\n", len(slugs))
	sizes := []int{len(slugs)}
	counters := make(callCounters, o.concurrency)
	elog := &errorLog{name: "getproduct-direct", w: stderr}
	call := func(ctx context.Context, worker int) error {
		_, i := pick(worker, counters.next(worker), sizes)
		p, err := svc.Product(ctx, catalog.ProductLookup{Slug: slugs[i]})
		if err == nil && p.Slug != slugs[i] {
			err = fmt.Errorf("asked for %s, got %q", slugs[i], p.Slug)
		}
		if err != nil {
			elog.report(ctx, "Product slug="+slugs[i], err)
		}
		return err
	}
	return workload{call: call, protocol: "pgx", close: pool.Close, notes: []string{
		"getproduct-direct: domain layer (catalog.Service.Product: product, specs, images queries) with pgx, no HTTP/RPC",
	}}, nil
}
