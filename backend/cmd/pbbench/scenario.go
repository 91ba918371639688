package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// options are the flags every scenario shares.
type options struct {
	url         string
	duration    time.Duration
	concurrency int
	protocol    string
	transport   string
}

// maxConcurrency bounds -concurrency: far past what one machine can drive
// usefully, low enough that a typo cannot open a million connections.
const maxConcurrency = 1024

// setupTimeout bounds a scenario's preparation (registering an account,
// computing a reference hash) before the measured run starts.
const setupTimeout = 30 * time.Second

// defaultOptions are the shared flag defaults; a scenario may override
// some of them in its defaults function.
func defaultOptions() options {
	return options{
		url:         "http://127.0.0.1:8080",
		duration:    10 * time.Second,
		concurrency: 16,
		protocol:    "connect",
		transport:   "auto",
	}
}

// workload is what a prepared scenario hands to the runner.
type workload struct {
	// call performs one measured operation.
	call callFunc
	// maxCalls, if positive, ends the run after that many calls in total
	// (the duration still bounds it).
	maxCalls int64
	// listCalls prints every successful call's latency after the table.
	listCalls bool
	// protocol labels the table row: the RPC protocol, "pgx" for scenarios
	// that talk to PostgreSQL directly, "-" for in-process ones.
	protocol string
	// notes are printed under the table: what exactly a call measured.
	notes []string
	// close, if set, releases what prepare opened (a database pool).
	close func()
	// direct, when set, replaces the timed load: the scenario measures and
	// prints its own figures (e.g. stream fan-out).
	direct func(ctx context.Context, stdout io.Writer) error
	// report, if set, prints what the scenario checks after the run (e.g.
	// that every acknowledged order exists).
	report func(ctx context.Context, stdout io.Writer) error
}

// prepareFunc readies a scenario once its flags are parsed. It may make
// set-up calls (bounded by ctx) that are not measured.
type prepareFunc func(ctx context.Context, o options, stderr io.Writer) (workload, error)

// scenario is one entry of the registry.
type scenario struct {
	name    string
	summary string
	// help is printed under the flag list of "pbbench help <name>".
	help string
	// server is true when the scenario calls a partsbin server (-url).
	server bool
	// defaults adjusts the shared defaults for this scenario.
	defaults func(*options)
	// flags registers the scenario's own flags on fs and returns the
	// function that prepares the run once fs is parsed.
	flags func(fs *flag.FlagSet) prepareFunc
}

// scenarios is the registry, in the order the usage lists them. New
// scenarios are added here.
func scenarios() []scenario {
	return []scenario{
		getMeScenario(), loginScenario(), argon2Scenario(),
		searchScenario(), searchSQLScenario(), getProductScenario(), getProductDirectScenario(),
		addToCartScenario(), checkoutScenario(), hotSKUScenario(), fanOutScenario(), edgeScenario(),
	}
}

// lookup finds the scenario called name.
func lookup(all []scenario, name string) (scenario, bool) {
	for _, sc := range all {
		if sc.name == name {
			return sc, true
		}
	}
	return scenario{}, false
}

// usage is the top-level help text.
func usage(all []scenario) string {
	var b strings.Builder
	b.WriteString(`pbbench - load and benchmark tool for partsbin

Usage:
  pbbench <scenario> [flags]   run a scenario and print a result table
  pbbench help [scenario]      show this text or a scenario's flags

Scenarios:
`)
	width := 0
	for _, sc := range all {
		width = max(width, len(sc.name))
	}
	for _, sc := range all {
		fmt.Fprintf(&b, "  %-*s %s\n", width, sc.name, sc.summary)
	}
	b.WriteString(`
Shared flags: -url (loopback only), -duration, -concurrency,
-protocol connect|grpc, -transport auto|http1|h2c. A run stops after
-duration, on Ctrl-C (partial results are printed) and after 10 minutes
at the latest.
`)
	return b.String()
}

