package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

type specValue struct {
	key, value, unit string
	num              *float64
}

// product is one row of products with its specs and images.
type product struct {
	id, categoryID [16]byte
	leaf           *category
	sku, slug      string
	name, brand    string
	description    string
	priceMinor     int64
	stock          int
	warranty       int
	weight         int
	status         string
	specText       string
	created        time.Time
	updated        time.Time
	specs          []specValue
	images         []string
	featured       bool
}

// featuredItem builds one of the Featured products.
type featuredItem struct {
	leaf  string
	build func() item
}

var featuredItems = []featuredItem{
	{"cpus", func() item { return named(cpuItem(findCPU("Ryzen 7 7800X3D"), "Boxed"), Featured[0]) }},
	{"cpus", func() item { return named(cpuItem(findCPU("Ryzen 5 7600X"), "Boxed"), Featured[1]) }},
	{"cpus", func() item { return named(cpuItem(findCPU("Core i7-14700K"), "Boxed"), Featured[2]) }},
	{"graphics-cards", func() item {
		return named(gpuItem(findChipset("GeForce RTX 4070", 12), gpuLine{brand: "NVIDIA", line: "Founders Edition", premium: 1, fans: 2}, false, ""), Featured[3])
	}},
	{"graphics-cards", func() item {
		return named(gpuItem(findChipset("GeForce RTX 4090", 24), findGPULine("ASUS", "ROG Strix"), true, ""), Featured[4])
	}},
	{"ssds", func() item { return named(ssdItem(findSSD("Samsung", "990 Pro"), 2000, false), Featured[5]) }},
	{"memory", func() item {
		return named(memoryItem(findMemoryLine("Corsair", "Vengeance"), memorySpeed{6000, 36}, memoryKit{2, 16}, ""), Featured[6])
	}},
	{"mice", func() item { return named(mouseItem(findMouse("Logitech", "MX Master 3S"), "Graphite"), Featured[7]) }},
}

const bStockSuffix = " (B-Stock)"

// bStock turns an item into its B-stock listing: a checked return, sold
// cheaper as its own product, as shops do.
func bStock(it item) item {
	it.name += bStockSuffix
	it.code += "B"
	it.euros *= 0.85
	it.sentences = append([]string{it.sentences[0], "B-stock: a checked, complete return with light signs of handling and the full warranty."}, it.sentences[1:]...)
	return it
}

func named(it item, name string) item {
	it.name = name
	return it
}

// redraws is how often a generator draws again for a name already taken;
// after exhaustedAfter products of a category still needed a series
// number, its variants are used up and it stops trying.
const (
	redraws        = 10
	exhaustedAfter = 25
)

// generator draws products: the featured ones first, then products of
// leaf categories picked by weight.
type generator struct {
	tree      *tree
	r, ids    *rand.Rand
	now       time.Time
	index     int
	names     map[string]int
	slugs     map[string]struct{}
	exhausted map[*category]int
	cumWeight []int
}

func newGenerator(t *tree, opts Options, ids *rand.Rand) *generator {
	g := &generator{tree: t, r: newRand(opts.Seed, streamProducts), ids: ids, now: opts.Now,
		names: map[string]int{}, slugs: map[string]struct{}{}, exhausted: map[*category]int{}}
	sum := 0
	for _, l := range t.leaves {
		sum += l.weight
		g.cumWeight = append(g.cumWeight, sum)
	}
	return g
}

func (g *generator) pickLeaf() *category {
	n := g.r.IntN(g.cumWeight[len(g.cumWeight)-1])
	for i, w := range g.cumWeight {
		if n < w {
			return g.tree.leaves[i]
		}
	}
	panic("unreachable")
}

func (g *generator) next(n int) []product {
	out := make([]product, 0, n)
	for range n {
		var p product
		if g.index < len(featuredItems) {
			f := featuredItems[g.index]
			p = g.finish(g.tree.bySlug[f.leaf], f.build(), true)
		} else {
			// Draw again (a few times) when the name is taken, so names
			// only need a series number once a category runs out of
			// model variants.
			leaf := g.pickLeaf()
			it := leaf.gen(g.r)
			for i := 0; i < redraws && g.exhausted[leaf] < exhaustedAfter; i++ {
				if g.names[it.name] == 0 {
					break
				}
				it = leaf.gen(g.r)
			}
			if g.names[it.name] > 0 && g.names[it.name+bStockSuffix] == 0 {
				it = bStock(it)
			}
			if g.names[it.name] > 0 {
				g.exhausted[leaf]++
			}
			p = g.finish(leaf, it, false)
		}
		out = append(out, p)
		g.index++
	}
	return out
}

