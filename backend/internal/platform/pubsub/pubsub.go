// Package pubsub wakes local listeners when something changes on any
// instance. Redis pub/sub carries only keys ("order 42 changed"); the
// truth stays in Postgres, so a lost message costs a delay, never data:
// listeners re-read what changed, and every listener is woken when the
// subscription comes back after a drop.
package pubsub

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partsbin/partsbin/backend/internal/platform/kv"
)

// Hub fans one Redis channel out to the listeners of each key.
type Hub struct {
	rdb     *kv.Client
	channel string
	log     *slog.Logger
	live    atomic.Bool

	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// NewHub returns a hub for channel (the Redis key prefix is added).
func NewHub(rdb *kv.Client, channel string, log *slog.Logger) *Hub {
	return &Hub{rdb: rdb, channel: rdb.Key(channel), log: log, subs: map[string]map[chan struct{}]struct{}{}}
}

// Live reports whether the Redis subscription is up; while it is not,
// listeners should poll.
func (h *Hub) Live() bool { return h.live.Load() }

// Listen returns a channel that receives a value (coalesced) whenever key
// is published, and a function to stop listening.
func (h *Hub) Listen(key string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[key] == nil {
		h.subs[key] = map[chan struct{}]struct{}{}
	}
	h.subs[key][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[key], ch)
		if len(h.subs[key]) == 0 {
			delete(h.subs, key)
		}
		h.mu.Unlock()
	}
}

// Publish announces that key changed, to every instance.
func (h *Hub) Publish(ctx context.Context, key string) error {
	return h.rdb.Publish(context.WithoutCancel(ctx), h.channel, key).Err()
}

func (h *Hub) wake(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[key] {
		select {
		case ch <- struct{}{}:
		default: // already woken; the listener re-reads everything
		}
	}
}

func (h *Hub) wakeAll() {
	h.mu.Lock()
	keys := make([]string, 0, len(h.subs))
	for k := range h.subs {
		keys = append(keys, k)
	}
	h.mu.Unlock()
	for _, k := range keys {
		h.wake(k)
	}
}

// Run keeps the subscription until ctx ends, resubscribing after drops.
func (h *Hub) Run(ctx context.Context) {
	Follow(ctx, h.rdb, h.channel, h.log, h.wake, func(live bool) {
		h.live.Store(live)
		if live {
			// Messages may have been missed while we were away.
			h.wakeAll()
		}
	})
}

// Follow keeps a subscription to channel (a full key) until ctx ends,
// resubscribing with backoff after a drop. onMessage gets every payload;
// onLive(true) runs after each successful (re)subscription and
// onLive(false) when the subscription drops, so callers know when they may
// have missed messages.
func Follow(ctx context.Context, rdb *kv.Client, channel string, log *slog.Logger, onMessage func(string), onLive func(bool)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := follow(ctx, rdb, channel, onMessage, onLive)
		onLive(false)
		if ctx.Err() != nil {
			return
		}
		log.Warn("pub/sub subscription lost; resubscribing", "channel", channel, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func follow(ctx context.Context, rdb *kv.Client, channel string, onMessage func(string), onLive func(bool)) error {
	ps := rdb.Subscribe(ctx, channel)
	// Receive does not return when ctx ends; closing the subscription does.
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	defer ps.Close()
	for {
		msg, err := ps.Receive(ctx)
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				onLive(true)
			}
		case *redis.Message:
			onMessage(m.Payload)
		}
	}
}
