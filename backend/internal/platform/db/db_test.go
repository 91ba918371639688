package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestMustParseQueries(t *testing.T) {
	q := MustParseQueries("x.sql", `-- header comment
-- name: One
SELECT 1;

-- name: Two
SELECT *
FROM t
WHERE a = $1;
`)
	if got := q.SQL("One"); got != "SELECT 1" {
		t.Errorf("One = %q", got)
	}
	if got := q.SQL("Two"); got != "SELECT *\nFROM t\nWHERE a = $1" {
		t.Errorf("Two = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("SQL of an unknown name did not panic")
		}
	}()
	q.SQL("Three")
}

func TestRetry_ClassifiesErrors(t *testing.T) {
	budget := RetryBudget{Attempts: 3, MaxElapsed: time.Second, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	cases := []struct {
		name     string
		err      error
		calls    int
		wantUnav bool
	}{
		{"permanent", errors.New("syntax error"), 1, false},
		{"unique violation", &pgconn.PgError{Code: CodeUniqueViolation}, 1, false},
		{"serialization failure", &pgconn.PgError{Code: CodeSerialization}, 3, false},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, 3, true},
		{"connection reset", io.ErrUnexpectedEOF, 3, true},
		{"pgpool lost the backend", &pgconn.PgError{Severity: "FATAL", Code: "XX000", Message: "unable to read data from DB node 0"}, 3, true},
		{"pgpool lost the backend mid-statement", &pgconn.PgError{Severity: "ERROR", Code: "XX000", Message: "unable to read data from DB node 1"}, 3, true},
		{"pgpool could not flush to the backend", &pgconn.PgError{Severity: "ERROR", Code: "XX000", Message: "unable to flush data to backend"}, 3, true},
		{"other internal error", &pgconn.PgError{Severity: "ERROR", Code: "XX000", Message: "cache lookup failed"}, 1, false},
	}
	// A real connect failure (nothing listens on port 1).
	_, refused := pgconn.Connect(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	cases = append(cases, struct {
		name     string
		err      error
		calls    int
		wantUnav bool
	}{"connect refused", refused, 3, true})
	for _, c := range cases {
		calls := 0
		err := RetryWith(context.Background(), budget, func(context.Context) error { calls++; return c.err })
		if calls != c.calls {
			t.Errorf("%s: %d calls, want %d", c.name, calls, c.calls)
		}
		if got := errors.Is(err, ErrUnavailable); got != c.wantUnav {
			t.Errorf("%s: ErrUnavailable = %v, want %v (%v)", c.name, got, c.wantUnav, err)
		}
	}
	// The caller running out of time is not an outage.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := RetryWith(ctx, budget, func(ctx context.Context) error { return fmt.Errorf("query: %w", ctx.Err()) })
	if errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v, want the context error without ErrUnavailable", err)
	}

	calls := 0
	err = RetryWith(context.Background(), budget, func(context.Context) error {
		calls++
		if calls < 2 {
			return &pgconn.PgError{Code: CodeDeadlock}
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Errorf("deadlock then success: err %v after %d calls", err, calls)
	}
}
