package seed

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// specKey is a spec a leaf category declares.
type specKey struct {
	key, name, unit string
	number, facet   bool
}

func text(key, name string, facet bool) specKey { return specKey{key: key, name: name, facet: facet} }

func number(key, name, unit string, facet bool) specKey {
	return specKey{key: key, name: name, unit: unit, number: true, facet: facet}
}

// item is what a leaf's generator draws: one concrete product before the
// shared rules (name de-duplication, SKU, stock, status, dates) apply.
type item struct {
	brand string
	// name is the display name; duplicates get a series suffix later.
	name string
	// code is the model part of the SKU (letters and digits are kept).
	code string
	// specs are aligned with the leaf's keys; "" leaves a spec out.
	specs []string
	// euros is the list price before a small deterministic jitter.
	euros    float64
	weight   int
	warranty int
	// sentences: the first always goes into the description, one or two
	// of the others may follow.
	sentences []string
}

type category struct {
	id          [16]byte
	slug        string
	name        string
	description string
	parent      *category
	position    int

	// Leaves only.
	keys   []specKey
	weight int    // share of the products
	code   string // SKU prefix
	gen    func(r *rand.Rand) item
	motif  motif

	// The placeholder image of the category (leaf) or family (root).
	imageSHA string
	color    [3]uint8
}

type tree struct {
	roots, leaves, all []*category
	bySlug             map[string]*category
}

func (t *tree) specKeys() int {
	n := 0
	for _, l := range t.leaves {
		n += len(l.keys)
	}
	return n
}

type leafDef struct {
	slug, name, description string
	code                    string
	weight                  int
	keys                    []specKey
	gen                     func(r *rand.Rand) item
	motif                   motif
	color                   [3]uint8
}

type rootDef struct {
	slug, name, description string
	color                   [3]uint8
	leaves                  []leafDef
}