// finish applies the rules every product follows.
func (g *generator) finish(leaf *category, it item, featured bool) product {
	r := g.r
	p := product{id: newID(g.ids), categoryID: leaf.id, leaf: leaf, brand: it.brand, featured: featured}

	// Names: a repeated name gets a series number, so every name is unique.
	base := it.name
	seen := g.names[base]
	g.names[base] = seen + 1
	p.name = base
	if seen > 0 {
		p.name = fmt.Sprintf("%s (Series %d)", base, seen+1)
	}
	p.slug = slugify(p.name)
	for i := 2; ; i++ {
		if _, taken := g.slugs[p.slug]; !taken {
			break
		}
		p.slug = fmt.Sprintf("%s-%d", slugify(p.name), i)
	}
	g.slugs[p.slug] = struct{}{}
	p.sku = fmt.Sprintf("%s-%s-%s-%06d", leaf.code, skuPart(it.brand, 8), skuPart(it.code, 14), g.index+1)

	p.priceMinor = shelfPrice(r, it.euros)
	switch {
	case featured:
		p.stock = 25 + r.IntN(150)
	case r.Float64() < 0.08:
		p.stock = 0
	default:
		u := r.Float64()
		p.stock = 1 + int(200*u*u)
	}
	p.status = "active"
	if !featured {
		switch u := r.Float64(); {
		case u >= 0.98:
			p.status = "archived"
		case u >= 0.95:
			p.status = "draft"
		}
	}
	p.warranty = min(max(it.warranty, 12), 60)
	p.weight = max(1, int(float64(it.weight)*(0.97+0.06*r.Float64())))
	age := time.Duration(r.Float64() * float64(730*24*time.Hour)).Truncate(time.Second)
	p.created = g.now.Add(-age)
	touched := r.Float64()
	p.updated = p.created.Add(time.Duration(touched * touched * touched * float64(age)).Truncate(time.Second))

	var words []string
	for i, k := range leaf.keys {
		if i >= len(it.specs) || it.specs[i] == "" {
			continue
		}
		v := specValue{key: k.key, value: it.specs[i], unit: k.unit}
		if k.number {
			f, err := strconv.ParseFloat(v.value, 64)
			if err != nil {
				panic(fmt.Sprintf("seed: spec %s of %q is not a number: %q", k.key, it.name, v.value))
			}
			v.num = &f
		}
		p.specs = append(p.specs, v)
		words = append(words, v.value)
	}
	p.specText = strings.Join(words, " ")

	desc := []string{it.sentences[0]}
	extra := append(slices.Clip(it.sentences[1:]), warrantySentence(p.warranty))
	for _, s := range extra {
		if len(desc) < 3 && r.IntN(2) == 0 {
			desc = append(desc, s)
		}
	}
	p.description = strings.Join(desc, " ")

	p.images = []string{leaf.imageSHA}
	if r.IntN(4) == 0 {
		p.images = append(p.images, leaf.parent.imageSHA)
	}
	return p
}

func warrantySentence(months int) string {
	if months%12 == 0 {
		years := months / 12
		if years == 1 {
			return "Covered by a one-year warranty."
		}
		return fmt.Sprintf("Covered by a %d-year warranty.", years)
	}
	return fmt.Sprintf("Covered by a %d-month warranty.", months)
}

// shelfPrice jitters a list price by up to 4% and gives it a shop-like
// ending (.99 mostly, some .90 and round euros), in cents.
func shelfPrice(r *rand.Rand, euros float64) int64 {
	e := math.Max(1, math.Round(euros*(0.96+0.08*r.Float64())))
	cents := int64(e) * 100
	switch u := r.Float64(); {
	case u < 0.7:
		return cents - 1
	case u < 0.9:
		return cents - 10
	default:
		return cents
	}
}

// slugify lowercases s and keeps runs of ASCII letters and digits joined
// by single hyphens ("27\" 1440p" -> "27-1440p").
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
		case c == '!' || c == '\'' || c == '+' || c == '.':
			// "be quiet!" -> "be-quiet", "80+" -> "80", "chromax.black" -> "chromaxblack"
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > 180 {
		out = strings.TrimRight(out[:180], "-")
	}
	return out
}

// skuPart keeps the upper-cased letters and digits of s, at most n.
func skuPart(s string, n int) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(s) {
		if (c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') && b.Len() < n {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "X"
	}
	return b.String()
}

// Small drawing helpers for the generators.

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func itoa(v int) string { return strconv.Itoa(v) }

// oneDecimal formats clocks the way spec sheets do ("5.0").
func oneDecimal(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// sizeLabel writes a capacity in GB as shops do: 512GB, 2TB.
func sizeLabel(gb int) string {
	if gb >= 1000 && gb%1000 == 0 {
		return fmt.Sprintf("%dTB", gb/1000)
	}
	return fmt.Sprintf("%dGB", gb)
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}
