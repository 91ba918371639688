package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// ---- CPUs

type cpuModel struct {
	brand, model, socket string
	cores, threads       int
	base, boost          float64
	tdp                  int
	euros                float64
	graphics             bool
}

var cpuModels = []cpuModel{
	{"AMD", "Ryzen 5 5600", "AM4", 6, 12, 3.5, 4.4, 65, 109, false},
	{"AMD", "Ryzen 5 5600X", "AM4", 6, 12, 3.7, 4.6, 65, 129, false},
	{"AMD", "Ryzen 7 5700X", "AM4", 8, 16, 3.4, 4.6, 65, 149, false},
	{"AMD", "Ryzen 7 5800X3D", "AM4", 8, 16, 3.4, 4.5, 105, 289, false},
	{"AMD", "Ryzen 9 5900X", "AM4", 12, 24, 3.7, 4.8, 105, 269, false},
	{"AMD", "Ryzen 9 5950X", "AM4", 16, 32, 3.4, 4.9, 105, 379, false},
	{"AMD", "Ryzen 5 7600", "AM5", 6, 12, 3.8, 5.1, 65, 189, true},
	{"AMD", "Ryzen 5 7600X", "AM5", 6, 12, 4.7, 5.3, 105, 209, true},
	{"AMD", "Ryzen 7 7700", "AM5", 8, 16, 3.8, 5.3, 65, 259, true},
	{"AMD", "Ryzen 7 7700X", "AM5", 8, 16, 4.5, 5.4, 105, 279, true},
	{"AMD", "Ryzen 7 7800X3D", "AM5", 8, 16, 4.2, 5.0, 120, 389, true},
	{"AMD", "Ryzen 9 7900X", "AM5", 12, 24, 4.7, 5.6, 170, 379, true},
	{"AMD", "Ryzen 9 7950X", "AM5", 16, 32, 4.5, 5.7, 170, 529, true},
	{"AMD", "Ryzen 9 7950X3D", "AM5", 16, 32, 4.2, 5.7, 120, 599, true},
	{"AMD", "Ryzen 5 9600X", "AM5", 6, 12, 3.9, 5.4, 65, 249, true},
	{"AMD", "Ryzen 7 9700X", "AM5", 8, 16, 3.8, 5.5, 65, 329, true},
	{"AMD", "Ryzen 7 9800X3D", "AM5", 8, 16, 4.7, 5.2, 120, 499, true},
	{"AMD", "Ryzen 9 9900X", "AM5", 12, 24, 4.4, 5.6, 120, 429, true},
	{"AMD", "Ryzen 9 9950X", "AM5", 16, 32, 4.3, 5.7, 170, 619, true},
	{"Intel", "Core i3-12100F", "LGA1700", 4, 8, 3.3, 4.3, 58, 79, false},
	{"Intel", "Core i5-12400F", "LGA1700", 6, 12, 2.5, 4.4, 65, 119, false},
	{"Intel", "Core i5-13400F", "LGA1700", 10, 16, 2.5, 4.6, 65, 179, false},
	{"Intel", "Core i5-13600K", "LGA1700", 14, 20, 3.5, 5.1, 125, 289, true},
	{"Intel", "Core i5-14400F", "LGA1700", 10, 16, 2.5, 4.7, 65, 189, false},
	{"Intel", "Core i5-14600K", "LGA1700", 14, 20, 3.5, 5.3, 125, 299, true},
	{"Intel", "Core i7-13700K", "LGA1700", 16, 24, 3.4, 5.4, 125, 379, true},
	{"Intel", "Core i7-14700K", "LGA1700", 20, 28, 3.4, 5.6, 125, 409, true},
	{"Intel", "Core i7-14700F", "LGA1700", 20, 28, 2.1, 5.4, 65, 359, false},
	{"Intel", "Core i9-13900K", "LGA1700", 24, 32, 3.0, 5.8, 125, 549, true},
	{"Intel", "Core i9-14900K", "LGA1700", 24, 32, 3.2, 6.0, 125, 579, true},
	{"Intel", "Core Ultra 5 245K", "LGA1851", 14, 14, 4.2, 5.2, 125, 319, true},
	{"Intel", "Core Ultra 7 265K", "LGA1851", 20, 20, 3.9, 5.5, 125, 399, true},
	{"Intel", "Core Ultra 9 285K", "LGA1851", 24, 24, 3.7, 5.7, 125, 629, true},
	{"AMD", "Ryzen 5 5500", "AM4", 6, 12, 3.6, 4.2, 65, 79, false},
	{"AMD", "Ryzen 5 5600G", "AM4", 6, 12, 3.9, 4.4, 65, 119, true},
	{"AMD", "Ryzen 7 5700G", "AM4", 8, 16, 3.8, 4.6, 65, 159, true},
	{"AMD", "Ryzen 7 5700X3D", "AM4", 8, 16, 3.0, 4.1, 105, 219, false},
	{"AMD", "Ryzen 5 7500F", "AM5", 6, 12, 3.7, 5.0, 65, 149, false},
	{"AMD", "Ryzen 5 8600G", "AM5", 6, 12, 4.3, 5.0, 65, 199, true},
	{"AMD", "Ryzen 7 8700G", "AM5", 8, 16, 4.2, 5.1, 65, 289, true},
	{"AMD", "Ryzen 9 7900", "AM5", 12, 24, 3.7, 5.4, 65, 359, true},
	{"AMD", "Ryzen 9 9900X3D", "AM5", 12, 24, 4.4, 5.5, 120, 629, true},
	{"AMD", "Ryzen 9 9950X3D", "AM5", 16, 32, 4.3, 5.7, 170, 749, true},
	{"Intel", "Core i3-14100F", "LGA1700", 4, 8, 3.5, 4.7, 58, 99, false},
	{"Intel", "Core i5-12600K", "LGA1700", 10, 16, 3.7, 4.9, 125, 199, true},
	{"Intel", "Core i5-14400", "LGA1700", 10, 16, 2.5, 4.7, 65, 219, true},
	{"Intel", "Core i5-14600KF", "LGA1700", 14, 20, 3.5, 5.3, 125, 279, false},
	{"Intel", "Core i7-12700K", "LGA1700", 12, 20, 3.6, 5.0, 125, 269, true},
	{"Intel", "Core i7-14700KF", "LGA1700", 20, 28, 3.4, 5.6, 125, 389, false},
	{"Intel", "Core i9-14900KF", "LGA1700", 24, 32, 3.2, 6.0, 125, 559, false},
	{"Intel", "Core Ultra 5 225", "LGA1851", 10, 10, 3.3, 4.9, 65, 239, true},
	{"Intel", "Core Ultra 5 245KF", "LGA1851", 14, 14, 4.2, 5.2, 125, 299, false},
	{"Intel", "Core Ultra 7 265KF", "LGA1851", 20, 20, 3.9, 5.5, 125, 379, false},
}

func findCPU(model string) cpuModel {
	for _, m := range cpuModels {
		if m.model == model {
			return m
		}
	}
	panic("seed: unknown CPU " + model)
}

func genCPU(r *rand.Rand) item {
	m := pick(r, cpuModels)
	pack := "Boxed"
	switch u := r.Float64(); {
	case u < 0.25:
		pack = "Tray"
	case u < 0.30:
		pack = "MPK"
	}
	return cpuItem(m, pack)
}