// scenarioFlags builds the flag set of sc, shared flags included, writing
// errors and usage to w. Once the set is parsed, the returned options hold
// the shared values and the returned prepare function sees the scenario's
// own.
func scenarioFlags(sc scenario, w io.Writer) (*flag.FlagSet, *options, prepareFunc) {
	o := defaultOptions()
	if sc.defaults != nil {
		sc.defaults(&o)
	}
	fs := flag.NewFlagSet(sc.name, flag.ContinueOnError)
	fs.SetOutput(w)
	if sc.server {
		fs.StringVar(&o.url, "url", o.url, "base URL of the partsbin server (loopback addresses only)")
		fs.StringVar(&o.protocol, "protocol", o.protocol, "RPC protocol: connect or grpc")
		fs.StringVar(&o.transport, "transport", o.transport, "HTTP transport: auto (http1 for connect, h2c for grpc), http1 or h2c")
	}
	fs.DurationVar(&o.duration, "duration", o.duration, "how long to measure (at most 10m)")
	fs.IntVar(&o.concurrency, "concurrency", o.concurrency, "number of concurrent workers")
	prepare := sc.flags(fs)
	fs.Usage = func() {
		fmt.Fprintf(w, "pbbench %s - %s\n\nUsage: pbbench %s [flags]\n\nFlags:\n", sc.name, sc.summary, sc.name)
		fs.PrintDefaults()
		if sc.help != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(sc.help))
		}
	}
	return fs, &o, prepare
}

// validate checks the shared flags.
func (o options) validate(server bool) error {
	if o.duration <= 0 || o.duration > hardCap {
		return fmt.Errorf("-duration must be in (0, %v], got %v", hardCap, o.duration)
	}
	if o.concurrency < 1 || o.concurrency > maxConcurrency {
		return fmt.Errorf("-concurrency must be in [1, %d], got %d", maxConcurrency, o.concurrency)
	}
	if !server {
		return nil
	}
	switch o.protocol {
	case "connect", "grpc":
	default:
		return fmt.Errorf("-protocol must be connect or grpc, got %q", o.protocol)
	}
	switch o.transport {
	case "auto", "h2c":
	case "http1":
		if o.protocol == "grpc" {
			return errors.New("-protocol grpc needs HTTP/2: use -transport h2c or auto")
		}
	default:
		return fmt.Errorf("-transport must be auto, http1 or h2c, got %q", o.transport)
	}
	return nil
}

// runScenario parses the flags of sc, prepares it, runs it and prints
// the result.
func runScenario(ctx context.Context, sc scenario, args []string, stdout, stderr io.Writer) error {
	fs, o, prepare := scenarioFlags(sc, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments: %q", fs.Args())}
	}
	if err := o.validate(sc.server); err != nil {
		return usageError{err.Error()}
	}
	setupCtx, cancel := context.WithTimeout(ctx, setupTimeout)
	w, err := prepare(setupCtx, *o, stderr)
	cancel()
	if err != nil {
		return fmt.Errorf("%s: prepare: %w", sc.name, err)
	}
	if w.close != nil {
		defer w.close()
	}
	if w.direct != nil {
		return w.direct(ctx, stdout)
	}
	fmt.Fprintf(stderr, "pbbench %s: %d workers for %v (GOMAXPROCS %d)\n", sc.name, o.concurrency, o.duration, runtime.GOMAXPROCS(0))
	res := runLoad(ctx, plan{duration: o.duration, concurrency: o.concurrency, maxCalls: w.maxCalls}, w.call)
	sum := summarize(res)
	row := tableRow{scenario: sc.name, protocol: w.protocol, concurrency: o.concurrency, summary: sum}
	if err := printTable(stdout, []tableRow{row}); err != nil {
		return err
	}
	if w.listCalls {
		printCalls(stdout, res)
	}
	for _, n := range w.notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	fmt.Fprintf(stdout, "stopped: %s after %v\n", res.stop, res.elapsed.Round(time.Millisecond))
	if w.report != nil {
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer rcancel()
		return w.report(rctx, stdout)
	}
	return nil
}
