// Package db owns partsbin's access to PostgreSQL: the connection pool, the
// embedded migrations, named queries loaded from .sql files, and the one
// transaction helper and one retry helper every domain package uses.
package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolConfig tunes the pool beyond what the URL says.
type PoolConfig struct {
	URL              string
	MaxConns         int32
	ConnectTimeout   time.Duration
	StatementTimeout time.Duration
	ApplicationName  string
}

// Open creates a pool and checks that the database answers.
func Open(ctx context.Context, pc PoolConfig) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(pc.URL)
	if err != nil {
		// The parse error may quote the URL, password included.
		return nil, errors.New("parse database url: invalid connection string")
	}
	if pc.MaxConns > 0 {
		cfg.MaxConns = pc.MaxConns
	}
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = time.Minute
	cfg.HealthCheckPeriod = 5 * time.Second
	if pc.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = pc.ConnectTimeout
	}
	rp := cfg.ConnConfig.RuntimeParams
	if pc.StatementTimeout > 0 {
		rp["statement_timeout"] = strconv.FormatInt(pc.StatementTimeout.Milliseconds(), 10)
		rp["lock_timeout"] = strconv.FormatInt(pc.StatementTimeout.Milliseconds(), 10)
		rp["idle_in_transaction_session_timeout"] = strconv.FormatInt(4*pc.StatementTimeout.Milliseconds(), 10)
	}
	if pc.ApplicationName != "" {
		rp["application_name"] = pc.ApplicationName
	}
	rp["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 2*max(pc.ConnectTimeout, time.Second))
	defer cancel()
	if err := Retry(pingCtx, func(ctx context.Context) error { return pool.Ping(ctx) }); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return pool, nil
}

// Querier is what both a pool and a transaction can do; read helpers take it
// so they run inside or outside a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// SQLState codes partsbin branches on.
const (
	CodeUniqueViolation     = "23505"
	CodeForeignKeyViolation = "23503"
	CodeCheckViolation      = "23514"
	CodeSerialization       = "40001"
	CodeDeadlock            = "40P01"
)

// IsCode reports whether err is a PostgreSQL error with the given SQLSTATE.
func IsCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// ConstraintName returns the violated constraint of a PostgreSQL error, or "".
func ConstraintName(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}