func cpuItem(m cpuModel, pack string) item {
	fields := strings.Fields(m.model)
	it := item{
		brand:    m.brand,
		name:     m.brand + " " + m.model + " " + pack,
		code:     fields[len(fields)-1] + pack[:1],
		specs:    []string{m.socket, itoa(m.cores), itoa(m.threads), oneDecimal(m.base), oneDecimal(m.boost), itoa(m.tdp)},
		euros:    m.euros,
		weight:   180,
		warranty: 36,
		sentences: []string{
			fmt.Sprintf("The %s %s has %d cores and %d threads for socket %s, boosting up to %s GHz.", m.brand, m.model, m.cores, m.threads, m.socket, oneDecimal(m.boost)),
		},
	}
	switch pack {
	case "Tray":
		it.euros *= 0.96
		it.weight, it.warranty = 40, 12
		it.sentences = append(it.sentences, "Tray version: the processor only, without cooler or retail box.")
	case "MPK":
		it.euros *= 0.98
		it.weight = 60
		it.sentences = append(it.sentences, "Multi-pack version for system builders, without cooler.")
	default:
		it.sentences = append(it.sentences, "Retail box with the manufacturer's warranty.")
	}
	if m.tdp <= 65 {
		it.sentences = append(it.sentences, fmt.Sprintf("At %d W TDP a modest air cooler keeps it quiet.", m.tdp))
	} else {
		it.sentences = append(it.sentences, fmt.Sprintf("Rated at %d W TDP: pair it with a capable tower cooler or an AIO.", m.tdp))
	}
	if strings.HasSuffix(m.model, "X3D") {
		it.sentences = append(it.sentences, "Its 3D V-Cache makes it one of the fastest gaming processors around.")
	}
	if m.graphics {
		it.sentences = append(it.sentences, "Integrated graphics let it run without a graphics card.")
	} else {
		it.sentences = append(it.sentences, "It has no integrated graphics, so it needs a graphics card.")
	}
	return it
}

// ---- Graphics cards

type gpuChipset struct {
	name, vendor string
	memory       int
	memoryType   string
	tdp          int
	euros        float64
}

var gpuChipsets = []gpuChipset{
	{"GeForce RTX 3060", "NVIDIA", 12, "GDDR6", 170, 289},
	{"GeForce RTX 4060", "NVIDIA", 8, "GDDR6", 115, 299},
	{"GeForce RTX 4060 Ti", "NVIDIA", 8, "GDDR6", 160, 399},
	{"GeForce RTX 4060 Ti", "NVIDIA", 16, "GDDR6", 165, 469},
	{"GeForce RTX 4070", "NVIDIA", 12, "GDDR6X", 200, 569},
	{"GeForce RTX 4070 Super", "NVIDIA", 12, "GDDR6X", 220, 619},
	{"GeForce RTX 4070 Ti Super", "NVIDIA", 16, "GDDR6X", 285, 829},
	{"GeForce RTX 4080 Super", "NVIDIA", 16, "GDDR6X", 320, 1049},
	{"GeForce RTX 4090", "NVIDIA", 24, "GDDR6X", 450, 1899},
	{"GeForce RTX 5070", "NVIDIA", 12, "GDDR7", 250, 649},
	{"GeForce RTX 5070 Ti", "NVIDIA", 16, "GDDR7", 300, 879},
	{"GeForce RTX 5080", "NVIDIA", 16, "GDDR7", 360, 1199},
	{"Radeon RX 7600", "AMD", 8, "GDDR6", 165, 269},
	{"Radeon RX 7700 XT", "AMD", 12, "GDDR6", 245, 419},
	{"Radeon RX 7800 XT", "AMD", 16, "GDDR6", 263, 499},
	{"Radeon RX 7900 GRE", "AMD", 16, "GDDR6", 260, 559},
	{"Radeon RX 7900 XT", "AMD", 20, "GDDR6", 315, 719},
	{"Radeon RX 7900 XTX", "AMD", 24, "GDDR6", 355, 929},
	{"Radeon RX 9070 XT", "AMD", 16, "GDDR6", 304, 689},
	{"Arc B580", "Intel", 12, "GDDR6", 190, 289},
}

type gpuLine struct {
	brand, line string
	premium     float64
	fans        int
	oc, white   bool
	warranty    int
}

var gpuLines = map[string][]gpuLine{
	"NVIDIA": {
		{"ASUS", "Dual", 1.00, 2, true, true, 36}, {"ASUS", "TUF Gaming", 1.08, 3, true, false, 36},
		{"ASUS", "ROG Strix", 1.20, 3, true, true, 36}, {"ASUS", "ProArt", 1.12, 3, true, false, 36},
		{"MSI", "Ventus 2X", 0.99, 2, true, true, 36}, {"MSI", "Ventus 3X", 1.02, 3, true, false, 36},
		{"MSI", "Gaming X Trio", 1.09, 3, false, true, 36}, {"MSI", "Gaming X Slim", 1.07, 3, false, true, 36},
		{"MSI", "Suprim X", 1.15, 3, false, false, 36},
		{"Gigabyte", "Windforce", 0.99, 3, true, false, 36}, {"Gigabyte", "Eagle", 1.02, 3, true, true, 36},
		{"Gigabyte", "Gaming OC", 1.06, 3, false, false, 36}, {"Gigabyte", "Aero OC", 1.10, 3, false, false, 36},
		{"Gigabyte", "Aorus Master", 1.18, 3, false, false, 48},
		{"Zotac", "Twin Edge", 0.98, 2, true, true, 24}, {"Zotac", "Trinity", 1.03, 3, true, true, 24},
		{"Zotac", "AMP Extreme Airo", 1.12, 3, false, false, 24},
		{"Palit", "Dual", 0.98, 2, true, false, 24}, {"Palit", "GamingPro", 1.01, 3, true, true, 24},
		{"PNY", "Verto", 0.99, 3, true, false, 36}, {"PNY", "XLR8 Gaming Verto Epic-X RGB", 1.06, 3, true, false, 36},
	},
	"AMD": {
		{"Sapphire", "Pulse", 1.00, 2, false, false, 24}, {"Sapphire", "Nitro+", 1.10, 3, false, false, 24},
		{"PowerColor", "Fighter", 0.98, 2, false, false, 24}, {"PowerColor", "Hellhound", 1.03, 3, false, true, 24},
		{"PowerColor", "Red Devil", 1.10, 3, false, false, 24},
		{"XFX", "Speedster SWFT", 1.00, 3, false, false, 24}, {"XFX", "Speedster MERC", 1.08, 3, false, false, 24},
		{"ASUS", "Dual", 1.00, 2, true, false, 36}, {"ASUS", "TUF Gaming", 1.08, 3, true, false, 36},
		{"Gigabyte", "Gaming OC", 1.05, 3, false, false, 36},
		{"ASRock", "Challenger", 0.98, 2, true, false, 24}, {"ASRock", "Steel Legend", 1.04, 3, true, true, 24},
		{"ASRock", "Taichi", 1.12, 3, true, false, 24},
	},
	"Intel": {
		{"ASRock", "Challenger", 1.00, 2, true, false, 24}, {"ASRock", "Steel Legend", 1.04, 3, false, true, 24},
		{"Sparkle", "Titan", 1.03, 3, true, false, 24}, {"Sparkle", "Guardian", 1.00, 3, true, false, 24},
		{"Intel", "Limited Edition", 1.00, 2, false, false, 36},
	},
}

func findChipset(name string, memory int) gpuChipset {
	for _, c := range gpuChipsets {
		if c.name == name && c.memory == memory {
			return c
		}
	}
	panic("seed: unknown chipset " + name)
}

func findGPULine(brand, line string) gpuLine {
	for _, l := range gpuLines["NVIDIA"] {
		if l.brand == brand && l.line == line {
			return l
		}
	}
	panic("seed: unknown GPU line " + line)
}

func genGPU(r *rand.Rand) item {
	c := pick(r, gpuChipsets)
	l := pick(r, gpuLines[c.vendor])
	oc := l.oc && chance(r, 0.5)
	colour := ""
	if l.white && chance(r, 0.3) {
		colour = "White"
	}
	return gpuItem(c, l, oc, colour)
}

