// Command pbbench is partsbin's load and benchmark tool. It runs one named
// scenario against a partsbin server on this machine (or, for local-only
// scenarios, against a library function) for a fixed time and prints a
// table of calls, errors by Connect code, throughput and latency
// percentiles.
//
//	pbbench <scenario> [flags]
//	pbbench help [scenario]
//
// Every run stops by itself: after -duration, after the scenario's call
// budget, on Ctrl-C (partial results are still printed) and, whatever the
// flags say, after a hard cap of ten minutes. Because it is a load
// generator it only ever connects to loopback addresses.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// hardCap bounds a whole pbbench process, set-up included, whatever the
// flags say.
const hardCap = 10 * time.Minute

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, hardCap)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pbbench: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "\n%s", usage(scenarios()))
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake on the command line; main prints the usage after it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run picks the scenario named by args[0] and runs it with the rest of args
// as its flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	all := scenarios()
	if len(args) == 0 {
		return usageError{"no scenario given"}
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if sc, ok := lookup(all, args[1]); ok {
				fs, _, _ := scenarioFlags(sc, stdout)
				fs.Usage()
				return nil
			}
		}
		fmt.Fprint(stdout, usage(all))
		return nil
	}
	sc, ok := lookup(all, args[0])
	if !ok {
		return usageError{fmt.Sprintf("unknown scenario %q", args[0])}
	}
	return runScenario(ctx, sc, args[1:], stdout, stderr)
}
