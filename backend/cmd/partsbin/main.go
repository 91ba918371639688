// Command partsbin is the partsbin shop backend: one binary that serves
// every API, migrates the database, seeds a demo catalogue and creates the
// first admin.
//
//	partsbin serve [--migrate]
//	partsbin migrate
//	partsbin seed [--products N] [--seed S] [--if-empty]
//	partsbin admin create --email E --name N [--password-file F | < password]
//
// Settings come from PARTSBIN_* environment variables (see README.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `partsbin - the partsbin shop backend

Usage:
  partsbin serve [--migrate]     serve every API on PARTSBIN_HTTP_ADDR
  partsbin migrate               apply pending database migrations
  partsbin seed [--products N] [--seed S] [--if-empty]
                                 fill an empty catalogue with N (default 2000)
                                 demo products, reviews and demo accounts; the
                                 same seed and N always give the same data
  partsbin admin create --email E --name N [--password-file F] [--if-missing]
                                 create an admin account; the password is read
                                 from the file, or from stdin ("-" or no flag)
  partsbin help                  show this text

Settings come from PARTSBIN_* environment variables; "partsbin serve" prints
them at start with secrets masked.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "partsbin: %v\n\n%s", err, usage)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "partsbin: %v\n", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "migrate":
		return migrate(ctx, args[1:], stderr)
	case "seed":
		return seedCatalog(ctx, args[1:], stdout, stderr)
	case "admin":
		if len(args) < 2 || args[1] != "create" {
			return usageError{"want: partsbin admin create ..."}
		}
		return adminCreate(ctx, args[2:], stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
