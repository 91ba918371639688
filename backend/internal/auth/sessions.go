package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/kv"
)

// Session tokens are "pbs_" followed by 32 random bytes in unpadded
// base64url: 256 bits an attacker would have to guess. Reset tokens use the
// same shape with "pbr_".
const (
	sessionTokenPrefix = "pbs_"
	resetTokenPrefix   = "pbr_"
	tokenBytes         = 32
)

func newToken(prefix string) (token string, hash []byte, err error) {
	var b [tokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(token))
	return token, sum[:], nil
}

// hashToken returns the stored form of a well-formed token, or nil.
func hashToken(prefix, token string) []byte {
	raw, ok := strings.CutPrefix(token, prefix)
	if !ok || len(raw) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return nil
	}
	if _, err := base64.RawURLEncoding.DecodeString(raw); err != nil {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// cachedSession is what Redis holds for a live session.
type cachedSession struct {
	SessionID string `json:"sid"`
	UserID    string `json:"uid"`
	Role      Role   `json:"role"`
	ExpiresAt int64  `json:"exp"` // unix seconds
}

// invalidMarker in a session's cache slot means "ask Postgres": it is
// written when a session is revoked or its user changes, and it blocks
// cache fills (SET NX) from requests that read the old state just before
// the change committed.
const invalidMarker = "x"

// Sessions creates, resolves and revokes sessions. Postgres is the truth;
// Redis caches live sessions so most calls skip the database. Every change
// that must take effect on the next call writes the invalid marker into the
// cache slot of each affected session after its transaction commits.
type Sessions struct {
	pool     *pgxpool.Pool
	rdb      *kv.Client
	clock    clock.Clock
	ttl      time.Duration
	cacheTTL time.Duration
	log      *slog.Logger
}

// NewSessions returns a session store.
func NewSessions(pool *pgxpool.Pool, rdb *kv.Client, clk clock.Clock, ttl, cacheTTL time.Duration, log *slog.Logger) *Sessions {
	return &Sessions{pool: pool, rdb: rdb, clock: clk, ttl: ttl, cacheTTL: cacheTTL, log: log}
}

func (s *Sessions) cacheKey(hash []byte) string { return s.rdb.Key("sess", hex.EncodeToString(hash)) }

// Create starts a session for userID inside tx and returns its token.
func (s *Sessions) Create(ctx context.Context, tx db.Querier, userID, clientIP, userAgent string) (token string, expires time.Time, err error) {
	token, hash, err := newToken(sessionTokenPrefix)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.clock.Now()
	expires = now.Add(s.ttl).Truncate(time.Second)
	var id string
	if err := tx.QueryRow(ctx, q.SQL("InsertSession"), userID, hash, now, expires, clientIP, userAgent).Scan(&id); err != nil {
		return "", time.Time{}, fmt.Errorf("insert session: %w", err)
	}
	return token, expires, nil
}

// Authenticate resolves a session token to its caller. Unknown, expired and
// revoked sessions, and sessions of disabled accounts, give ErrUnauthenticated.
func (s *Sessions) Authenticate(ctx context.Context, token string) (Caller, error) {
	hash := hashToken(sessionTokenPrefix, token)
	if hash == nil {
		return Caller{}, ErrUnauthenticated
	}
	key := s.cacheKey(hash)
	now := s.clock.Now()
	cached, err := s.rdb.Get(ctx, key).Result()
	switch {
	case err == nil && cached != invalidMarker:
		var cs cachedSession
		if json.Unmarshal([]byte(cached), &cs) == nil && now.Unix() < cs.ExpiresAt {
			return Caller{UserID: cs.UserID, SessionID: cs.SessionID, Role: cs.Role}, nil
		}
	case err != nil && !errors.Is(err, redis.Nil):
		// Redis is down or slow: Postgres answers alone.
		s.log.WarnContext(ctx, "session cache unavailable", "err", err)
	}

	var (
		cs      cachedSession
		expires time.Time
		revoked bool
		status  string
		version int64
	)
	err = db.Retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, q.SQL("SessionByTokenHash"), hash).
			Scan(&cs.SessionID, &cs.UserID, &expires, &revoked, &cs.Role, &status, &version)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Caller{}, ErrUnauthenticated
	}
	if err != nil {
		return Caller{}, fmt.Errorf("look up session: %w", err)
	}
	if revoked || !now.Before(expires) || status != "active" {
		return Caller{}, ErrUnauthenticated
	}
	cs.ExpiresAt = expires.Unix()
	if cached != invalidMarker {
		ttl := min(s.cacheTTL, expires.Sub(now))
		if b, err := json.Marshal(cs); err == nil && ttl > 0 {
			// NX: never overwrite an invalid marker written meanwhile.
			if err := s.rdb.SetNX(ctx, key, b, ttl).Err(); err != nil {
				s.log.WarnContext(ctx, "session cache fill failed", "err", err)
			}
		}
	}
	return Caller{UserID: cs.UserID, SessionID: cs.SessionID, Role: cs.Role}, nil
}

// invalidate writes the invalid marker for each session hash. It runs after
// the change committed; a failure is logged, and the cache TTL bounds how
// long a stale entry could live.
func (s *Sessions) invalidate(ctx context.Context, hashes [][]byte) {
	if len(hashes) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	markerTTL := max(s.cacheTTL, time.Minute)
	pipe := s.rdb.Pipeline()
	for _, h := range hashes {
		pipe.Set(ctx, s.cacheKey(h), invalidMarker, markerTTL)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		s.log.ErrorContext(ctx, "session cache invalidation failed; stale entries expire with the cache TTL",
			"sessions", len(hashes), "cache_ttl", s.cacheTTL, "err", err)
	}
}

// Revoke ends one session.
func (s *Sessions) Revoke(ctx context.Context, sessionID string) error {
	var hashes [][]byte
	err := db.InTx(ctx, s.pool, db.TxOptions{Idempotent: true}, func(tx pgx.Tx) error {
		var err error
		hashes, err = collectHashes(tx.Query(ctx, q.SQL("RevokeSession"), sessionID, s.clock.Now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	s.invalidate(ctx, hashes)
	return nil
}

// revokeAllTx revokes every live session of userID except keep (may be "")
// inside tx and returns their hashes for invalidation after commit.
func (s *Sessions) revokeAllTx(ctx context.Context, tx pgx.Tx, userID, keep string) ([][]byte, error) {
	var keepArg any
	if keep != "" {
		keepArg = keep
	}
	return collectHashes(tx.Query(ctx, q.SQL("RevokeUserSessions"), userID, s.clock.Now(), keepArg))
}

// liveHashesTx lists the hashes of the live sessions of userID, whose cache
// entries must be dropped after a role or status change.
func (s *Sessions) liveHashesTx(ctx context.Context, tx pgx.Tx, userID string) ([][]byte, error) {
	return collectHashes(tx.Query(ctx, q.SQL("LiveSessionHashes"), userID, s.clock.Now()))
}

func collectHashes(rows pgx.Rows, err error) ([][]byte, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[[]byte])
}
