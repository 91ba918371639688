package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"

	"github.com/partsbin/partsbin/backend/internal/auth"
)

// argon2Scenario measures the server's password hasher in process: no
// server, no network, just argon2id at the given parameters.
func argon2Scenario() scenario {
	return scenario{
		name:    "argon2",
		summary: "argon2id Hash or Verify through auth.Hasher, in process (no server)",
		help: `Each worker hashes (or verifies) a password back to back; calls/s is
hashes per second. The hasher allows -concurrency hashes at once, so workers
never queue on it, and each running hash holds -memory-kib of memory. The
defaults are the server's (OWASP minimum: 19 MiB, 2 passes, 1 lane) and
-concurrency defaults to GOMAXPROCS, the most the server runs at once.`,
		defaults: func(o *options) {
			o.concurrency = runtime.GOMAXPROCS(0)
		},
		flags: func(fs *flag.FlagSet) prepareFunc {
			memory := fs.Uint("memory-kib", 19456, "argon2id memory in KiB")
			iterations := fs.Uint("iterations", 2, "argon2id passes")
			parallelism := fs.Uint("parallelism", 1, "argon2id lanes")
			op := fs.String("op", "hash", "operation: hash or verify")
			return func(ctx context.Context, o options, _ io.Writer) (workload, error) {
				p, err := hashParams(*memory, *iterations, *parallelism)
				if err != nil {
					return workload{}, usageError{err.Error()}
				}
				return prepareArgon2(ctx, o, p, *op)
			}
		},
	}
}

// hashParams validates the argon2id flags.
func hashParams(memory, iterations, parallelism uint) (auth.HashParams, error) {
	switch {
	case memory < 8 || memory > math.MaxUint32:
		return auth.HashParams{}, fmt.Errorf("-memory-kib must be in [8, %d], got %d", uint32(math.MaxUint32), memory)
	case iterations < 1 || iterations > math.MaxUint32:
		return auth.HashParams{}, fmt.Errorf("-iterations must be at least 1, got %d", iterations)
	case parallelism < 1 || parallelism > math.MaxUint8:
		return auth.HashParams{}, fmt.Errorf("-parallelism must be in [1, 255], got %d", parallelism)
	}
	return auth.HashParams{MemoryKiB: uint32(memory), Iterations: uint32(iterations), Parallelism: uint8(parallelism)}, nil
}

// benchPassword is what the argon2 scenario hashes; its value does not
// change the cost.
const benchPassword = "correct horse battery staple"

// prepareArgon2 returns a workload that runs op on a Hasher with params p.
func prepareArgon2(ctx context.Context, o options, p auth.HashParams, op string) (workload, error) {
	h := auth.NewHasher(p, o.concurrency)
	switch op {
	case "hash":
		call := func(ctx context.Context, _ int) error {
			_, err := h.Hash(ctx, benchPassword)
			return err
		}
		return workload{call: call, protocol: "-"}, nil
	case "verify":
		encoded, err := h.Hash(ctx, benchPassword)
		if err != nil {
			return workload{}, fmt.Errorf("reference hash: %w", err)
		}
		call := func(ctx context.Context, _ int) error {
			ok, _, err := h.Verify(ctx, encoded, benchPassword)
			if err == nil && !ok {
				err = errors.New("verify: the reference hash did not match")
			}
			return err
		}
		return workload{call: call, protocol: "-"}, nil
	}
	return workload{}, usageError{fmt.Sprintf("-op must be hash or verify, got %q", op)}
}
