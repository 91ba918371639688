package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/seed"
)

func seedCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	products := fs.Int("products", 2000, "how many products to create")
	seedValue := fs.Int64("seed", 1, "picks the data: the same seed and product count give the same catalogue")
	ifEmpty := fs.Bool("if-empty", false, "succeed without changes when the catalogue is not empty")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("seed takes no arguments, got %q", fs.Args())}
	}
	if *products < len(seed.Featured) {
		return usageError{fmt.Sprintf("--products must be at least %d", len(seed.Featured))}
	}

	cfg, _, pool, err := openDatabase(ctx, stderr, "partsbin-seed")
	if err != nil {
		return err
	}
	defer pool.Close()
	hasher := auth.NewHasher(auth.HashParams{MemoryKiB: cfg.Argon2MemoryKiB, Iterations: cfg.Argon2Iterations, Parallelism: cfg.Argon2Parallelism}, 1)
	rep, err := seed.Run(ctx, pool, seed.Options{Products: *products, Seed: *seedValue, IfEmpty: *ifEmpty, Hasher: hasher}, stderr)
	if errors.Is(err, seed.ErrCatalogNotEmpty) {
		return fmt.Errorf("%w; nothing changed (--if-empty makes this a no-op)", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep)
	if !rep.Skipped {
		fmt.Fprintf(stdout, "accounts: customer1..N and staff1..N @%s, password %q\n", seed.EmailDomain, seed.DemoPassword)
	}
	return nil
}
