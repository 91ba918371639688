package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"

	catalogv1 "github.com/partsbin/partsbin/gen/partsbin/catalog/v1"
	"github.com/partsbin/partsbin/gen/partsbin/catalog/v1/catalogv1connect"
)

// edgeScenario measures what the edge costs: the same cheap RPC through an
// edge with the limiter on, through an edge with the limiter off, and
// straight to one API instance, side by side in one run.
func edgeScenario() scenario {
	return scenario{
		name:    "edge",
		summary: "GetProduct through the edge with the limiter on, off, and straight to one instance",
		help: `Starts two private edges with ops/local/edge.sh (run pbbench from the
repository root) in front of -upstreams: one with the limiter on (quotas
raised so that nothing is rejected: every call runs the sliding-window
script in Redis), one with it off. Then it calls CatalogService.GetProduct
(-slugs product pages, cached by the instances) through each edge and
straight to -direct, in -rounds interleaved rounds of -duration each, and
prints one row per target. Worker i calls from its own loopback address
(127.0.1.i), like distinct shoppers, so each has its own quota key.
Needs the stack (bash ops/local/stack.sh up) and the API instances running.`,
		server: true,
		defaults: func(o *options) {
			o.url = "http://127.0.0.1:9001"
			o.duration = 5 * time.Second
			o.concurrency = 32
		},
		flags: func(fs *flag.FlagSet) prepareFunc {
			upstreams := fs.String("upstreams", "127.0.0.1:9001,127.0.0.1:9002", "API instances behind the edges")
			redisURL := fs.String("redis-url", os.Getenv("PARTSBIN_REDIS_URL"), "Redis of the limiter (default $PARTSBIN_REDIS_URL)")
			rounds := fs.Int("rounds", 3, "interleaved rounds per target (each -duration long)")
			slugs := fs.Int("slugs", 200, "number of product slugs to spread the calls over")
			basePort := fs.Int("port", 28180, "first of the six loopback ports the two edges use")
			script := fs.String("edge-sh", "ops/local/edge.sh", "the edge script")
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareEdge(ctx, o, edgeBench{upstreams: *upstreams, redisURL: *redisURL, rounds: *rounds,
					slugs: *slugs, basePort: *basePort, script: *script}, stderr)
			}
		},
	}
}

type edgeBench struct {
	upstreams, redisURL, script string
	rounds, slugs, basePort     int
}

// edgeTarget is one column of the comparison.
type edgeTarget struct {
	name    string
	url     string
	clients []catalogv1connect.CatalogServiceClient
	result  runResult
}

