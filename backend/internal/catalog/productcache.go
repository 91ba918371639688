package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/kv"
	"github.com/partsbin/partsbin/backend/internal/platform/pubsub"
)

// ProductChangedChannel is the Redis pub/sub channel (after the key prefix)
// on which every writer of a product announces "<id> <new version>" after
// its transaction commits.
const ProductChangedChannel = "catalog:product-changed"

// PublishProductChange announces that product id now has version. Writers
// (back office, checkout) call it after commit; a lost message is bounded
// by the cache TTL.
func PublishProductChange(ctx context.Context, rdb *kv.Client, id string, version int64) error {
	if err := rdb.Publish(ctx, rdb.Key(ProductChangedChannel), id+" "+strconv.FormatInt(version, 10)).Err(); err != nil {
		return fmt.Errorf("publish product change: %w", err)
	}
	return nil
}

// productCache keeps product pages in each instance: a product page is the
// most read thing in a shop, and three queries through the pool cost more
// than the page itself (docs/benchmarks.md). Entries are dropped when a
// change of their product is announced, and live at most ttl in any case.
// It only fills while the invalidation subscription is up, and it forgets
// everything when the subscription drops, since announcements may have been
// missed meanwhile: a cached page is never older than the last version
// announced for it.
type productCache struct {
	clock clock.Clock
	ttl   time.Duration
	max   int
	live  atomic.Bool // the invalidation subscription is up

	mu        sync.Mutex
	byID      map[string]cachedProduct
	bySlug    map[string]string
	announced map[string]int64 // highest version announced per product
}

type cachedProduct struct {
	p       Product
	expires time.Time
}

func newProductCache(clk clock.Clock, ttl time.Duration, maxEntries int) *productCache {
	return &productCache{clock: clk, ttl: ttl, max: maxEntries,
		byID: map[string]cachedProduct{}, bySlug: map[string]string{}, announced: map[string]int64{}}
}

func (c *productCache) enabled() bool { return c != nil && c.ttl > 0 && c.live.Load() }

func (c *productCache) get(l ProductLookup) (Product, bool) {
	if !c.enabled() {
		return Product{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := l.ID
	if id == "" {
		id = c.bySlug[l.Slug]
	}
	e, ok := c.byID[id]
	if !ok || !c.clock.Now().Before(e.expires) {
		return Product{}, false
	}
	return e.p, true
}

func (c *productCache) put(p Product) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.Version < c.announced[p.ID] {
		return // read before a change that has been announced since
	}
	if len(c.byID) >= c.max {
		c.evictLocked()
	}
	c.byID[p.ID] = cachedProduct{p: p, expires: c.clock.Now().Add(c.ttl)}
	c.bySlug[p.Slug] = p.ID
}

// evictLocked drops expired entries, then arbitrary ones, down to 3/4.
func (c *productCache) evictLocked() {
	now := c.clock.Now()
	for id, e := range c.byID {
		if !now.Before(e.expires) || len(c.byID) >= c.max*3/4 {
			delete(c.byID, id)
			delete(c.bySlug, e.p.Slug)
		}
		if len(c.byID) < c.max*3/4 {
			break
		}
	}
	if len(c.announced) > 4*c.max {
		c.announced = map[string]int64{}
	}
}

// invalidate applies one announcement.
func (c *productCache) invalidate(id string, version int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version > c.announced[id] {
		c.announced[id] = version
	}
	if e, ok := c.byID[id]; ok && e.p.Version < version {
		delete(c.byID, id)
		delete(c.bySlug, e.p.Slug)
	}
}

func (c *productCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byID = map[string]cachedProduct{}
	c.bySlug = map[string]string{}
}

// run keeps the invalidation subscription until ctx ends. While it is
// down the cache is empty and off: announcements may be missed.
func (c *productCache) run(ctx context.Context, rdb *kv.Client, log *slog.Logger) {
	if c == nil || c.ttl <= 0 {
		return
	}
	pubsub.Follow(ctx, rdb, rdb.Key(ProductChangedChannel), log, func(payload string) {
		id, v, ok := strings.Cut(payload, " ")
		if version, err := strconv.ParseInt(v, 10, 64); ok && err == nil {
			c.invalidate(id, version)
		}
	}, func(live bool) {
		// Off before emptying when it drops, empty before on when it is
		// back: no fill can slip in from the unwatched time.
		if !live {
			c.live.Store(false)
		}
		c.clear()
		if live {
			c.live.Store(true)
		}
	})
}
