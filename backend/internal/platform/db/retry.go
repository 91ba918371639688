package db

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrUnavailable wraps the last error when the database stayed unreachable
// (a failover, a restart) for longer than the retry budget. Handlers map it
// to `unavailable`: the client may safely try again.
var ErrUnavailable = errors.New("database unavailable")

// RetryBudget bounds Retry: at most Attempts tries within MaxElapsed.
type RetryBudget struct {
	Attempts   int
	MaxElapsed time.Duration
	BaseDelay  time.Duration
	MaxDelay   time.Duration
}

// DefaultBudget rides out a Pgpool failover (about one to four seconds).
var DefaultBudget = RetryBudget{Attempts: 8, MaxElapsed: 6 * time.Second, BaseDelay: 50 * time.Millisecond, MaxDelay: time.Second}

// Retry runs fn until it succeeds, fails with an error that retrying cannot
// fix, or the default budget runs out. fn must be safe to run more than once:
// a read, or a whole transaction that rolled back. Serialization failures and
// deadlocks are retried; so are connection failures, which Retry reports as
// ErrUnavailable once the budget is spent.
func Retry(ctx context.Context, fn func(context.Context) error) error {
	return RetryWith(ctx, DefaultBudget, fn)
}

// RetryWith is Retry with an explicit budget.
func RetryWith(ctx context.Context, b RetryBudget, fn func(context.Context) error) error {
	start := time.Now()
	delay := b.BaseDelay
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			// The caller's deadline or cancellation, not the database: no
			// retry, and not reported as an outage.
			return err
		}
		kind := classify(err)
		if kind == permanent {
			return err
		}
		if attempt >= b.Attempts || time.Since(start)+delay > b.MaxElapsed || ctx.Err() != nil {
			if kind == connection {
				return errors.Join(ErrUnavailable, err)
			}
			return err
		}
		// Full jitter keeps a crowd of retrying requests from moving in step.
		sleep := time.Duration(rand.Int64N(int64(delay)) + int64(delay)/2)
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			if kind == connection {
				return errors.Join(ErrUnavailable, err)
			}
			return err
		case <-t.C:
		}
		delay = min(2*delay, b.MaxDelay)
	}
}

type errorKind int

const (
	permanent  errorKind = iota
	conflict             // serialization failure or deadlock: the transaction rolled back
	connection           // the connection failed or the server is going away
)

// IsRetryable reports whether err is one Retry would try again.
func IsRetryable(err error) bool { return classify(err) != permanent }

// IsConnectionError reports whether err means the database could not be
// reached or the connection broke.
func IsConnectionError(err error) bool { return classify(err) == connection }

// isPgpoolBackendLoss recognises the errors Pgpool-II raises (SQLSTATE
// XX000, sometimes at ERROR level) when a node vanished under a session:
// the statement did not complete and the session is being torn down.
func isPgpoolBackendLoss(e *pgconn.PgError) bool {
	if e.Code != "XX000" {
		return false
	}
	// "unable to read data from DB node 0", "unable to flush data to
	// backend", "unable to write data to backend", "failed to create a
	// backend 0 connection", "pgpool is not accepting any new connections".
	m := e.Message
	return ((strings.Contains(m, "DB node") || strings.Contains(m, "backend")) &&
		(strings.Contains(m, "unable to") || strings.Contains(m, "failed to"))) ||
		strings.Contains(m, "pgpool is not accepting any new connections")
}

func classify(err error) errorKind {
	if err == nil || errors.Is(err, context.Canceled) {
		return permanent
	}
	var pgErr *pgconn.PgError
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		// Could not open a connection. Bad credentials or a missing
		// database will not fix themselves; anything else (refused, reset,
		// Pgpool's "failed to create a backend connection" while a node
		// fails over, "the database system is starting up") may.
		if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "28") || pgErr.Code == "3D000") {
			return permanent
		}
		return connection
	}
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == CodeSerialization || pgErr.Code == CodeDeadlock:
			return conflict
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			pgErr.Code == "57P01", // admin_shutdown
			pgErr.Code == "57P02", // crash_shutdown
			pgErr.Code == "57P03", // cannot_connect_now
			pgErr.Code == "25006", // read_only_sql_transaction: a write reached a standby mid-failover
			// A FATAL error ends the session. Pgpool-II reports a backend
			// that died under a session this way ("unable to read data from
			// DB node 0", SQLSTATE XX000).
			pgErr.Severity == "FATAL" || pgErr.Severity == "PANIC",
			isPgpoolBackendLoss(pgErr):
			return connection
		}
		return permanent
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return connection
	}
	var netErr net.Error
	var opErr *net.OpError
	if errors.As(err, &netErr) || errors.As(err, &opErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return connection
	}
	if strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "closed pool") {
		return connection
	}
	return permanent
}