func gpuItem(c gpuChipset, l gpuLine, oc bool, colour string) item {
	name := l.brand + " " + c.name + " " + l.line
	if c.vendor == "Intel" {
		name = l.brand + " Intel " + c.name + " " + l.line
	}
	euros := c.euros * l.premium
	if oc {
		name += " OC"
		euros *= 1.03
	}
	if colour != "" {
		name += " " + colour
		euros *= 1.02
	}
	name += fmt.Sprintf(" %dG", c.memory)
	psu := (c.tdp*2 + 250) / 50 * 50
	it := item{
		brand:    l.brand,
		name:     name,
		code:     strings.NewReplacer("GeForce", "", "Radeon", "", "Super", "S", "Ti", "T").Replace(c.name) + strings.Fields(l.line)[0],
		specs:    []string{c.name, itoa(c.memory), c.memoryType, itoa(c.tdp)},
		euros:    euros,
		weight:   500 + c.tdp*3 + l.fans*150,
		warranty: max(l.warranty, 24),
		sentences: []string{
			fmt.Sprintf("%s with %d GB %s on %s's %s cooler with %d fans%s.", c.name, c.memory, c.memoryType, l.brand, l.line, l.fans,
				map[bool]string{true: ", factory overclocked", false: ""}[oc]),
			fmt.Sprintf("Board power is %d W; a %d W power supply is recommended.", c.tdp, psu),
		},
	}
	switch c.vendor {
	case "NVIDIA":
		it.sentences = append(it.sentences, "Supports DLSS, ray tracing and NVENC AV1 encoding.")
	case "AMD":
		it.sentences = append(it.sentences, "Supports FSR, ray tracing and AV1 encoding.")
	default:
		it.sentences = append(it.sentences, "Supports XeSS, ray tracing and AV1 encoding.")
	}
	if colour != "" {
		it.sentences = append(it.sentences, "The white shroud and backplate suit a white build.")
	}
	return it
}

// ---- Memory

type memoryLine struct {
	brand, line, ddr string
	premium          float64
	colours          []string
}

type memorySpeed struct{ speed, cl int }

type memoryKit struct{ modules, size int }

var memoryLines = []memoryLine{
	{"Corsair", "Vengeance", "DDR5", 1.00, []string{"Black", "White"}},
	{"Corsair", "Vengeance RGB", "DDR5", 1.10, []string{"Black", "White"}},
	{"Corsair", "Dominator Titanium", "DDR5", 1.35, []string{"Black", "White"}},
	{"Corsair", "Vengeance LPX", "DDR4", 1.00, []string{"Black", "White"}},
	{"Kingston", "Fury Beast", "DDR5", 0.98, []string{"Black", "White"}},
	{"Kingston", "Fury Beast RGB", "DDR5", 1.06, []string{"Black", "White"}},
	{"Kingston", "Fury Renegade", "DDR5", 1.15, []string{"Black"}},
	{"Kingston", "Fury Beast", "DDR4", 0.98, []string{"Black"}},
	{"G.Skill", "Ripjaws S5", "DDR5", 0.99, []string{"Black", "White"}},
	{"G.Skill", "Trident Z5 RGB", "DDR5", 1.15, []string{"Black", "Silver"}},
	{"G.Skill", "Trident Z5 Neo RGB", "DDR5", 1.16, []string{"Black"}},
	{"G.Skill", "Flare X5", "DDR5", 1.02, []string{"Black"}},
	{"G.Skill", "Ripjaws V", "DDR4", 0.97, []string{"Black", "Red"}},
	{"G.Skill", "Trident Z Neo", "DDR4", 1.12, []string{"Black"}},
	{"Crucial", "Pro", "DDR5", 0.95, []string{"Black"}},
	{"Crucial", "Classic", "DDR5", 0.90, []string{"Green"}},
	{"Crucial", "Pro", "DDR4", 0.95, []string{"Black"}},
	{"TeamGroup", "T-Force Delta RGB", "DDR5", 1.05, []string{"Black", "White"}},
	{"TeamGroup", "T-Create Expert", "DDR5", 1.00, []string{"Black"}},
}

var memorySpeeds = map[string][]memorySpeed{
	"DDR5": {{4800, 40}, {5200, 40}, {5600, 36}, {5600, 40}, {6000, 30}, {6000, 36}, {6400, 32}, {7200, 34}},
	"DDR4": {{3200, 16}, {3600, 16}, {3600, 18}, {4000, 18}},
}

var memoryKits = map[string][]memoryKit{
	"DDR5": {{1, 16}, {2, 8}, {2, 16}, {2, 16}, {2, 24}, {2, 32}, {2, 32}, {2, 48}, {4, 16}, {1, 32}},
	"DDR4": {{1, 8}, {1, 16}, {2, 8}, {2, 16}, {2, 16}, {2, 32}, {4, 8}, {4, 16}},
}

func findMemoryLine(brand, line string) memoryLine {
	for _, l := range memoryLines {
		if l.brand == brand && l.line == line {
			return l
		}
	}
	panic("seed: unknown memory line " + line)
}

func genMemory(r *rand.Rand) item {
	l := pick(r, memoryLines)
	colour := ""
	if len(l.colours) > 1 || chance(r, 0.5) {
		colour = pick(r, l.colours)
	}
	return memoryItem(l, pick(r, memorySpeeds[l.ddr]), pick(r, memoryKits[l.ddr]), colour)
}

func memoryItem(l memoryLine, s memorySpeed, k memoryKit, colour string) item {
	capacity := k.modules * k.size
	modules := fmt.Sprintf("%dx%dGB", k.modules, k.size)
	name := fmt.Sprintf("%s %s %s-%d %dGB (%s) CL%d", l.brand, l.line, l.ddr, s.speed, capacity, modules, s.cl)
	if colour != "" {
		name += " " + colour
	}
	perGB := 2.9
	speedPremium := float64(s.speed-4800) / 1000 * 0.18
	if l.ddr == "DDR4" {
		perGB, speedPremium = 2.1, float64(s.speed-3200)/1000*0.2
	}
	euros := 12 + float64(capacity)*perGB*(1+speedPremium)*l.premium
	if s.cl <= 30 || (l.ddr == "DDR4" && s.cl <= 16) {
		euros *= 1.06
	}
	rgb := ""
	if strings.Contains(l.line, "RGB") {
		rgb = " Addressable RGB lighting can be synced with the major motherboard tools."
	}
	return item{
		brand:    l.brand,
		name:     name,
		code:     fmt.Sprintf("%s%d%dG", skuPart(l.line, 4), s.speed, capacity),
		specs:    []string{l.ddr, itoa(capacity), itoa(s.speed), modules, itoa(s.cl)},
		euros:    euros,
		weight:   30 + 35*k.modules,
		warranty: 60,
		sentences: []string{
			fmt.Sprintf("%d GB of %s in a %s kit, rated at %d MT/s with CL%d timings.", capacity, l.ddr, modules, s.speed, s.cl),
			map[string]string{"DDR5": "An EXPO/XMP 3.0 profile sets the rated speed in one click.", "DDR4": "An XMP 2.0 profile sets the rated speed in one click."}[l.ddr] + rgb,
			"Every module is tested at the rated speed before it ships.",
		},
	}
}

// ---- SSDs

type ssdModel struct {
	brand, line, iface, form string
	read, write              int
	sizes                    []int
	perTB                    float64
	heatsink                 bool
	warranty                 int
}

