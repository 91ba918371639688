package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
)

// aggregates are the parts of a search result that do not depend on the
// sort or the page: the total and the facets.
type aggregates struct {
	total     int
	estimated bool
	facets    *Facets // nil when not computed yet
	expires   time.Time
}

// aggCache keeps aggregates for a short time. A shopper paging through
// results, or many shoppers opening the same category, would otherwise
// recount the same matches for every page: the count and facet queries
// cost several times the page query (docs/catalog.md). Counts may be up to
// one TTL old; the products on a page never are.
type aggCache struct {
	clock clock.Clock
	ttl   time.Duration
	max   int

	mu sync.Mutex
	m  map[string]aggregates
}

func newAggCache(clk clock.Clock, ttl time.Duration, maxEntries int) *aggCache {
	return &aggCache{clock: clk, ttl: ttl, max: maxEntries, m: map[string]aggregates{}}
}

func (c *aggCache) enabled() bool { return c != nil && c.ttl > 0 }

func (c *aggCache) get(key string) (aggregates, bool) {
	if !c.enabled() {
		return aggregates{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.m[key]
	if !ok || !c.clock.Now().Before(a.expires) {
		return aggregates{}, false
	}
	return a, true
}

func (c *aggCache) put(key string, a aggregates) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	if len(c.m) >= c.max {
		// Drop expired entries; if none, drop arbitrary ones (map order):
		// a bounded cache matters more than which entry goes.
		for k, v := range c.m {
			if !now.Before(v.expires) || len(c.m) >= c.max {
				delete(c.m, k)
			}
			if len(c.m) < c.max*3/4 {
				break
			}
		}
	}
	a.expires = now.Add(c.ttl)
	c.m[key] = a
}

// aggKey identifies the matches of a search: the fingerprint without the
// sort, which orders them but does not change them.
func (pl *plan) aggKey() string {
	p := pl.p
	p.Sort = 0
	p.PageToken, p.PageSize, p.IncludeFacets = "", 0, false
	catID := ""
	if p.Category != nil {
		catID = p.Category.ID
	}
	p.Category = nil
	b, _ := json.Marshal(struct {
		P   SearchParams
		Cat string
		TS  string
	}{p, catID, pl.tsquery})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
