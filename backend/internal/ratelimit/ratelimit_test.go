package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partsbin/partsbin/backend/internal/platform/kv"
	"github.com/partsbin/partsbin/backend/internal/ratelimit"
)

func newLimiter(t *testing.T) *ratelimit.Limiter {
	t.Helper()
	url := os.Getenv("PARTSBIN_REDIS_URL")
	if url == "" {
		t.Fatal("needs Redis: run `just test`, or `just up` and `. .stack/env`")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	c, err := kv.Open(context.Background(), url, "t:rl:"+hex.EncodeToString(b)+":")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return ratelimit.New(c)
}

func TestAllow_ConcurrentCallersNeverExceedTheLimit(t *testing.T) {
	t.Parallel()
	l := newLimiter(t)
	rule := ratelimit.Rule{Name: "burst", Limit: 7, Window: 10 * time.Second}
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			d, err := l.Allow(context.Background(), rule, "k")
			if err != nil {
				t.Error(err)
				return
			}
			if d.Allowed {
				admitted.Add(1)
			} else if d.RetryAfter <= 0 || d.Remaining != 0 {
				t.Errorf("rejected decision %v: want remaining 0 and a retry delay", d)
			}
		})
	}
	wg.Wait()
	if got := admitted.Load(); got != 7 {
		t.Errorf("admitted %d of 60 concurrent requests, want exactly 7", got)
	}
}

func TestAllow_WindowSlides(t *testing.T) {
	t.Parallel()
	l := newLimiter(t)
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "slide", Limit: 2, Window: 300 * time.Millisecond}
	for i, want := range []bool{true, true, false} {
		d, err := l.Allow(ctx, rule, "k")
		if err != nil || d.Allowed != want {
			t.Fatalf("call %d: %v %v, want allowed=%v", i, d, err, want)
		}
	}
	d, _ := l.Peek(ctx, rule, "k")
	if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > rule.Window {
		t.Fatalf("peek on a full window: %v", d)
	}
	// Poll (no fixed sleep) until the oldest entry leaves the window.
	deadline := time.Now().Add(3 * time.Second)
	for {
		d, err := l.Allow(ctx, rule, "k")
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("window never freed a slot")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPeekDoesNotRecordAndClearForgets(t *testing.T) {
	t.Parallel()
	l := newLimiter(t)
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "peek", Limit: 1, Window: time.Minute}
	for range 3 {
		if d, err := l.Peek(ctx, rule, "k"); err != nil || !d.Allowed || d.Count != 0 {
			t.Fatalf("peek on empty log: %v %v", d, err)
		}
	}
	if d, _ := l.Allow(ctx, rule, "k"); !d.Allowed {
		t.Fatal("first request refused")
	}
	if d, _ := l.Allow(ctx, rule, "k"); d.Allowed {
		t.Fatal("second request admitted past the limit")
	}
	if d, _ := l.Allow(ctx, rule, "other"); !d.Allowed {
		t.Fatal("another key shares the quota")
	}
	if err := l.Clear(ctx, rule, "k"); err != nil {
		t.Fatal(err)
	}
	if d, _ := l.Allow(ctx, rule, "k"); !d.Allowed {
		t.Fatal("request refused after Clear")
	}
}

func TestAllow_RejectedRequestsAreNotRecorded(t *testing.T) {
	t.Parallel()
	l := newLimiter(t)
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "norecord", Limit: 3, Window: time.Minute}
	for range 20 {
		_, _ = l.Allow(ctx, rule, "k")
	}
	d, _ := l.Peek(ctx, rule, "k")
	if d.Count != 3 {
		t.Errorf("log holds %d entries after 20 attempts, want 3 (rejections must not be recorded)", d.Count)
	}
}

func TestAllow_RedisDownIsAnError(t *testing.T) {
	t.Parallel()
	c, _ := kv.Open(context.Background(), "redis://127.0.0.1:1/0", "t:")
	defer c.Close()
	_, err := ratelimit.New(c).Allow(context.Background(), ratelimit.Rule{Name: "x", Limit: 1, Window: time.Second}, "k")
	if err == nil {
		t.Error("Allow with Redis down succeeded; callers must be able to fail open or closed")
	}
}

func TestAllow_ResetTellsWhenTheOldestRequestLeaves(t *testing.T) {
	t.Parallel()
	l := newLimiter(t)
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "reset", Limit: 3, Window: 10 * time.Second}
	if d, err := l.Peek(ctx, rule, "k"); err != nil || d.Reset != 0 || d.RetryAfter != 0 {
		t.Fatalf("empty log: %v reset=%s, want no reset and no retry", err, d.Reset)
	}
	d, err := l.Allow(ctx, rule, "k")
	if err != nil || !d.Allowed {
		t.Fatalf("first request: %v %v", d, err)
	}
	// Room is left, so no retry delay, but the window frees its first slot
	// one window after the request.
	if d.RetryAfter != 0 || d.Reset <= rule.Window-time.Second || d.Reset > rule.Window {
		t.Errorf("after one request: retry %s reset %s, want 0 and about %s", d.RetryAfter, d.Reset, rule.Window)
	}
}
