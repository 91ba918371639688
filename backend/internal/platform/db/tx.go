package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TxOptions tunes InTx.
type TxOptions struct {
	// Isolation defaults to read committed.
	Isolation pgx.TxIsoLevel
	// ReadOnly marks the transaction read only.
	ReadOnly bool
	// Idempotent says that running fn twice is harmless even if the first
	// run committed (it carries an idempotency key or only converges state).
	// Only then is a connection lost during COMMIT retried: otherwise the
	// outcome is unknown and the error goes back to the caller.
	Idempotent bool
}

// errCommitUnknown marks a connection failure during COMMIT.
type errCommitUnknown struct{ err error }

func (e errCommitUnknown) Error() string { return "commit outcome unknown: " + e.err.Error() }
func (e errCommitUnknown) Unwrap() error { return e.err }

// pinPrimary is the first statement of every read-write transaction. Behind
// Pgpool-II, reads inside a transaction are load-balanced to the standby
// until the first write; this comment makes Pgpool send the statement to
// the primary and keep the rest of the transaction there, so the stock,
// code and state checks a write transaction makes see the primary's latest
// data under the same snapshot as its writes. Against a single Postgres it
// is a cheap no-op.
const pinPrimary = "/*NO LOAD BALANCE*/ SELECT 1"

// InTx runs fn in a transaction and commits it, retrying the whole
// transaction (within the default budget) on serialization failures,
// deadlocks and connections that broke before COMMIT was sent. fn must not
// have side effects outside the transaction that would be wrong to repeat.
func InTx(ctx context.Context, pool *pgxpool.Pool, opts TxOptions, fn func(pgx.Tx) error) error {
	txOpts := pgx.TxOptions{IsoLevel: opts.Isolation}
	if opts.ReadOnly {
		txOpts.AccessMode = pgx.ReadOnly
	}
	err := Retry(ctx, func(ctx context.Context) error {
		tx, err := pool.BeginTx(ctx, txOpts)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		if !opts.ReadOnly {
			if _, err := tx.Exec(ctx, pinPrimary); err != nil {
				_ = tx.Rollback(context.WithoutCancel(ctx))
				return fmt.Errorf("begin: %w", err)
			}
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			if IsConnectionError(err) && !opts.Idempotent {
				return errCommitUnknown{err}
			}
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
	var unknown errCommitUnknown
	if errors.As(err, &unknown) {
		// Not retried: report it as unavailable so the client knows the
		// result is uncertain and a retry with the same idempotency key is
		// the way to find out.
		return errors.Join(ErrUnavailable, unknown)
	}
	return err
}