var catalogue = []rootDef{
	{slug: "components", name: "Components", description: "Everything that goes inside a PC.", color: [3]uint8{0x3b, 0x5b, 0xa9}, leaves: []leafDef{
		{slug: "cpus", name: "CPUs", code: "CPU", weight: 5, description: "Desktop processors from AMD and Intel.",
			keys: []specKey{text("socket", "Socket", true), number("cores", "Cores", "", true), number("threads", "Threads", "", false),
				number("base_clock", "Base clock", "GHz", false), number("boost_clock", "Boost clock", "GHz", false), number("tdp", "TDP", "W", true)},
			gen: genCPU, motif: motifChip, color: [3]uint8{0xd9, 0x48, 0x2b}},
		{slug: "graphics-cards", name: "Graphics Cards", code: "GPU", weight: 9, description: "GeForce, Radeon and Arc graphics cards.",
			keys: []specKey{text("chipset", "Chipset", true), number("memory", "Memory", "GB", true), text("memory_type", "Memory type", false),
				number("tdp", "Board power", "W", false)},
			gen: genGPU, motif: motifGPU, color: [3]uint8{0x4c, 0x9a, 0x2a}},
		{slug: "memory", name: "Memory", code: "RAM", weight: 8, description: "DDR4 and DDR5 desktop memory kits.",
			keys: []specKey{text("type", "Type", true), number("capacity", "Capacity", "GB", true), number("speed", "Speed", "MT/s", true),
				text("modules", "Modules", false), number("cas_latency", "CAS latency", "", false)},
			gen: genMemory, motif: motifStick, color: [3]uint8{0x8e, 0x44, 0xad}},
		{slug: "ssds", name: "SSDs", code: "SSD", weight: 8, description: "NVMe and SATA solid-state drives.",
			keys: []specKey{text("interface", "Interface", true), number("capacity", "Capacity", "GB", true), text("form_factor", "Form factor", true),
				number("read_speed", "Sequential read", "MB/s", false), number("write_speed", "Sequential write", "MB/s", false)},
			gen: genSSD, motif: motifM2, color: [3]uint8{0x16, 0xa0, 0x85}},
		{slug: "hard-drives", name: "Hard Drives", code: "HDD", weight: 4, description: "Desktop, NAS and surveillance hard drives.",
			keys: []specKey{text("interface", "Interface", true), number("capacity", "Capacity", "GB", true), text("form_factor", "Form factor", true),
				number("read_speed", "Sequential read", "MB/s", false), number("rpm", "Rotational speed", "rpm", true)},
			gen: genHDD, motif: motifPlatter, color: [3]uint8{0x5d, 0x6d, 0x7e}},
		{slug: "motherboards", name: "Motherboards", code: "MB", weight: 7, description: "AM4, AM5, LGA1700 and LGA1851 motherboards.",
			keys: []specKey{text("socket", "Socket", true), text("chipset", "Chipset", true), text("form_factor", "Form factor", true),
				text("memory_type", "Memory type", true), text("wifi", "Wi-Fi", false)},
			gen: genMotherboard, motif: motifBoard, color: [3]uint8{0x1e, 0x84, 0x49}},
		{slug: "power-supplies", name: "Power Supplies", code: "PSU", weight: 5, description: "ATX and SFX power supplies.",
			keys: []specKey{number("wattage", "Wattage", "W", true), text("efficiency", "Efficiency", true), text("modular", "Modular", true),
				text("form_factor", "Form factor", false)},
			gen: genPSU, motif: motifPSU, color: [3]uint8{0xf3, 0x9c, 0x12}},
		{slug: "cases", name: "Cases", code: "CASE", weight: 6, description: "Towers and small form factor cases.",
			keys: []specKey{text("form_factor", "Form factor", true), text("color", "Colour", true), text("side_panel", "Side panel", false)},
			gen:  genCase, motif: motifTower, color: [3]uint8{0x34, 0x49, 0x5e}},
		{slug: "cooling", name: "Cooling", code: "COOL", weight: 6, description: "CPU coolers, all-in-one liquid coolers and case fans.",
			keys: []specKey{text("type", "Type", true), number("fan_size", "Fan size", "mm", true), number("fan_count", "Fans", "", false),
				number("radiator_size", "Radiator", "mm", true), text("color", "Colour", false)},
			gen: genCooling, motif: motifFan, color: [3]uint8{0x29, 0x80, 0xb9}},
	}},
	{slug: "computers", name: "Computers", description: "Ready-to-use computers.", color: [3]uint8{0x7f, 0x8c, 0x8d}, leaves: []leafDef{
		{slug: "laptops", name: "Laptops", code: "LAP", weight: 8, description: "Ultrabooks, business and gaming laptops.",
			keys: []specKey{text("cpu", "Processor", true), number("ram", "Memory", "GB", true), number("screen_size", "Screen size", "inch", true),
				number("storage", "Storage", "GB", true), text("gpu", "Graphics", true)},
			gen: genLaptop, motif: motifLaptop, color: [3]uint8{0x95, 0xa5, 0xa6}},
	}},
	{slug: "displays", name: "Displays", description: "Monitors for work and play.", color: [3]uint8{0xc0, 0x39, 0x2b}, leaves: []leafDef{
		{slug: "monitors", name: "Monitors", code: "MON", weight: 8, description: "Office, creator and gaming monitors.",
			keys: []specKey{number("screen_size", "Screen size", "inch", true), text("resolution", "Resolution", true),
				number("refresh_rate", "Refresh rate", "Hz", true), text("panel", "Panel", true)},
			gen: genMonitor, motif: motifMonitor, color: [3]uint8{0xe7, 0x4c, 0x3c}},
	}},
	{slug: "peripherals", name: "Peripherals", description: "Keyboards, mice and headsets.", color: [3]uint8{0xd3, 0x54, 0x00}, leaves: []leafDef{
		{slug: "keyboards", name: "Keyboards", code: "KBD", weight: 5, description: "Mechanical, low-profile and office keyboards.",
			keys: []specKey{text("switch_type", "Switches", true), text("layout", "Layout", true), text("wireless", "Wireless", true)},
			gen:  genKeyboard, motif: motifKeyboard, color: [3]uint8{0xe6, 0x7e, 0x22}},
		{slug: "mice", name: "Mice", code: "MOUSE", weight: 5, description: "Gaming and productivity mice.",
			keys: []specKey{number("dpi", "Max DPI", "dpi", true), text("wireless", "Wireless", true), number("buttons", "Buttons", "", false),
				text("color", "Colour", false)},
			gen: genMouse, motif: motifMouse, color: [3]uint8{0xf1, 0xc4, 0x0f}},
		{slug: "headsets", name: "Headsets", code: "HEAD", weight: 4, description: "Gaming and office headsets.",
			keys: []specKey{text("wireless", "Wireless", true), text("connection", "Connection", true), number("driver_size", "Driver size", "mm", false),
				text("color", "Colour", false)},
			gen: genHeadset, motif: motifHeadset, color: [3]uint8{0xa0, 0x40, 0x00}},
	}},
	{slug: "networking", name: "Networking", description: "Routers, switches and network adapters.", color: [3]uint8{0x2c, 0x3e, 0x50}, leaves: []leafDef{
		{slug: "routers", name: "Routers", code: "RTR", weight: 3, description: "Wi-Fi routers and mesh systems.",
			keys: []specKey{text("wifi_standard", "Wi-Fi standard", true), number("speed", "Max speed", "Mbps", true),
				number("ports", "LAN ports", "", false), text("mesh", "Mesh", true)},
			gen: genRouter, motif: motifRouter, color: [3]uint8{0x00, 0x7a, 0x87}},
		{slug: "switches", name: "Switches", code: "SW", weight: 3, description: "Unmanaged, smart and managed Ethernet switches.",
			keys: []specKey{number("ports", "Ports", "", true), text("speed", "Port speed", true), text("management", "Management", true),
				text("poe", "PoE", true)},
			gen: genSwitch, motif: motifSwitch, color: [3]uint8{0x3d, 0x5a, 0x80}},
		{slug: "network-adapters", name: "Network Adapters", code: "NIC", weight: 3, description: "Ethernet and Wi-Fi adapters for PCIe and USB.",
			keys: []specKey{text("type", "Type", true), text("interface", "Interface", true), number("speed", "Max speed", "Mbps", true),
				text("wifi_standard", "Wi-Fi standard", true)},
			gen: genAdapter, motif: motifAdapter, color: [3]uint8{0x6c, 0x5c, 0xe7}},
	}},
}