var ssdModels = []ssdModel{
	{"Samsung", "990 Pro", "NVMe PCIe 4.0 x4", "M.2 2280", 7450, 6900, []int{1000, 2000, 4000}, 85, true, 60},
	{"Samsung", "990 Evo Plus", "NVMe PCIe 4.0 x4", "M.2 2280", 7250, 6300, []int{1000, 2000, 4000}, 65, false, 60},
	{"Samsung", "9100 Pro", "NVMe PCIe 5.0 x4", "M.2 2280", 14700, 13300, []int{1000, 2000, 4000}, 120, true, 60},
	{"Samsung", "870 Evo", "SATA 6Gb/s", "2.5\"", 560, 530, []int{500, 1000, 2000, 4000}, 70, false, 60},
	{"WD", "Black SN850X", "NVMe PCIe 4.0 x4", "M.2 2280", 7300, 6600, []int{1000, 2000, 4000}, 75, true, 60},
	{"WD", "Blue SN580", "NVMe PCIe 4.0 x4", "M.2 2280", 4150, 4150, []int{500, 1000, 2000}, 55, false, 60},
	{"WD", "Red SN700", "NVMe PCIe 3.0 x4", "M.2 2280", 3430, 3000, []int{500, 1000, 2000, 4000}, 90, false, 60},
	{"WD", "Blue SA510", "SATA 6Gb/s", "2.5\"", 560, 520, []int{500, 1000, 2000}, 55, false, 36},
	{"Crucial", "T500", "NVMe PCIe 4.0 x4", "M.2 2280", 7400, 7000, []int{500, 1000, 2000}, 65, true, 60},
	{"Crucial", "P3 Plus", "NVMe PCIe 4.0 x4", "M.2 2280", 5000, 4200, []int{500, 1000, 2000, 4000}, 50, false, 60},
	{"Crucial", "T705", "NVMe PCIe 5.0 x4", "M.2 2280", 14500, 12700, []int{1000, 2000, 4000}, 125, true, 60},
	{"Crucial", "MX500", "SATA 6Gb/s", "2.5\"", 560, 510, []int{500, 1000, 2000, 4000}, 58, false, 60},
	{"Kingston", "KC3000", "NVMe PCIe 4.0 x4", "M.2 2280", 7000, 7000, []int{512, 1024, 2048, 4096}, 62, false, 60},
	{"Kingston", "NV3", "NVMe PCIe 4.0 x4", "M.2 2280", 6000, 5000, []int{500, 1000, 2000, 4000}, 48, false, 36},
	{"Kingston", "A400", "SATA 6Gb/s", "2.5\"", 500, 450, []int{240, 480, 960}, 50, false, 36},
	{"Kingston", "Fury Renegade", "NVMe PCIe 4.0 x4", "M.2 2280", 7300, 7000, []int{500, 1000, 2000, 4000}, 78, true, 60},
	{"Seagate", "FireCuda 530R", "NVMe PCIe 4.0 x4", "M.2 2280", 7400, 7000, []int{1000, 2000, 4000}, 80, true, 60},
	{"Corsair", "MP600 Pro LPX", "NVMe PCIe 4.0 x4", "M.2 2280", 7100, 6800, []int{500, 1000, 2000, 4000}, 72, false, 60},
	{"Corsair", "MP700 Pro", "NVMe PCIe 5.0 x4", "M.2 2280", 12400, 11800, []int{1000, 2000, 4000}, 115, true, 60},
	{"Lexar", "NM790", "NVMe PCIe 4.0 x4", "M.2 2280", 7400, 6500, []int{1000, 2000, 4000}, 55, false, 60},
	{"Samsung", "990 Evo", "NVMe PCIe 4.0 x4", "M.2 2280", 5000, 4200, []int{1000, 2000}, 60, false, 60},
	{"Samsung", "980", "NVMe PCIe 3.0 x4", "M.2 2280", 3500, 3000, []int{500, 1000}, 58, false, 60},
	{"WD", "Black SN770", "NVMe PCIe 4.0 x4", "M.2 2280", 5150, 4900, []int{500, 1000, 2000}, 58, false, 60},
	{"WD", "Black SN8100", "NVMe PCIe 5.0 x4", "M.2 2280", 14900, 14000, []int{1000, 2000, 4000}, 130, true, 60},
	{"Crucial", "P310", "NVMe PCIe 4.0 x4", "M.2 2280", 7100, 6000, []int{500, 1000, 2000}, 55, false, 60},
	{"Crucial", "BX500", "SATA 6Gb/s", "2.5\"", 550, 500, []int{500, 1000, 2000}, 50, false, 36},
	{"Kingston", "KC600", "SATA 6Gb/s", "2.5\"", 550, 520, []int{256, 512, 1024, 2048}, 60, false, 60},
	{"Kingston", "Fury Renegade G5", "NVMe PCIe 5.0 x4", "M.2 2280", 14700, 14000, []int{1024, 2048, 4096}, 115, false, 60},
	{"Solidigm", "P44 Pro", "NVMe PCIe 4.0 x4", "M.2 2280", 7000, 6500, []int{512, 1024, 2048}, 62, false, 60},
	{"Solidigm", "P41 Plus", "NVMe PCIe 4.0 x4", "M.2 2280", 4125, 3325, []int{512, 1024, 2048}, 48, false, 60},
	{"SK hynix", "Platinum P41", "NVMe PCIe 4.0 x4", "M.2 2280", 7000, 6500, []int{500, 1000, 2000}, 70, false, 60},
	{"Corsair", "MP600 Elite", "NVMe PCIe 4.0 x4", "M.2 2280", 7000, 6500, []int{1000, 2000, 4000}, 68, true, 60},
	{"Lexar", "NM710", "NVMe PCIe 4.0 x4", "M.2 2280", 5000, 4500, []int{500, 1000, 2000}, 48, false, 60},
	{"TeamGroup", "MP44", "NVMe PCIe 4.0 x4", "M.2 2280", 7400, 6500, []int{1000, 2000, 4000}, 55, false, 60},
	{"Patriot", "Viper VP4300 Lite", "NVMe PCIe 4.0 x4", "M.2 2280", 7400, 6400, []int{1000, 2000, 4000}, 56, false, 60},
	{"Sabrent", "Rocket 4 Plus", "NVMe PCIe 4.0 x4", "M.2 2280", 7100, 6600, []int{1000, 2000, 4000, 8000}, 85, true, 60},
}

func findSSD(brand, line string) ssdModel {
	for _, m := range ssdModels {
		if m.brand == brand && m.line == line {
			return m
		}
	}
	panic("seed: unknown SSD " + line)
}

func genSSD(r *rand.Rand) item {
	m := pick(r, ssdModels)
	return ssdItem(m, pick(r, m.sizes), m.heatsink && chance(r, 0.3))
}

func ssdItem(m ssdModel, size int, heatsink bool) item {
	label := sizeLabel(size)
	if size%1024 == 0 || size == 512 {
		label = fmt.Sprintf("%dGB", size)
		if size >= 1024 {
			label = fmt.Sprintf("%dTB", size/1024)
		}
	}
	kind := "NVMe SSD"
	if strings.HasPrefix(m.iface, "SATA") {
		kind = "SATA SSD"
	}
	name := fmt.Sprintf("%s %s %s %s", m.brand, m.line, label, kind)
	tb := float64(size) / 1000
	euros := 22 + m.perTB*tb
	read, write := m.read, m.write
	if size < 1000 {
		write = write * 7 / 10
		read = read * 9 / 10
	}
	weight := 8
	if m.form != "M.2 2280" {
		weight = 50
	}
	if heatsink {
		name += " with Heatsink"
		euros += 15
		weight = 45
	}
	it := item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(m.line, 8) + label,
		specs:    []string{m.iface, itoa(size), m.form, itoa(read), itoa(write)},
		euros:    euros,
		weight:   weight,
		warranty: m.warranty,
		sentences: []string{
			fmt.Sprintf("%s %s drive on %s, reading at up to %d MB/s and writing at up to %d MB/s.", label, m.form, m.iface, read, write),
			fmt.Sprintf("Endurance is rated at %d TBW.", max(150, size*6/10)),
		},
	}
	if heatsink {
		it.sentences = append(it.sentences, "The slim heatsink also fits the PlayStation 5's expansion slot.")
	}
	if kind == "SATA SSD" {
		it.sentences = append(it.sentences, "A simple upgrade that gives an older PC or laptop a new lease of life.")
	}
	return it
}

