// Package ratelimit is partsbin's sliding-window-log limiter. The algorithm
// lives in one Lua script (sliding_window.lua) that the edge runs too; this
// package runs it through go-redis with EVALSHA and a NOSCRIPT fallback.
package ratelimit

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partsbin/partsbin/backend/internal/platform/kv"
)

//go:embed sliding_window.lua
var script string

// Script is the limiter's Lua source, exported for tools that load it elsewhere.
func Script() string { return script }

// Rule is a limit: at most Limit requests in any window of length Window.
type Rule struct {
	// Name scopes the keys of the rule, e.g. "login-ip".
	Name   string
	Limit  int
	Window time.Duration
}

// Decision is the limiter's answer for one request.
type Decision struct {
	Allowed   bool
	Limit     int
	Remaining int
	// RetryAfter is how long until a slot frees up; zero while there is room.
	RetryAfter time.Duration
	// Count is how many requests the window holds now.
	Count int
	// Reset is how long until the oldest request leaves the window (until
	// Remaining next grows); zero for an empty window.
	Reset time.Duration
}

// Limiter runs rules against Redis.
type Limiter struct {
	rdb    *kv.Client
	script *redis.Script
}

// New returns a Limiter using rdb.
func New(rdb *kv.Client) *Limiter {
	return &Limiter{rdb: rdb, script: redis.NewScript(script)}
}

// Allow records a request under key if the rule admits it.
func (l *Limiter) Allow(ctx context.Context, r Rule, key string) (Decision, error) {
	return l.run(ctx, r, key, 1)
}

// Peek tells whether the rule would admit a request without recording one.
func (l *Limiter) Peek(ctx context.Context, r Rule, key string) (Decision, error) {
	return l.run(ctx, r, key, 0)
}

// Clear forgets every request recorded under key.
func (l *Limiter) Clear(ctx context.Context, r Rule, key string) error {
	if err := l.rdb.Del(ctx, l.key(r, key)).Err(); err != nil {
		return fmt.Errorf("clear limit %s: %w", r.Name, err)
	}
	return nil
}

func (l *Limiter) key(r Rule, key string) string { return l.rdb.Key("rl", r.Name, key) }

func (l *Limiter) run(ctx context.Context, r Rule, key string, cost int) (Decision, error) {
	if r.Limit < 1 || r.Window < time.Millisecond {
		return Decision{}, fmt.Errorf("rate limit %s: invalid rule", r.Name)
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	res, err := l.script.Run(ctx, l.rdb, []string{l.key(r, key)},
		r.Limit, r.Window.Milliseconds(), cost, hex.EncodeToString(nonce[:])).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("rate limit %s: %w", r.Name, err)
	}
	// {allowed, remaining, retry_ms, count, reset_ms, now_us}
	if len(res) < 5 {
		return Decision{}, fmt.Errorf("rate limit %s: unexpected reply of %d values", r.Name, len(res))
	}
	return Decision{
		Allowed:    res[0] == 1,
		Limit:      r.Limit,
		Remaining:  int(res[1]),
		RetryAfter: time.Duration(res[2]) * time.Millisecond,
		Count:      int(res[3]),
		Reset:      time.Duration(res[4]) * time.Millisecond,
	}, nil
}

// String formats a decision for logs.
func (d Decision) String() string {
	return "allowed=" + strconv.FormatBool(d.Allowed) + " remaining=" + strconv.Itoa(d.Remaining) + " retry_after=" + d.RetryAfter.String()
}