// newID draws a version-4 UUID from r, so ids are deterministic too.
func newID(r *rand.Rand) [16]byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], r.Uint64())
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

func buildTree(ids *rand.Rand) *tree {
	t := &tree{bySlug: map[string]*category{}}
	for i, rd := range catalogue {
		root := &category{id: newID(ids), slug: rd.slug, name: rd.name, description: rd.description, position: i, color: rd.color, motif: motifFamily}
		t.roots = append(t.roots, root)
		t.all = append(t.all, root)
		t.bySlug[root.slug] = root
		for j, ld := range rd.leaves {
			leaf := &category{id: newID(ids), slug: ld.slug, name: ld.name, description: ld.description, parent: root, position: j,
				keys: ld.keys, weight: ld.weight, code: ld.code, gen: ld.gen, motif: ld.motif, color: ld.color}
			t.leaves = append(t.leaves, leaf)
			t.all = append(t.all, leaf)
			t.bySlug[leaf.slug] = leaf
		}
	}
	return t
}

func insertTree(ctx context.Context, tx pgx.Tx, t *tree, now time.Time) error {
	created := now.AddDate(-2, 0, -7)
	for _, c := range t.all {
		var parent any
		if c.parent != nil {
			parent = c.parent.id
		}
		if _, err := tx.Exec(ctx, `INSERT INTO categories (id, slug, name, description, parent_id, position, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, c.id, c.slug, c.name, c.description, parent, c.position, created); err != nil {
			return fmt.Errorf("insert category %s: %w", c.slug, err)
		}
	}
	var rows [][]any
	for _, l := range t.leaves {
		for i, k := range l.keys {
			vt := "text"
			if k.number {
				vt = "number"
			}
			rows = append(rows, []any{l.id, k.key, k.name, k.unit, vt, k.facet, i})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"category_spec_keys"},
		[]string{"category_id", "key", "display_name", "unit", "value_type", "facetable", "position"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy category spec keys: %w", err)
	}
	return nil
}