// ---- Hard drives

type hddLine struct {
	brand, line, use, form string
	rpm                    int
	sizes                  []int
	base, perTB            float64
	warranty               int
}

var hddLines = []hddLine{
	{"Seagate", "BarraCuda", "Desktop", "3.5\"", 7200, []int{1000, 2000, 4000, 8000}, 35, 16, 24},
	{"Seagate", "BarraCuda 2.5", "Laptop", "2.5\"", 5400, []int{1000, 2000}, 40, 20, 24},
	{"Seagate", "IronWolf", "NAS", "3.5\"", 5400, []int{2000, 4000, 6000, 8000, 10000, 12000}, 45, 19, 36},
	{"Seagate", "IronWolf Pro", "NAS", "3.5\"", 7200, []int{4000, 8000, 12000, 16000, 20000, 24000}, 60, 21, 60},
	{"Seagate", "Exos X20", "Enterprise", "3.5\"", 7200, []int{18000, 20000}, 60, 17, 60},
	{"Seagate", "SkyHawk", "Surveillance", "3.5\"", 5400, []int{2000, 4000, 8000}, 45, 18, 36},
	{"WD", "Blue", "Desktop", "3.5\"", 5400, []int{1000, 2000, 4000, 6000, 8000}, 35, 17, 24},
	{"WD", "Red Plus", "NAS", "3.5\"", 5400, []int{2000, 4000, 6000, 8000, 10000, 12000, 14000}, 45, 20, 36},
	{"WD", "Red Pro", "NAS", "3.5\"", 7200, []int{4000, 8000, 12000, 16000, 20000, 22000}, 60, 22, 60},
	{"WD", "Purple", "Surveillance", "3.5\"", 5400, []int{2000, 4000, 6000, 8000}, 45, 18, 36},
	{"WD", "Gold", "Enterprise", "3.5\"", 7200, []int{4000, 8000, 12000, 16000, 20000}, 70, 23, 60},
	{"Toshiba", "N300", "NAS", "3.5\"", 7200, []int{4000, 6000, 8000, 12000, 16000, 18000}, 50, 18, 36},
	{"Toshiba", "MG10", "Enterprise", "3.5\"", 7200, []int{10000, 16000, 20000, 22000}, 60, 16, 60},
	{"Toshiba", "P300", "Desktop", "3.5\"", 7200, []int{1000, 2000, 4000, 6000}, 32, 17, 24},
}

var hddUseWords = map[string]string{"Desktop": "desktop", "Laptop": "laptop", "NAS": "NAS", "Enterprise": "enterprise", "Surveillance": "surveillance"}

func genHDD(r *rand.Rand) item {
	l := pick(r, hddLines)
	size := pick(r, l.sizes)
	cache := 256
	if size < 4000 {
		cache = pick(r, []int{64, 128, 256})
	} else if size >= 16000 {
		cache = 512
	}
	read := 140 + size/1000*8
	if l.rpm == 7200 {
		read += 40
	}
	read = min(read, 290)
	weight := 450 + size/1000*12
	if l.form == "2.5\"" {
		weight = 95
	}
	label := sizeLabel(size)
	return item{
		brand:    l.brand,
		name:     fmt.Sprintf("%s %s %s %s Hard Drive, %dMB Cache", l.brand, l.line, label, l.use, cache),
		code:     skuPart(l.line, 6) + label + itoa(cache),
		specs:    []string{"SATA 6Gb/s", itoa(size), l.form, itoa(read), itoa(l.rpm)},
		euros:    l.base + l.perTB*float64(size)/1000,
		weight:   weight,
		warranty: l.warranty,
		sentences: []string{
			fmt.Sprintf("%s %s %s drive spinning at %d rpm with %d MB of cache, reading at up to %d MB/s.", label, l.form, hddUseWords[l.use], l.rpm, cache, read),
			map[string]string{
				"Desktop":      "Plenty of space for games, photos and backups.",
				"Laptop":       "A drop-in upgrade for laptops and game consoles.",
				"NAS":          "Built for 24/7 operation in multi-bay NAS enclosures.",
				"Enterprise":   "Rated for 550 TB per year and 2.5 million hours MTBF.",
				"Surveillance": "Tuned for continuous recording from many cameras.",
			}[l.use],
		},
	}
}

// ---- Motherboards

type boardChipset struct {
	name, socket, memory string // memory: DDR5, DDR4 or both
	euros                float64
}

var boardChipsets = []boardChipset{
	{"A620", "AM5", "DDR5", 95}, {"B650", "AM5", "DDR5", 145}, {"B650E", "AM5", "DDR5", 199}, {"B850", "AM5", "DDR5", 175},
	{"X670E", "AM5", "DDR5", 299}, {"X870", "AM5", "DDR5", 249}, {"X870E", "AM5", "DDR5", 349},
	{"A520", "AM4", "DDR4", 69}, {"B550", "AM4", "DDR4", 109}, {"X570", "AM4", "DDR4", 179},
	{"H610", "LGA1700", "both", 79}, {"B760", "LGA1700", "both", 125}, {"Z790", "LGA1700", "both", 239},
	{"B860", "LGA1851", "DDR5", 165}, {"Z890", "LGA1851", "DDR5", 289},
}

type boardLine struct {
	brand, prefix, suffix string
	premium               float64
	forms                 []string
	wifiWord              string
}

var boardLines = []boardLine{
	{"ASUS", "ROG Strix", "-F Gaming", 1.25, []string{"ATX"}, " WiFi"},
	{"ASUS", "ROG Strix", "-G Gaming", 1.15, []string{"Micro-ATX"}, " WiFi"},
	{"ASUS", "ROG Strix", "-I Gaming", 1.30, []string{"Mini-ITX"}, " WiFi"},
	{"ASUS", "TUF Gaming", "-Plus", 1.05, []string{"ATX", "Micro-ATX"}, " WiFi"},
	{"ASUS", "Prime", "-A", 0.95, []string{"ATX", "Micro-ATX"}, " WiFi"},
	{"ASUS", "ProArt", "-Creator", 1.35, []string{"ATX"}, " WiFi"},
	{"MSI", "MAG", "Tomahawk", 1.08, []string{"ATX"}, " WiFi"},
	{"MSI", "MAG", "Mortar", 1.04, []string{"Micro-ATX"}, " WiFi"},
	{"MSI", "PRO", "-P", 0.92, []string{"ATX", "Micro-ATX"}, " WiFi"},
	{"MSI", "MPG", "Carbon", 1.30, []string{"ATX"}, " WiFi"},
	{"MSI", "MPG", "Edge", 1.20, []string{"ATX", "Mini-ITX"}, " WiFi"},
	{"Gigabyte", "", "Aorus Elite", 1.05, []string{"ATX", "Micro-ATX"}, " AX"},
	{"Gigabyte", "", "Aorus Pro", 1.15, []string{"ATX"}, " AX"},
	{"Gigabyte", "", "Aorus Master", 1.35, []string{"E-ATX", "ATX"}, ""},
	{"Gigabyte", "", "Gaming X", 0.97, []string{"ATX", "Micro-ATX"}, " AX"},
	{"Gigabyte", "", "DS3H", 0.88, []string{"ATX", "Micro-ATX"}, " AX"},
	{"ASRock", "", "Pro RS", 0.92, []string{"ATX", "Micro-ATX"}, " WiFi"},
	{"ASRock", "", "Steel Legend", 1.05, []string{"ATX", "Micro-ATX"}, " WiFi"},
	{"ASRock", "", "Phantom Gaming Lightning", 1.08, []string{"ATX"}, " WiFi"},
	{"ASRock", "", "Taichi", 1.40, []string{"E-ATX", "ATX"}, ""},
}

