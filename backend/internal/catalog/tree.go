package catalog

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
)

// SpecKey is a spec a category declares (its subcategories inherit it).
type SpecKey struct {
	Key         string
	DisplayName string
	Unit        string
	Numeric     bool
	Facetable   bool
	Position    int
}

// Category is one node of the tree.
type Category struct {
	ID          string
	Slug        string
	Name        string
	Description string
	ParentID    string
	Position    int
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// OwnSpecKeys are declared on this category itself.
	OwnSpecKeys []SpecKey
	// ProductCount counts active products here and in all subcategories.
	ProductCount int
	Children     []*Category
}

// Tree is an immutable snapshot of the category tree.
type Tree struct {
	Roots  []*Category
	byID   map[string]*Category
	bySlug map[string]*Category
}

// ByID returns a category by id.
func (t *Tree) ByID(id string) (*Category, bool) { c, ok := t.byID[id]; return c, ok }

// BySlug returns a category by slug.
func (t *Tree) BySlug(slug string) (*Category, bool) { c, ok := t.bySlug[slug]; return c, ok }

// Path returns the categories from the root down to c.
func (t *Tree) Path(c *Category) []*Category {
	var path []*Category
	for n := c; n != nil; n = t.byID[n.ParentID] {
		path = append([]*Category{n}, path...)
		if len(path) > 64 { // a cycle would be a bug; never loop forever
			break
		}
	}
	return path
}

// Subtree returns the ids of c and every category below it.
func (t *Tree) Subtree(c *Category) []string {
	ids := []string{c.ID}
	for _, ch := range c.Children {
		ids = append(ids, t.Subtree(ch)...)
	}
	return ids
}

// SpecKeys returns the keys c declares or inherits, ancestors' first.
func (t *Tree) SpecKeys(c *Category) []SpecKey {
	var keys []SpecKey
	seen := map[string]bool{}
	for _, n := range t.Path(c) {
		for _, k := range n.OwnSpecKeys {
			if !seen[k.Key] {
				seen[k.Key] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// SpecKeyUnder finds a spec key that c declares, inherits, or that one of
// its subcategories declares (a filter on the parent narrows to the
// subcategories that have the key).
func (t *Tree) SpecKeyUnder(c *Category, key string) (SpecKey, bool) {
	for _, k := range t.SpecKeys(c) {
		if k.Key == key {
			return k, true
		}
	}
	for _, id := range t.Subtree(c) {
		for _, k := range t.byID[id].OwnSpecKeys {
			if k.Key == key {
				return k, true
			}
		}
	}
	return SpecKey{}, false
}

// AnySpecKey finds a spec key declared by any category.
func (t *Tree) AnySpecKey(key string) (SpecKey, bool) {
	for _, c := range t.byID {
		for _, k := range c.OwnSpecKeys {
			if k.Key == key {
				return k, true
			}
		}
	}
	return SpecKey{}, false
}

// Trees loads the category tree and keeps it for a short time: it is read
// by every search and changes rarely. Writers call Invalidate.
type Trees struct {
	pool  *pgxpool.Pool
	clock clock.Clock
	ttl   time.Duration

	mu      sync.Mutex
	current *Tree
	loaded  time.Time
}

// NewTrees returns a cached tree loader.
func NewTrees(pool *pgxpool.Pool, clk clock.Clock, ttl time.Duration) *Trees {
	return &Trees{pool: pool, clock: clk, ttl: ttl}
}

// Invalidate drops the cached tree.
func (ts *Trees) Invalidate() {
	ts.mu.Lock()
	ts.current = nil
	ts.mu.Unlock()
}

// Get returns a tree no older than the TTL.
func (ts *Trees) Get(ctx context.Context) (*Tree, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.current != nil && ts.clock.Now().Sub(ts.loaded) < ts.ttl {
		return ts.current, nil
	}
	var t *Tree
	err := db.Retry(ctx, func(ctx context.Context) error {
		var err error
		t, err = loadTree(ctx, ts.pool)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load category tree: %w", err)
	}
	ts.current, ts.loaded = t, ts.clock.Now()
	return t, nil
}

func loadTree(ctx context.Context, q db.Querier) (*Tree, error) {
	t := &Tree{byID: map[string]*Category{}, bySlug: map[string]*Category{}}
	var all []*Category
	rows, err := q.Query(ctx, qs.SQL("Categories"))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		c := &Category{}
		var parent *string
		if err := rows.Scan(&c.ID, &c.Slug, &c.Name, &c.Description, &parent, &c.Position, &c.Version, &c.CreatedAt, &c.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		if parent != nil {
			c.ParentID = *parent
		}
		all = append(all, c)
		t.byID[c.ID] = c
		t.bySlug[c.Slug] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.Query(ctx, qs.SQL("CategorySpecKeys"))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var catID, valueType string
		var k SpecKey
		if err := rows.Scan(&catID, &k.Key, &k.DisplayName, &k.Unit, &valueType, &k.Facetable, &k.Position); err != nil {
			rows.Close()
			return nil, err
		}
		k.Numeric = valueType == "number"
		if c, ok := t.byID[catID]; ok {
			c.OwnSpecKeys = append(c.OwnSpecKeys, k)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	direct := map[string]int{}
	rows, err = q.Query(ctx, qs.SQL("ActiveProductCounts"))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		direct[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	for _, c := range all {
		if p, ok := t.byID[c.ParentID]; ok {
			p.Children = append(p.Children, c)
		} else {
			t.Roots = append(t.Roots, c)
		}
	}
	byPos := func(cs []*Category) {
		sort.SliceStable(cs, func(i, j int) bool {
			if cs[i].Position != cs[j].Position {
				return cs[i].Position < cs[j].Position
			}
			return cs[i].Name < cs[j].Name
		})
	}
	var count func(c *Category) int
	count = func(c *Category) int {
		byPos(c.Children)
		n := direct[c.ID]
		for _, ch := range c.Children {
			n += count(ch)
		}
		c.ProductCount = n
		return n
	}
	byPos(t.Roots)
	for _, r := range t.Roots {
		count(r)
	}
	return t, nil
}