func prepareEdge(ctx context.Context, o options, b edgeBench, stderr io.Writer) (workload, error) {
	if b.rounds < 1 || b.rounds > 20 {
		return workload{}, usageError{"-rounds must be 1 to 20"}
	}
	if b.redisURL == "" {
		return workload{}, usageError{"-redis-url (or PARTSBIN_REDIS_URL from . .stack/env) is required"}
	}
	for _, a := range strings.Split(b.upstreams, ",") {
		host, _, err := net.SplitHostPort(strings.TrimSpace(a))
		if err != nil {
			return workload{}, usageError{fmt.Sprintf("-upstreams: %v", err)}
		}
		if err := checkLoopbackHost(ctx, host, net.DefaultResolver); err != nil {
			return workload{}, usageError{fmt.Sprintf("-upstreams: %v", err)}
		}
	}
	if _, err := os.Stat(b.script); err != nil {
		return workload{}, usageError{fmt.Sprintf("-edge-sh %s: %v (run pbbench from the repository root)", b.script, err)}
	}
	direct, err := checkLoopbackURL(ctx, o.url, net.DefaultResolver)
	if err != nil {
		return workload{}, err
	}
	stateDir, err := os.MkdirTemp("", "pbbench-edge-")
	if err != nil {
		return workload{}, err
	}
	var stops []func()
	cleanup := func() {
		for _, stop := range stops {
			stop()
		}
		_ = os.RemoveAll(stateDir)
	}
	grpc := o.protocol == "grpc"
	targets := []*edgeTarget{{name: "edge, limiter on"}, {name: "edge, limiter off"}, {name: "direct " + direct.Host, url: direct.String()}}
	for i, limiter := range []string{"on", "off"} {
		ports := [3]int{b.basePort + 3*i, b.basePort + 3*i + 1, b.basePort + 3*i + 2}
		stop, err := startBenchEdge(b, filepath.Join(stateDir, limiter), limiter, ports, stderr)
		if err != nil {
			cleanup()
			return workload{}, err
		}
		stops = append(stops, stop)
		port := ports[0]
		if grpc {
			port = ports[1]
		}
		targets[i].url = "http://127.0.0.1:" + strconv.Itoa(port)
	}

	// Worker i calls from 127.0.1.i+1 over its own connections.
	for _, tg := range targets {
		for w := range o.concurrency {
			hc := newHTTPClient(o)
			local := netip.AddrFrom4([4]byte{127, 0, 1 + byte(w/250), byte(w%250 + 1)})
			hc.Transport.(*http.Transport).DialContext = (&net.Dialer{
				Timeout: 5 * time.Second, Control: loopbackOnly,
				LocalAddr: &net.TCPAddr{IP: local.AsSlice()},
			}).DialContext
			tg.clients = append(tg.clients, catalogv1connect.NewCatalogServiceClient(hc, tg.url, targetOptions(o)...))
		}
	}
	slugs, err := collectSlugs(ctx, &rpcSource{client: targets[2].clients[0]}, b.slugs)
	if err != nil {
		cleanup()
		return workload{}, err
	}
	reqs := make([]*catalogv1.GetProductRequest, len(slugs))
	for i, s := range slugs {
		reqs[i] = &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Slug{Slug: s}}
	}
	// Warm every path (connections, product caches) before measuring.
	for _, tg := range targets {
		for i := range reqs {
			if _, err := tg.clients[i%len(tg.clients)].GetProduct(ctx, reqs[i]); err != nil {
				cleanup()
				return workload{}, fmt.Errorf("%s: warm-up call: %w", tg.name, err)
			}
		}
	}

	run := func(runCtx context.Context, stdout io.Writer) error {
		defer cleanup()
		fmt.Fprintf(stderr, "pbbench edge: %d workers, %d rounds of %v per target (GOMAXPROCS %d)\n",
			o.concurrency, b.rounds, o.duration, runtime.GOMAXPROCS(0))
		counters := make(callCounters, o.concurrency)
		sizes := []int{len(reqs)}
		for range b.rounds {
			for _, tg := range targets {
				if runCtx.Err() != nil {
					break
				}
				call := func(ctx context.Context, worker int) error {
					_, i := pick(worker, counters.next(worker), sizes)
					_, err := tg.clients[worker].GetProduct(ctx, reqs[i])
					return err
				}
				res := runLoad(runCtx, plan{duration: o.duration, concurrency: o.concurrency}, call)
				tg.result.workers = append(tg.result.workers, res.workers...)
				tg.result.elapsed += res.elapsed
				tg.result.stop = res.stop
			}
		}
		rows := make([]tableRow, len(targets))
		sums := make([]summary, len(targets))
		for i, tg := range targets {
			sums[i] = summarize(tg.result)
			rows[i] = tableRow{scenario: tg.name, protocol: o.protocol, concurrency: o.concurrency, summary: sums[i]}
		}
		if err := printTable(stdout, rows); err != nil {
			return err
		}
		on, off, dir := sums[0], sums[1], sums[2]
		if on.throughput > 0 && off.throughput > 0 && dir.throughput > 0 && on.p99 > 0 && off.p99 > 0 {
			fmt.Fprintf(stdout, "limiter overhead: throughput on/off %.2f, p50 on/off %.2f, p99 on/off %.2f\n",
				on.throughput/off.throughput, float64(on.p50)/float64(off.p50), float64(on.p99)/float64(off.p99))
			fmt.Fprintf(stdout, "edge vs direct:   throughput off/direct %.2f, on/direct %.2f\n",
				off.throughput/dir.throughput, on.throughput/dir.throughput)
		}
		fmt.Fprintf(stdout, "note: the edges balance over %s; direct is one instance; every process shares this machine's %d CPUs\n",
			b.upstreams, runtime.NumCPU())
		return nil
	}
	return workload{direct: run, protocol: o.protocol}, nil
}

// targetOptions are the connect options of o's protocol.
func targetOptions(o options) []connect.ClientOption {
	if o.protocol == "grpc" {
		return []connect.ClientOption{connect.WithGRPC()}
	}
	return nil
}

// startBenchEdge starts one private edge with ops/local/edge.sh and returns
// the function that stops it.
func startBenchEdge(b edgeBench, stateDir, limiter string, ports [3]int, stderr io.Writer) (func(), error) {
	env := append(os.Environ(),
		"STACK_DIR="+stateDir,
		"PB_EDGE_HTTP_PORT="+strconv.Itoa(ports[0]),
		"PB_EDGE_GRPC_PORT="+strconv.Itoa(ports[1]),
		"PB_EDGE_STATUS_PORT="+strconv.Itoa(ports[2]),
		"PB_API_ADDRS="+b.upstreams,
		"PB_EDGE_REDIS_URL="+b.redisURL,
		"PB_EDGE_LIMITER="+limiter,
		// Quotas no worker reaches: the limiter runs in full, rejects nothing.
		"PB_EDGE_LIMITS=browse=1000000/1000",
		"PB_EDGE_REDIS_PREFIX=pbbench:edge:",
	)
	script := func(cmd string) error {
		c := exec.Command("bash", b.script, cmd)
		c.Env = env
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("edge.sh %s (limiter %s): %v\n%s", cmd, limiter, err, out)
		}
		return nil
	}
	if err := script("up"); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "pbbench edge: edge with limiter %s on 127.0.0.1:%d (grpc %d)\n", limiter, ports[0], ports[1])
	return func() {
		if err := script("down"); err != nil {
			fmt.Fprintln(stderr, errors.Unwrap(err))
		}
	}, nil
}