func genMotherboard(r *rand.Rand) item {
	c := pick(r, boardChipsets)
	l := pick(r, boardLines)
	form := pick(r, l.forms)
	memory := c.memory
	ddr4Suffix := ""
	if memory == "both" {
		memory = "DDR5"
		if chance(r, 0.3) {
			memory, ddr4Suffix = "DDR4", " DDR4"
		}
	}
	wifi := l.wifiWord == "" || chance(r, 0.6)
	formLetter := map[string]string{"Micro-ATX": "M", "Mini-ITX": "I"}[form]
	if l.suffix == "-I Gaming" || l.suffix == "-G Gaming" {
		formLetter = ""
	}
	var b strings.Builder
	b.WriteString(l.brand)
	if l.prefix != "" {
		b.WriteString(" " + l.prefix)
	}
	b.WriteString(" " + c.name + formLetter)
	if !strings.HasPrefix(l.suffix, "-") {
		b.WriteString(" ")
	}
	b.WriteString(l.suffix)
	if wifi && l.wifiWord != "" {
		b.WriteString(l.wifiWord)
	}
	b.WriteString(ddr4Suffix)
	euros := c.euros * l.premium
	if wifi {
		euros += 20
	}
	if form == "Mini-ITX" {
		euros *= 1.1
	}
	weight := map[string]int{"E-ATX": 1700, "ATX": 1250, "Micro-ATX": 900, "Mini-ITX": 650}[form]
	wifiSpec := "None"
	net := "2.5 GbE networking and no Wi-Fi, for wired setups."
	if wifi {
		wifiSpec = "Wi-Fi 6E"
		if strings.HasPrefix(c.name, "X870") || strings.HasPrefix(c.name, "Z890") || strings.HasPrefix(c.name, "B850") || strings.HasPrefix(c.name, "B860") {
			wifiSpec = "Wi-Fi 7"
		}
		net = fmt.Sprintf("%s, Bluetooth and 2.5 GbE networking on board.", wifiSpec)
	}
	slots := 4
	if form == "Mini-ITX" {
		slots = 2
	}
	warranty := 36
	if l.brand == "ASRock" {
		warranty = 24
	}
	return item{
		brand:    l.brand,
		name:     b.String(),
		code:     c.name + formLetter + skuPart(l.suffix, 4) + map[bool]string{true: "W", false: ""}[wifi],
		specs:    []string{c.socket, c.name, form, memory, wifiSpec},
		euros:    euros,
		weight:   weight,
		warranty: warranty,
		sentences: []string{
			fmt.Sprintf("%s board for socket %s on the %s chipset, with %d %s slots.", form, c.socket, c.name, slots, memory),
			net,
			"M.2 slots with heatsinks and a BIOS flashback button make builds and upgrades easy.",
		},
	}
}

// ---- Power supplies

type psuLine struct {
	brand, format, efficiency, modular, form string
	watts                                    []int
	base, perWatt                            float64
	white                                    bool
	warranty                                 int
}

var psuLines = []psuLine{
	{"be quiet!", "be quiet! Pure Power 12 M %dW", "80 Plus Gold", "Full", "ATX", []int{550, 650, 750, 850, 1000, 1200}, 30, 0.085, false, 60},
	{"be quiet!", "be quiet! Straight Power 12 %dW", "80 Plus Platinum", "Full", "ATX", []int{750, 850, 1000, 1200, 1500}, 50, 0.11, false, 60},
	{"be quiet!", "be quiet! Dark Power 13 %dW", "80 Plus Titanium", "Full", "ATX", []int{750, 850, 1000}, 90, 0.15, false, 60},
	{"be quiet!", "be quiet! System Power 10 %dW", "80 Plus Bronze", "Semi", "ATX", []int{450, 550, 650, 750, 850}, 20, 0.06, false, 36},
	{"be quiet!", "be quiet! SFX L Power %dW", "80 Plus Gold", "Full", "SFX-L", []int{500, 600, 850}, 50, 0.11, false, 36},
	{"Seasonic", "Seasonic Focus GX-%d", "80 Plus Gold", "Full", "ATX", []int{550, 650, 750, 850, 1000}, 30, 0.09, true, 60},
	{"Seasonic", "Seasonic Focus PX-%d", "80 Plus Platinum", "Full", "ATX", []int{650, 750, 850}, 40, 0.11, false, 60},
	{"Seasonic", "Seasonic Prime TX-%d", "80 Plus Titanium", "Full", "ATX", []int{850, 1000, 1300, 1600}, 90, 0.16, false, 60},
	{"Seasonic", "Seasonic Core GC-%d", "80 Plus Gold", "Non", "ATX", []int{500, 650, 750}, 25, 0.075, false, 60},
	{"Seasonic", "Seasonic Vertex GX-%d", "80 Plus Gold", "Full", "ATX", []int{750, 850, 1000, 1200}, 40, 0.1, true, 60},
	{"Corsair", "Corsair RM%de", "80 Plus Gold", "Full", "ATX", []int{650, 750, 850, 1000}, 25, 0.085, false, 60},
	{"Corsair", "Corsair RM%dx", "80 Plus Gold", "Full", "ATX", []int{750, 850, 1000, 1200}, 35, 0.095, true, 60},
	{"Corsair", "Corsair HX%di", "80 Plus Platinum", "Full", "ATX", []int{1000, 1200, 1500}, 60, 0.14, false, 60},
	{"Corsair", "Corsair CX%d", "80 Plus Bronze", "Non", "ATX", []int{450, 550, 650, 750}, 20, 0.06, false, 36},
	{"Corsair", "Corsair SF%d", "80 Plus Platinum", "Full", "SFX", []int{750, 850, 1000}, 60, 0.13, false, 60},
	{"MSI", "MSI MAG A%dGL PCIE5", "80 Plus Gold", "Full", "ATX", []int{650, 750, 850, 1000}, 25, 0.08, false, 60},
	{"MSI", "MSI MPG A%dG PCIE5", "80 Plus Gold", "Full", "ATX", []int{850, 1000}, 35, 0.095, false, 60},
	{"Cooler Master", "Cooler Master MWE Gold %d V2", "80 Plus Gold", "Full", "ATX", []int{650, 750, 850, 1050}, 25, 0.075, true, 60},
	{"Cooler Master", "Cooler Master V SFX Gold %d", "80 Plus Gold", "Full", "SFX", []int{550, 650, 750, 850}, 45, 0.1, false, 60},
	{"be quiet!", "be quiet! Pure Power 13 M %dW", "80 Plus Gold", "Full", "ATX", []int{650, 750, 850, 1000}, 35, 0.09, true, 60},
	{"Seasonic", "Seasonic Focus V4 GX-%d", "80 Plus Gold", "Full", "ATX", []int{650, 750, 850, 1000}, 35, 0.09, true, 60},
	{"Corsair", "Corsair RM%dx Shift", "80 Plus Gold", "Full", "ATX", []int{750, 850, 1000, 1200}, 45, 0.1, true, 60},
	{"ASUS", "ASUS ROG Thor %dP2", "80 Plus Platinum", "Full", "ATX", []int{850, 1000, 1200}, 90, 0.18, false, 60},
	{"ASUS", "ASUS TUF Gaming %dG", "80 Plus Gold", "Full", "ATX", []int{750, 850, 1000, 1200}, 30, 0.09, true, 60},
	{"Fractal Design", "Fractal Design Ion+ 2 Platinum %dW", "80 Plus Platinum", "Full", "ATX", []int{660, 760, 860}, 45, 0.12, false, 60},
}

func genPSU(r *rand.Rand) item {
	l := pick(r, psuLines)
	w := pick(r, l.watts)
	name := fmt.Sprintf(l.format, w)
	euros := l.base + l.perWatt*float64(w)
	white := l.white && chance(r, 0.25)
	if white {
		name += " White"
		euros += 10
	}
	weight := 1200 + w*2
	if strings.HasPrefix(l.form, "SFX") {
		weight = 800 + w
	}
	modular := map[string]string{"Full": "fully modular", "Semi": "semi-modular", "Non": "non-modular"}[l.modular]
	return item{
		brand:    l.brand,
		name:     name,
		code:     skuPart(strings.TrimPrefix(l.format, l.brand), 8) + itoa(w) + map[bool]string{true: "W", false: ""}[white],
		specs:    []string{itoa(w), l.efficiency, l.modular, l.form},
		euros:    euros,
		weight:   weight,
		warranty: l.warranty,
		sentences: []string{
			fmt.Sprintf("%d W %s %s power supply, certified %s.", w, modular, l.form, l.efficiency),
			"A native 12V-2x6 connector feeds current graphics cards without adapters.",
			"A fluid-dynamic-bearing fan stays off at low load.",
		},
	}
}

// ---- Cases

type caseModel struct {
	brand, model, form string
	euros              float64
	panels, colours    []string
	weight             int
}

var caseModels = []caseModel{
	{"Fractal Design", "North", "ATX Mid Tower", 139, []string{"TG", "Mesh"}, []string{"Charcoal Black", "Chalk White"}, 7800},
	{"Fractal Design", "Meshify 2", "ATX Mid Tower", 149, []string{"TG", "Solid"}, []string{"Black", "White", "Grey"}, 10800},
	{"Fractal Design", "Pop Air", "ATX Mid Tower", 89, []string{"TG", "Solid"}, []string{"Black", "White", "Cyan Core"}, 7200},
	{"Fractal Design", "Define 7", "ATX Mid Tower", 159, []string{"TG", "Solid"}, []string{"Black", "White", "Grey"}, 12000},
	{"Fractal Design", "Torrent", "ATX Mid Tower", 219, []string{"TG", "Solid"}, []string{"Black", "White"}, 12900},
	{"Fractal Design", "Terra", "Mini-ITX", 179, []string{"Mesh"}, []string{"Jade", "Graphite", "Silver"}, 2900},
	{"NZXT", "H5 Flow", "ATX Mid Tower", 99, []string{"TG"}, []string{"Black", "White"}, 6700},
	{"NZXT", "H6 Flow", "ATX Mid Tower", 129, []string{"TG"}, []string{"Black", "White"}, 8100},
	{"NZXT", "H7 Flow", "ATX Mid Tower", 139, []string{"TG"}, []string{"Black", "White"}, 11400},
	{"NZXT", "H9 Elite", "ATX Mid Tower", 229, []string{"TG"}, []string{"Black", "White"}, 13100},
	{"Lian Li", "O11 Dynamic Evo", "ATX Mid Tower", 169, []string{"TG"}, []string{"Black", "White"}, 13000},
	{"Lian Li", "Lancool 216", "ATX Mid Tower", 99, []string{"TG"}, []string{"Black", "White"}, 8500},
	{"Lian Li", "Lancool III", "ATX Full Tower", 159, []string{"TG"}, []string{"Black", "White"}, 13500},
	{"Lian Li", "A4-H2O", "Mini-ITX", 149, []string{"TG", "Mesh"}, []string{"Black", "Silver"}, 2900},
	{"Corsair", "4000D Airflow", "ATX Mid Tower", 99, []string{"TG"}, []string{"Black", "White"}, 7800},
	{"Corsair", "5000D Airflow", "ATX Mid Tower", 169, []string{"TG"}, []string{"Black", "White"}, 12600},
	{"Corsair", "3500X", "ATX Mid Tower", 119, []string{"TG"}, []string{"Black", "White"}, 8200},
	{"Corsair", "2000D Airflow", "Mini-ITX", 139, []string{"Mesh"}, []string{"Black", "White"}, 4500},
	{"be quiet!", "Pure Base 500DX", "ATX Mid Tower", 109, []string{"TG"}, []string{"Black", "White"}, 7200},
	{"be quiet!", "Shadow Base 800 DX", "ATX Full Tower", 199, []string{"TG"}, []string{"Black", "White"}, 14600},
	{"be quiet!", "Light Base 900 FX", "ATX Full Tower", 249, []string{"TG"}, []string{"Black", "White"}, 15800},
	{"Phanteks", "NV7", "ATX Full Tower", 199, []string{"TG"}, []string{"Black", "White"}, 15300},
	{"Phanteks", "XT Pro Ultra", "ATX Mid Tower", 99, []string{"TG"}, []string{"Black", "White"}, 8000},
	{"Phanteks", "Eclipse G360A", "ATX Mid Tower", 89, []string{"TG"}, []string{"Black", "White"}, 7600},
	{"Cooler Master", "MasterBox Q300L", "Micro-ATX", 49, []string{"Acrylic"}, []string{"Black", "White"}, 4200},
	{"Jonsbo", "D31 Mesh", "Micro-ATX", 79, []string{"TG"}, []string{"Black", "White"}, 5400},
}

func genCase(r *rand.Rand) item {
	m := pick(r, caseModels)
	panel := pick(r, m.panels)
	colour := pick(r, m.colours)
	rgb := chance(r, 0.25)
	name := m.brand + " " + m.model
	if len(m.panels) > 1 {
		name += " " + panel
	}
	if rgb {
		name += " RGB"
	}
	name += " " + colour
	euros := m.euros
	if rgb {
		euros += 20
	}
	if strings.Contains(colour, "White") {
		euros += 5
	}
	panelSpec := map[string]string{"TG": "Tempered glass", "Mesh": "Mesh", "Solid": "Solid", "Acrylic": "Acrylic"}[panel]
	fans := 2 + m.weight/6000
	return item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(m.model, 8) + skuPart(panel, 1) + skuPart(colour, 2),
		specs:    []string{m.form, colour, panelSpec},
		euros:    euros,
		weight:   m.weight,
		warranty: 24,
		sentences: []string{
			fmt.Sprintf("%s case in %s with a %s side panel and %d fans pre-installed%s.", m.form, strings.ToLower(colour), strings.ToLower(panelSpec), fans,
				map[bool]string{true: ", RGB lit", false: ""}[rgb]),
			"Room for 360 mm radiators, long graphics cards and tidy cable management behind the tray.",
			"Dust filters on the intake sides come off without tools.",
		},
	}
}

// ---- Cooling

type coolerModel struct {
	brand, format, kind string
	fanSize, fans       int
	radiators           []int // AIO radiator sizes (format takes the size)
	euros, perRadiator  float64
	colours             []string
	weight              int
	warranty            int
}

var coolerModels = []coolerModel{
	{"Noctua", "Noctua NH-D15 G2", "Air", 140, 2, nil, 149, 0, []string{"Brown", "chromax.black"}, 1760, 72},
	{"Noctua", "Noctua NH-U12A", "Air", 120, 2, nil, 119, 0, []string{"Brown", "chromax.black"}, 1220, 72},
	{"Noctua", "Noctua NH-U12S redux", "Air", 120, 1, nil, 49, 0, []string{"Grey"}, 750, 72},
	{"Noctua", "Noctua NH-L9i", "Air", 92, 1, nil, 49, 0, []string{"Brown", "chromax.black"}, 420, 72},
	{"be quiet!", "be quiet! Dark Rock Pro 5", "Air", 135, 2, nil, 99, 0, []string{"Black"}, 1400, 36},
	{"be quiet!", "be quiet! Dark Rock 5", "Air", 120, 1, nil, 79, 0, []string{"Black"}, 1050, 36},
	{"be quiet!", "be quiet! Pure Rock 2", "Air", 120, 1, nil, 39, 0, []string{"Silver", "Black", "White"}, 620, 36},
	{"Arctic", "Arctic Freezer 36", "Air", 120, 2, nil, 35, 0, []string{"Black", "White"}, 920, 72},
	{"Thermalright", "Thermalright Peerless Assassin 120 SE", "Air", 120, 2, nil, 39, 0, []string{"Black", "White"}, 1010, 36},
	{"Thermalright", "Thermalright Phantom Spirit 120 SE", "Air", 120, 2, nil, 42, 0, []string{"Black", "White"}, 1100, 36},
	{"DeepCool", "DeepCool AK620 Digital", "Air", 120, 2, nil, 69, 0, []string{"Black", "White"}, 1400, 36},
	{"DeepCool", "DeepCool AK400", "Air", 120, 1, nil, 35, 0, []string{"Black", "White"}, 720, 36},
	{"Cooler Master", "Cooler Master Hyper 212 Halo", "Air", 120, 1, nil, 39, 0, []string{"Black", "White"}, 720, 24},
	{"Arctic", "Arctic Liquid Freezer III %d", "AIO Liquid", 0, 0, []int{240, 280, 360, 420}, 65, 0.1, []string{"Black", "White"}, 0, 72},
	{"be quiet!", "be quiet! Light Loop %dmm", "AIO Liquid", 0, 0, []int{240, 360}, 90, 0.12, []string{"Black", "White"}, 0, 36},
	{"be quiet!", "be quiet! Pure Loop 2 %dmm", "AIO Liquid", 0, 0, []int{240, 280, 360}, 75, 0.1, []string{"Black"}, 0, 36},
	{"Corsair", "Corsair iCUE Link Titan %d RX RGB", "AIO Liquid", 0, 0, []int{240, 280, 360}, 110, 0.2, []string{"Black", "White"}, 0, 60},
	{"NZXT", "NZXT Kraken %d", "AIO Liquid", 0, 0, []int{240, 280, 360}, 99, 0.15, []string{"Black", "White"}, 0, 60},
	{"NZXT", "NZXT Kraken Elite %d", "AIO Liquid", 0, 0, []int{240, 280, 360}, 179, 0.2, []string{"Black", "White"}, 0, 60},
	{"Lian Li", "Lian Li Galahad II Trinity %d", "AIO Liquid", 0, 0, []int{240, 360}, 109, 0.15, []string{"Black", "White"}, 0, 36},
	{"DeepCool", "DeepCool LS%d", "AIO Liquid", 0, 0, []int{520, 720}, 45, 0.12, []string{"Black", "White"}, 0, 36},
	{"Noctua", "Noctua NF-A12x25 PWM", "Case Fan", 120, 1, nil, 32, 0, []string{"Brown", "chromax.black"}, 125, 72},
	{"Noctua", "Noctua NF-A14 PWM", "Case Fan", 140, 1, nil, 26, 0, []string{"Brown", "chromax.black"}, 170, 72},
	{"Arctic", "Arctic P12 PWM PST", "Case Fan", 120, 1, nil, 7, 0, []string{"Black", "White"}, 110, 72},
	{"Arctic", "Arctic P14 PWM PST", "Case Fan", 140, 1, nil, 9, 0, []string{"Black", "White"}, 140, 72},
	{"be quiet!", "be quiet! Silent Wings 4 120mm PWM", "Case Fan", 120, 1, nil, 23, 0, []string{"Black"}, 130, 60},
	{"be quiet!", "be quiet! Light Wings 140mm PWM", "Case Fan", 140, 1, nil, 21, 0, []string{"Black", "White"}, 150, 36},
	{"Lian Li", "Lian Li Uni Fan SL-Infinity 120", "Case Fan", 120, 1, nil, 30, 0, []string{"Black", "White"}, 150, 24},
	{"Corsair", "Corsair iCUE Link RX120 RGB", "Case Fan", 120, 1, nil, 35, 0, []string{"Black", "White"}, 140, 24},
	{"Noctua", "Noctua NH-U9S", "Air", 92, 1, nil, 69, 0, []string{"Brown", "chromax.black"}, 620, 72},
	{"Arctic", "Arctic Freezer 7 X", "Air", 92, 1, nil, 15, 0, []string{"Black"}, 370, 72},
	{"Thermalright", "Thermalright Assassin X 120 Refined SE", "Air", 120, 1, nil, 19, 0, []string{"Black", "White"}, 640, 36},
	{"Scythe", "Scythe Fuma 3", "Air", 120, 2, nil, 59, 0, []string{"Black"}, 1050, 24},
	{"Scythe", "Scythe Mugen 6", "Air", 120, 2, nil, 64, 0, []string{"Black", "White"}, 1150, 24},
	{"MSI", "MSI MAG CoreLiquid A%d", "AIO Liquid", 0, 0, []int{240, 360}, 79, 0.12, []string{"Black", "White"}, 0, 36},
	{"Arctic", "Arctic P12 Max", "Case Fan", 120, 1, nil, 10, 0, []string{"Black", "White"}, 130, 72},
	{"Noctua", "Noctua NF-A12x25 G2 PWM", "Case Fan", 120, 1, nil, 35, 0, []string{"Brown", "chromax.black"}, 130, 72},
}

func genCooling(r *rand.Rand) item {
	m := pick(r, coolerModels)
	colour := pick(r, m.colours)
	name, kindWords := m.format, "CPU cooler"
	fanSize, fans, euros, weight := m.fanSize, m.fans, m.euros, m.weight
	radiator := ""
	switch m.kind {
	case "AIO Liquid":
		size := pick(r, m.radiators)
		name = fmt.Sprintf(m.format, size)
		rad := size
		if m.brand == "DeepCool" {
			rad = map[int]int{520: 240, 720: 360}[size]
		}
		fanSize = 120
		if rad%140 == 0 {
			fanSize = 140
		}
		fans = rad / fanSize
		euros += m.perRadiator * float64(rad)
		weight = 600 + rad*3
		radiator = itoa(rad)
		kindWords = fmt.Sprintf("all-in-one liquid cooler with a %d mm radiator", rad)
	case "Case Fan":
		kindWords = "case fan"
		if chance(r, 0.35) {
			name += " 3-Pack"
			fans, euros, weight = 3, euros*2.7, weight*3+60
			kindWords = "case fans, three in a pack"
		}
	}
	switch {
	case colour == "chromax.black":
		name += " chromax.black"
		euros += 10
	case len(m.colours) > 1 && colour != m.colours[0]:
		name += " " + colour
		euros += 5
	}
	colourSpec := colour
	if colour == "chromax.black" {
		colourSpec = "Black"
	}
	it := item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(strings.TrimPrefix(m.format, m.brand), 10) + radiator + skuPart(colour, 2),
		specs:    []string{m.kind, itoa(fanSize), itoa(fans), radiator, colourSpec},
		euros:    euros,
		weight:   weight,
		warranty: m.warranty,
		sentences: []string{
			fmt.Sprintf("%s %s with %s %d mm PWM fan%s.", colourSpec, kindWords, map[bool]string{true: itoa(fans), false: "a"}[fans > 1], fanSize, map[bool]string{true: "s", false: ""}[fans > 1]),
		},
	}
	if m.kind == "Case Fan" {
		it.sentences = append(it.sentences, "Fluid-dynamic bearings and a PWM range down to a few hundred rpm keep it inaudible at idle.")
	} else {
		it.sentences = append(it.sentences, "Mounting kits for AM4, AM5, LGA1700 and LGA1851 are included.",
			"Pre-applied thermal paste gets it running in minutes.")
	}
	return it
}
