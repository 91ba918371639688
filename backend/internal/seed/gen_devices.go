package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// ---- Laptops

type laptopCPU struct {
	name  string
	euros float64
}

type laptopModel struct {
	brand, model string
	screen       float64
	cpus         []laptopCPU
	gpus         []string
	rams         []int
	storages     []int
	euros        float64
	weight       int
	colours      []string
	kind         string // business, consumer, gaming, creator, apple
}

var (
	intelU   = []laptopCPU{{"Core Ultra 5 125U", 0}, {"Core Ultra 7 155U", 120}, {"Core Ultra 7 165U", 180}}
	intelH   = []laptopCPU{{"Core Ultra 7 155H", 0}, {"Core Ultra 9 185H", 250}}
	intelV   = []laptopCPU{{"Core Ultra 5 226V", 0}, {"Core Ultra 7 258V", 200}}
	intelHX  = []laptopCPU{{"Core i7-14650HX", 0}, {"Core i9-14900HX", 300}}
	amdU     = []laptopCPU{{"Ryzen 5 8640U", 0}, {"Ryzen 7 8840U", 120}}
	amdHS    = []laptopCPU{{"Ryzen 7 8845HS", 0}, {"Ryzen 9 8945HS", 200}}
	amdAI    = []laptopCPU{{"Ryzen AI 7 350", 0}, {"Ryzen AI 9 HX 370", 250}}
	amdHX    = []laptopCPU{{"Ryzen 7 7745HX", 0}, {"Ryzen 9 7945HX", 300}}
	dGaming  = []string{"GeForce RTX 4060 Laptop", "GeForce RTX 4070 Laptop", "GeForce RTX 4080 Laptop"}
	dCreator = []string{"GeForce RTX 4050 Laptop", "GeForce RTX 4060 Laptop", "GeForce RTX 4070 Laptop"}
)

var laptopModels = []laptopModel{
	{"Lenovo", "ThinkPad T14 Gen 5", 14, intelU, []string{"Intel Graphics"}, []int{16, 32}, []int{512, 1000}, 1099, 1370, []string{"Black"}, "business"},
	{"Lenovo", "ThinkPad X1 Carbon Gen 12", 14, intelU, []string{"Intel Graphics"}, []int{16, 32, 64}, []int{512, 1000, 2000}, 1799, 1090, []string{"Black"}, "business"},
	{"Lenovo", "ThinkPad E16 Gen 2", 16, amdU, []string{"AMD Radeon 760M"}, []int{16, 32}, []int{512, 1000}, 799, 1770, []string{"Graphite Black"}, "business"},
	{"Lenovo", "IdeaPad Slim 5", 14, amdU, []string{"AMD Radeon 760M"}, []int{16}, []int{512, 1000}, 699, 1460, []string{"Cloud Grey", "Abyss Blue"}, "consumer"},
	{"Lenovo", "Yoga Slim 7x", 14.5, intelV, []string{"Intel Arc 140V"}, []int{16, 32}, []int{512, 1000}, 1199, 1280, []string{"Luna Grey"}, "consumer"},
	{"Lenovo", "Legion Pro 5", 16, amdHX, dGaming[:2], []int{16, 32}, []int{1000, 2000}, 1499, 2550, []string{"Onyx Grey"}, "gaming"},
	{"Dell", "XPS 13", 13.4, intelV, []string{"Intel Arc 140V"}, []int{16, 32}, []int{512, 1000}, 1299, 1190, []string{"Platinum", "Graphite"}, "consumer"},
	{"Dell", "XPS 14", 14.5, intelH, []string{"Intel Arc Graphics", "GeForce RTX 4050 Laptop"}, []int{16, 32}, []int{512, 1000}, 1699, 1680, []string{"Platinum", "Graphite"}, "creator"},
	{"Dell", "Inspiron 15", 15.6, intelU, []string{"Intel Graphics"}, []int{8, 16}, []int{256, 512}, 549, 1650, []string{"Platinum Silver", "Carbon Black"}, "consumer"},
	{"Dell", "Latitude 5450", 14, intelU, []string{"Intel Graphics"}, []int{16, 32}, []int{256, 512}, 1149, 1440, []string{"Grey"}, "business"},
	{"Dell", "Alienware m16 R2", 16, intelH, dGaming, []int{16, 32}, []int{1000, 2000}, 1799, 2610, []string{"Dark Metallic Moon"}, "gaming"},
	{"HP", "EliteBook 840 G11", 14, intelU, []string{"Intel Graphics"}, []int{16, 32}, []int{512, 1000}, 1299, 1370, []string{"Silver"}, "business"},
	{"HP", "Pavilion Plus 14", 14, amdHS, []string{"AMD Radeon 780M"}, []int{16}, []int{512, 1000}, 849, 1440, []string{"Natural Silver", "Warm Gold"}, "consumer"},
	{"HP", "Envy x360 14", 14, amdHS, []string{"AMD Radeon 780M"}, []int{16, 32}, []int{512, 1000}, 999, 1390, []string{"Meteor Silver"}, "consumer"},
	{"HP", "Omen 16", 16.1, intelHX, dGaming[:2], []int{16, 32}, []int{512, 1000}, 1399, 2370, []string{"Shadow Black"}, "gaming"},
	{"HP", "Victus 15", 15.6, amdHS, dGaming[:1], []int{16}, []int{512, 1000}, 899, 2290, []string{"Mica Silver", "Performance Blue"}, "gaming"},
	{"ASUS", "Zenbook 14 OLED", 14, intelH, []string{"Intel Arc Graphics"}, []int{16, 32}, []int{512, 1000}, 1099, 1200, []string{"Ponder Blue", "Foggy Silver"}, "consumer"},
	{"ASUS", "Vivobook 15", 15.6, intelU, []string{"Intel Graphics"}, []int{8, 16}, []int{512}, 549, 1700, []string{"Quiet Blue", "Cool Silver"}, "consumer"},
	{"ASUS", "ROG Zephyrus G14", 14, amdAI, dGaming, []int{16, 32}, []int{1000, 2000}, 1999, 1500, []string{"Eclipse Grey", "Platinum White"}, "gaming"},
	{"ASUS", "TUF Gaming A15", 15.6, amdHS, dGaming[:2], []int{16, 32}, []int{512, 1000}, 1099, 2200, []string{"Mecha Grey"}, "gaming"},
	{"ASUS", "ProArt P16", 16, amdAI, dCreator, []int{32, 64}, []int{1000, 2000}, 2499, 1850, []string{"Nano Black"}, "creator"},
	{"Acer", "Swift Go 14", 14, intelH, []string{"Intel Arc Graphics"}, []int{16, 32}, []int{512, 1000}, 899, 1320, []string{"Pure Silver"}, "consumer"},
	{"Acer", "Aspire 5", 15.6, intelU, []string{"Intel Graphics"}, []int{8, 16}, []int{512}, 599, 1780, []string{"Steel Grey"}, "consumer"},
	{"Acer", "Nitro V 15", 15.6, intelHX, dGaming[:1], []int{16}, []int{512, 1000}, 899, 2100, []string{"Obsidian Black"}, "gaming"},
	{"Acer", "Predator Helios Neo 16", 16, intelHX, dGaming[:2], []int{16, 32}, []int{1000}, 1499, 2800, []string{"Obsidian Black"}, "gaming"},
	{"Apple", "MacBook Air 13", 13.6, []laptopCPU{{"Apple M3", 0}, {"Apple M4", 100}}, []string{"Apple 8-core GPU", "Apple 10-core GPU"}, []int{16, 24}, []int{256, 512, 1000}, 1199, 1240, []string{"Midnight", "Starlight", "Silver", "Space Grey"}, "apple"},
	{"Apple", "MacBook Air 15", 15.3, []laptopCPU{{"Apple M3", 0}, {"Apple M4", 100}}, []string{"Apple 10-core GPU"}, []int{16, 24}, []int{256, 512, 1000}, 1499, 1510, []string{"Midnight", "Starlight", "Silver", "Space Grey"}, "apple"},
	{"Apple", "MacBook Pro 14", 14.2, []laptopCPU{{"Apple M4", 0}, {"Apple M4 Pro", 500}, {"Apple M4 Max", 1400}}, []string{"Apple 10-core GPU", "Apple 16-core GPU", "Apple 32-core GPU"}, []int{16, 24, 36, 48}, []int{512, 1000, 2000}, 1899, 1600, []string{"Space Black", "Silver"}, "apple"},
	{"Apple", "MacBook Pro 16", 16.2, []laptopCPU{{"Apple M4 Pro", 0}, {"Apple M4 Max", 900}}, []string{"Apple 20-core GPU", "Apple 40-core GPU"}, []int{24, 36, 48}, []int{512, 1000, 2000}, 2899, 2150, []string{"Space Black", "Silver"}, "apple"},
}

func genLaptop(r *rand.Rand) item {
	m := pick(r, laptopModels)
	ci := r.IntN(len(m.cpus))
	cpu := m.cpus[ci]
	gi := r.IntN(len(m.gpus))
	if m.kind == "apple" {
		gi = min(ci, len(m.gpus)-1) // the GPU comes with the chip
	}
	gpu := m.gpus[gi]
	ram := pick(r, m.rams)
	storage := pick(r, m.storages)
	colour := pick(r, m.colours)
	screen := num(m.screen)
	var name string
	if m.kind == "apple" {
		name = fmt.Sprintf("%s %s\" %s %dGB %s %s", m.brand, m.model, strings.TrimPrefix(cpu.name, "Apple "), ram, sizeLabel(storage), colour)
	} else {
		name = fmt.Sprintf("%s %s %s\" %s %dGB %s", m.brand, m.model, screen, cpu.name, ram, sizeLabel(storage))
		if strings.HasPrefix(gpu, "GeForce") {
			name += " " + strings.TrimSuffix(strings.TrimPrefix(gpu, "GeForce "), " Laptop")
		}
		if len(m.colours) > 1 {
			name += " " + colour
		}
	}
	euros := m.euros + cpu.euros + float64(ram-m.rams[0])*8 + float64(storage-m.storages[0])*0.09
	if m.kind != "apple" {
		euros += 200 * float64(gi)
	}
	usage := map[string]string{
		"business": "Built for the office: a comfortable keyboard, a privacy shutter, fingerprint login and a three-year business warranty option.",
		"consumer": "A light everyday laptop with all-day battery life and a bright, sharp display.",
		"gaming":   "A high-refresh display and a cooling system with two fans keep games smooth.",
		"creator":  "A colour-accurate display and plenty of memory suit photo and video work.",
		"apple":    "macOS, a Liquid Retina display and up to 18 hours of battery life.",
	}[m.kind]
	warranty := 24
	if m.kind == "business" {
		warranty = 36
	}
	return item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(m.model, 8) + skuPart(strings.Fields(cpu.name)[len(strings.Fields(cpu.name))-1], 6) + itoa(ram),
		specs:    []string{cpu.name, itoa(ram), screen, itoa(storage), gpu},
		euros:    euros,
		weight:   m.weight,
		warranty: warranty,
		sentences: []string{
			fmt.Sprintf("%s\" laptop with a %s, %d GB of memory, a %s SSD and %s graphics.", screen, cpu.name, ram, sizeLabel(storage), gpu),
			usage,
			fmt.Sprintf("Finished in %s; it weighs %.2f kg.", strings.ToLower(colour), float64(m.weight)/1000),
		},
	}
}

// ---- Monitors

type monitorModel struct {
	brand, model string
	size         float64
	resolution   string
	hz           int
	panel        string
	euros        float64
	colours      []string
}

var monitorModels = []monitorModel{
	{"Dell", "S2721DGF", 27, "2560x1440", 165, "IPS", 299, nil},
	{"Dell", "U2724D", 27, "2560x1440", 120, "IPS", 429, nil},
	{"Dell", "U3225QE", 31.5, "3840x2160", 120, "IPS", 999, nil},
	{"Dell", "P2425H", 23.8, "1920x1080", 100, "IPS", 179, nil},
	{"Dell", "Alienware AW2725DF", 27, "2560x1440", 360, "QD-OLED", 799, nil},
	{"Dell", "Alienware AW3423DWF", 34, "3440x1440", 165, "QD-OLED", 899, nil},
	{"LG", "UltraGear 27GP850-B", 27, "2560x1440", 165, "IPS", 329, nil},
	{"LG", "UltraGear 27GR95QE-B", 27, "2560x1440", 240, "OLED", 899, nil},
	{"LG", "UltraGear 32GS95UE-B", 31.5, "3840x2160", 240, "OLED", 1399, nil},
	{"LG", "UltraGear 24GS60F-B", 24, "1920x1080", 180, "IPS", 149, nil},
	{"LG", "UltraFine 27UP850N-W", 27, "3840x2160", 60, "IPS", 449, nil},
	{"LG", "24MR400-B", 23.8, "1920x1080", 100, "IPS", 99, nil},
	{"LG", "34WQ75C-B", 34, "3440x1440", 60, "IPS", 449, nil},
	{"Samsung", "Odyssey G5 S27CG510", 27, "2560x1440", 165, "VA", 249, nil},
	{"Samsung", "Odyssey G7 S28BG700", 28, "3840x2160", 144, "IPS", 599, nil},
	{"Samsung", "Odyssey OLED G8 S32DG802", 32, "3840x2160", 240, "QD-OLED", 1299, nil},
	{"Samsung", "Odyssey G9 S49CG954", 49, "5120x1440", 240, "VA", 1199, nil},
	{"Samsung", "ViewFinity S6 S27C610", 27, "2560x1440", 100, "IPS", 279, nil},
	{"Samsung", "Smart Monitor M8 S32CM801", 32, "3840x2160", 60, "VA", 599, []string{"Warm White", "Daylight Blue", "Sunset Pink"}},
	{"AOC", "24G2SP", 23.8, "1920x1080", 165, "IPS", 139, nil},
	{"AOC", "Q27G3XMN", 27, "2560x1440", 180, "VA", 279, nil},
	{"AOC", "CU34G2X", 34, "3440x1440", 144, "VA", 349, nil},
	{"AOC", "U27B3AF", 27, "3840x2160", 60, "IPS", 259, nil},
	{"BenQ", "GW2790", 27, "1920x1080", 100, "IPS", 129, []string{"Black", "White"}},
	{"BenQ", "Mobiuz EX2710Q", 27, "2560x1440", 165, "IPS", 399, nil},
	{"BenQ", "PD2705U", 27, "3840x2160", 60, "IPS", 499, nil},
	{"BenQ", "Zowie XL2546K", 24.5, "1920x1080", 240, "TN", 499, nil},
	{"ASUS", "ROG Swift PG27AQDM", 26.5, "2560x1440", 240, "OLED", 899, nil},
	{"ASUS", "TUF Gaming VG27AQ3A", 27, "2560x1440", 180, "IPS", 249, nil},
	{"ASUS", "ProArt PA278QV", 27, "2560x1440", 75, "IPS", 319, nil},
	{"MSI", "MAG 274QRF QD E2", 27, "2560x1440", 180, "IPS", 299, nil},
	{"MSI", "MPG 271QRX QD-OLED", 26.5, "2560x1440", 360, "QD-OLED", 999, nil},
	{"iiyama", "G-Master GB2770QSU-B5", 27, "2560x1440", 165, "IPS", 289, nil},
	{"iiyama", "ProLite XUB2493HS-B5", 23.8, "1920x1080", 75, "IPS", 139, nil},
	{"Philips", "27E1N5600AE", 27, "2560x1440", 100, "IPS", 219, nil},
	{"Dell", "P2725H", 27, "1920x1080", 100, "IPS", 229, nil},
	{"Dell", "S2425HS", 23.8, "1920x1080", 100, "IPS", 149, nil},
	{"Dell", "S2725HS", 27, "1920x1080", 100, "IPS", 189, nil},
	{"Dell", "S2725QS", 27, "3840x2160", 120, "IPS", 299, nil},
	{"Dell", "U2424H", 23.8, "1920x1080", 120, "IPS", 269, nil},
	{"Dell", "P3424WE", 34, "3440x1440", 60, "IPS", 599, nil},
	{"LG", "UltraGear 27GR75Q-B", 27, "2560x1440", 165, "IPS", 279, nil},
	{"LG", "UltraGear 32GR93U-B", 32, "3840x2160", 144, "IPS", 649, nil},
	{"LG", "UltraGear 45GR95QE-B", 45, "3440x1440", 240, "OLED", 1499, nil},
	{"LG", "27MR400-B", 27, "1920x1080", 100, "IPS", 119, nil},
	{"LG", "32UN880-B Ergo", 31.5, "3840x2160", 60, "IPS", 549, nil},
	{"Samsung", "Odyssey G5 S32CG510", 32, "2560x1440", 165, "VA", 299, nil},
	{"Samsung", "Odyssey G6 S27DG610", 27, "2560x1440", 360, "QD-OLED", 699, nil},
	{"Samsung", "Essential S3 S24C310", 24, "1920x1080", 75, "IPS", 109, nil},
	{"Samsung", "ViewFinity S8 S27B800", 27, "3840x2160", 60, "IPS", 449, nil},
	{"AOC", "27G2SP", 27, "1920x1080", 165, "IPS", 169, nil},
	{"AOC", "AG276QZD2", 26.5, "2560x1440", 240, "OLED", 649, nil},
	{"AOC", "24B3HA2", 23.8, "1920x1080", 100, "IPS", 89, nil},
	{"BenQ", "GW2490", 23.8, "1920x1080", 100, "IPS", 109, []string{"Black", "White"}},
	{"BenQ", "EW3280U", 32, "3840x2160", 60, "IPS", 549, nil},
	{"BenQ", "Mobiuz EX271U", 27, "3840x2160", 144, "IPS", 699, nil},
	{"BenQ", "PD3205U", 31.5, "3840x2160", 60, "IPS", 749, nil},
	{"ASUS", "ROG Strix XG27ACS", 27, "2560x1440", 180, "IPS", 299, nil},
	{"ASUS", "ProArt PA32UCXR", 32, "3840x2160", 60, "IPS", 2999, nil},
	{"ASUS", "VA24EHF", 23.8, "1920x1080", 100, "IPS", 89, nil},
	{"MSI", "MAG 321UP QD-OLED", 31.5, "3840x2160", 165, "QD-OLED", 999, nil},
	{"MSI", "PRO MP275Q", 27, "2560x1440", 100, "IPS", 179, nil},
	{"Philips", "Evnia 27M2N5500", 27, "2560x1440", 180, "IPS", 249, nil},
	{"Philips", "24E1N5300AE", 23.8, "1920x1080", 100, "IPS", 149, nil},
	{"Gigabyte", "M27Q P", 27, "2560x1440", 170, "IPS", 299, nil},
	{"Gigabyte", "Aorus FO32U2P", 31.5, "3840x2160", 240, "QD-OLED", 1199, nil},
	{"Lenovo", "ThinkVision T27h-30", 27, "2560x1440", 75, "IPS", 329, nil},
	{"HP", "Series 5 Pro 527pf", 27, "2560x1440", 100, "IPS", 279, nil},
}

var resolutionLabels = map[string]string{
	"1920x1080": "1080p", "2560x1440": "1440p", "3840x2160": "4K", "3440x1440": "UWQHD", "5120x1440": "DQHD",
}

func genMonitor(r *rand.Rand) item {
	m := pick(r, monitorModels)
	size := num(m.size)
	name := fmt.Sprintf("%s %s %s\" %s %dHz", m.brand, m.model, size, resolutionLabels[m.resolution], m.hz)
	euros := m.euros
	if len(m.colours) > 0 {
		name += " " + pick(r, m.colours)
	}
	stand := chance(r, 0.2)
	if stand {
		name += " with Monitor Arm"
		euros += 59
	}
	weight := int(m.size * m.size * 9)
	it := item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(m.model, 14),
		specs:    []string{size, m.resolution, itoa(m.hz), m.panel},
		euros:    euros,
		weight:   weight,
		warranty: 36,
		sentences: []string{
			fmt.Sprintf("%s-inch %s panel at %s and %d Hz.", size, m.panel, m.resolution, m.hz),
		},
	}
	switch {
	case strings.Contains(m.panel, "OLED"):
		it.sentences = append(it.sentences, "OLED means perfect blacks and a 0.03 ms response time; burn-in protection is built in.")
	case m.hz >= 144:
		it.sentences = append(it.sentences, "Adaptive sync (FreeSync Premium, G-Sync compatible) keeps fast games tear-free.")
	default:
		it.sentences = append(it.sentences, "Flicker-free backlight and a low-blue-light mode are easy on the eyes during long days.")
	}
	it.sentences = append(it.sentences, "DisplayPort and HDMI inputs; the stand tilts and adjusts in height.")
	if stand {
		it.sentences = append(it.sentences, "Bundled with a gas-spring monitor arm.")
	}
	return it
}

// ---- Keyboards

type keyboardModel struct {
	brand, model string
	switches     []string
	wireless     bool
	euros        float64
	colours      []string
	weight       int
}

var keyboardLayouts = []string{"US", "US", "UK", "DE", "DE", "Nordic", "FR"}

var keyboardModels = []keyboardModel{
	{"Logitech", "G915 TKL Lightspeed", []string{"GL Tactile", "GL Linear", "GL Clicky"}, true, 199, []string{"Carbon", "White"}, 810},
	{"Logitech", "G Pro X TKL Lightspeed", []string{"GX Brown", "GX Red", "GX Blue"}, true, 219, []string{"Black", "White", "Magenta"}, 980},
	{"Logitech", "MX Keys S", []string{"Scissor"}, true, 119, []string{"Graphite", "Pale Grey"}, 810},
	{"Logitech", "MX Mechanical Mini", []string{"Tactile Quiet", "Linear", "Clicky"}, true, 149, []string{"Graphite"}, 610},
	{"Logitech", "K120", []string{"Membrane"}, false, 15, []string{"Black"}, 550},
	{"Logitech", "G213 Prodigy", []string{"Mech-Dome"}, false, 59, []string{"Black"}, 1000},
	{"Razer", "BlackWidow V4 Pro", []string{"Razer Green", "Razer Yellow"}, false, 229, []string{"Black"}, 1500},
	{"Razer", "Huntsman V3 Pro TKL", []string{"Razer Analog Optical"}, false, 229, []string{"Black", "White"}, 1000},
	{"Razer", "Ornata V3", []string{"Mecha-Membrane"}, false, 69, []string{"Black"}, 850},
	{"SteelSeries", "Apex Pro TKL", []string{"OmniPoint 2.0"}, true, 249, []string{"Black"}, 970},
	{"SteelSeries", "Apex 3", []string{"Whisper-Quiet Membrane"}, false, 59, []string{"Black"}, 1200},
	{"Cherry", "KC 1000", []string{"Membrane"}, false, 19, []string{"Black", "Pale Grey"}, 800},
	{"Cherry", "MX Board 3.0 S", []string{"Cherry MX Red", "Cherry MX Brown", "Cherry MX Blue", "Cherry MX Silent Red"}, false, 89, []string{"Black", "White"}, 970},
	{"Cherry", "Stream Desktop", []string{"SX Scissor"}, true, 49, []string{"Black", "White"}, 700},
	{"Cherry", "KW 9100 Slim", []string{"SX Scissor"}, true, 69, []string{"Black", "Frost Silver"}, 520},
	{"Corsair", "K70 RGB Pro", []string{"Cherry MX Red", "Cherry MX Brown", "Cherry MX Speed"}, false, 169, []string{"Black"}, 1250},
	{"Corsair", "K65 Plus Wireless", []string{"Corsair MLX Red"}, true, 159, []string{"Black", "White"}, 800},
	{"Corsair", "K100 RGB", []string{"Corsair OPX", "Cherry MX Speed"}, false, 239, []string{"Black"}, 1350},
	{"Keychron", "K2 Pro", []string{"Gateron Red", "Gateron Brown", "Gateron Blue"}, true, 109, []string{"Black"}, 790},
	{"Keychron", "Q1 Pro", []string{"K Pro Red", "K Pro Brown", "K Pro Banana"}, true, 219, []string{"Carbon Black", "Shell White"}, 1800},
	{"Keychron", "V1 Max", []string{"Gateron Jupiter Red", "Gateron Jupiter Brown"}, true, 99, []string{"Black", "Frosted Black"}, 1050},
}

func genKeyboard(r *rand.Rand) item {
	m := pick(r, keyboardModels)
	sw := pick(r, m.switches)
	layout := pick(r, keyboardLayouts)
	colour := pick(r, m.colours)
	name := fmt.Sprintf("%s %s", m.brand, m.model)
	if len(m.colours) > 1 {
		name += " " + colour
	}
	if len(m.switches) > 1 {
		name += fmt.Sprintf(" (%s, %s)", sw, layout)
	} else {
		name += fmt.Sprintf(" (%s)", layout)
	}
	mechanical := !strings.Contains(sw, "Membrane") && !strings.Contains(sw, "Scissor") && !strings.Contains(sw, "Dome")
	kind := "membrane"
	if mechanical {
		kind = "mechanical"
	}
	if strings.Contains(sw, "Scissor") {
		kind = "low-profile scissor-switch"
	}
	conn := "USB-C cable"
	if m.wireless {
		conn = "2.4 GHz wireless, Bluetooth and USB-C"
	}
	return item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(m.model, 8) + skuPart(sw, 3) + skuPart(layout, 2),
		specs:    []string{sw, layout, yesNo(m.wireless)},
		euros:    m.euros,
		weight:   m.weight,
		warranty: 24,
		sentences: []string{
			fmt.Sprintf("A %s keyboard with %s switches in the %s layout.", kind, sw, layout),
			fmt.Sprintf("Connects over %s.", conn),
			"Keycaps with double-shot legends that do not wear off.",
		},
	}
}

// ---- Mice

type mouseModel struct {
	brand, model string
	dpi          int
	wireless     bool
	buttons      int
	colours      []string
	euros        float64
	weight       int
	gaming       bool
}

var mouseModels = []mouseModel{
	{"Logitech", "MX Master 3S", 8000, true, 7, []string{"Graphite", "Pale Grey", "Black"}, 109, 141, false},
	{"Logitech", "MX Anywhere 3S", 8000, true, 6, []string{"Graphite", "Pale Grey", "Rose"}, 89, 99, false},
	{"Logitech", "G Pro X Superlight 2", 32000, true, 5, []string{"Black", "White", "Magenta"}, 159, 60, true},
	{"Logitech", "G502 X Plus", 25600, true, 13, []string{"Black", "White"}, 169, 106, true},
	{"Logitech", "G305 Lightspeed", 12000, true, 6, []string{"Black", "White", "Lilac", "Blue"}, 39, 99, true},
	{"Logitech", "M185", 1000, true, 3, []string{"Grey", "Blue", "Red"}, 15, 75, false},
	{"Logitech", "M720 Triathlon", 1000, true, 8, []string{"Black"}, 49, 135, false},
	{"Razer", "DeathAdder V3 Pro", 30000, true, 5, []string{"Black", "White"}, 149, 63, true},
	{"Razer", "Viper V3 Pro", 35000, true, 6, []string{"Black", "White"}, 169, 54, true},
	{"Razer", "Basilisk V3", 26000, false, 11, []string{"Black"}, 59, 101, true},
	{"Razer", "Orochi V2", 18000, true, 6, []string{"Black", "White"}, 69, 60, true},
	{"SteelSeries", "Aerox 5 Wireless", 18000, true, 9, []string{"Black"}, 139, 74, true},
	{"SteelSeries", "Rival 3", 8500, false, 6, []string{"Black"}, 35, 77, true},
	{"Cherry", "MW 8C Advanced", 3200, true, 6, []string{"Black"}, 59, 110, false},
	{"Cherry", "MC 1000", 1200, false, 3, []string{"Black"}, 9, 90, false},
	{"Corsair", "M75 Air Wireless", 26000, true, 5, []string{"Black", "White"}, 149, 60, true},
	{"Corsair", "Dark Core RGB Pro", 18000, true, 8, []string{"Black"}, 89, 133, true},
	{"Zowie", "EC2-CW", 3200, true, 5, []string{"Black"}, 149, 77, true},
	{"Logitech", "G703 Lightspeed", 25600, true, 6, []string{"Black"}, 79, 95, true},
	{"Logitech", "G502 Hero", 25600, false, 11, []string{"Black"}, 49, 121, true},
	{"Logitech", "Lift Vertical", 4000, true, 6, []string{"Graphite", "Pale Grey", "Rose"}, 69, 125, false},
	{"Logitech", "MX Vertical", 4000, true, 6, []string{"Graphite"}, 99, 135, false},
	{"Logitech", "Pebble Mouse 2 M350s", 4000, true, 3, []string{"Graphite", "Tonal White", "Tonal Rose"}, 25, 76, false},
	{"Logitech", "Signature M650 L", 4000, true, 5, []string{"Graphite", "Off-White", "Rose"}, 45, 101, false},
	{"Razer", "Cobra Pro", 30000, true, 8, []string{"Black", "White"}, 129, 77, true},
	{"Razer", "DeathAdder Essential", 6400, false, 5, []string{"Black", "White"}, 25, 96, true},
	{"SteelSeries", "Prime Wireless", 18000, true, 6, []string{"Black"}, 99, 80, true},
	{"Glorious", "Model O 2 Wireless", 26000, true, 6, []string{"Matte Black", "Matte White"}, 99, 68, true},
	{"Endgame Gear", "OP1 8k", 26000, false, 5, []string{"Black", "White", "Purple Reign"}, 69, 50, true},
	{"Pulsar", "X2 V2 Wireless", 26000, true, 5, []string{"Black", "White", "Red"}, 99, 52, true},
	{"Microsoft", "Bluetooth Ergonomic Mouse", 2400, true, 5, []string{"Black", "Pastel Blue", "Peach", "Glacier"}, 39, 90, false},
	{"HP", "430 Multi-Device Wireless", 4000, true, 5, []string{"Black"}, 29, 90, false},
}

func findMouse(brand, model string) mouseModel {
	for _, m := range mouseModels {
		if m.brand == brand && m.model == model {
			return m
		}
	}
	panic("seed: unknown mouse " + model)
}

func genMouse(r *rand.Rand) item {
	m := pick(r, mouseModels)
	return mouseItem(m, pick(r, m.colours))
}

func mouseItem(m mouseModel, colour string) item {
	name := m.brand + " " + m.model
	if len(m.colours) > 1 {
		name += " " + colour
	}
	conn := "a braided cable"
	if m.wireless {
		conn = "a 2.4 GHz receiver or Bluetooth, with a rechargeable battery"
	}
	use := "A comfortable shape and quiet clicks for long working days."
	if m.gaming {
		use = fmt.Sprintf("At %d g it is made for fast, precise aim.", m.weight)
	}
	return item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(m.model, 10) + skuPart(colour, 2),
		specs:    []string{itoa(m.dpi), yesNo(m.wireless), itoa(m.buttons), colour},
		euros:    m.euros,
		weight:   m.weight,
		warranty: 24,
		sentences: []string{
			fmt.Sprintf("%s mouse with a %d DPI sensor and %d buttons, connecting over %s.", colour, m.dpi, m.buttons, conn),
			use,
		},
	}
}

// ---- Headsets

type headsetModel struct {
	brand, model string
	wireless     bool
	connection   string
	driver       int
	colours      []string
	euros        float64
	weight       int
}

var headsetModels = []headsetModel{
	{"SteelSeries", "Arctis Nova 7 Wireless", true, "2.4 GHz USB-C + Bluetooth", 40, []string{"Black", "White"}, 189, 325},
	{"SteelSeries", "Arctis Nova Pro Wireless", true, "2.4 GHz USB-C + Bluetooth", 40, []string{"Black", "White"}, 349, 337},
	{"SteelSeries", "Arctis Nova 1", false, "3.5 mm jack", 40, []string{"Black", "White"}, 59, 236},
	{"Logitech", "G Pro X 2 Lightspeed", true, "2.4 GHz USB + Bluetooth", 50, []string{"Black", "White", "Magenta"}, 249, 345},
	{"Logitech", "G435 Lightspeed", true, "2.4 GHz USB + Bluetooth", 40, []string{"Black", "White", "Blue"}, 69, 165},
	{"Logitech", "H390", false, "USB-A", 30, []string{"Black", "Rose"}, 35, 197},
	{"Logitech", "Zone Vibe 100", true, "Bluetooth", 40, []string{"Graphite", "Off-White", "Rose"}, 99, 185},
	{"Razer", "BlackShark V2 Pro", true, "2.4 GHz USB-C + Bluetooth", 50, []string{"Black", "White"}, 199, 320},
	{"Razer", "Kraken V4 X", false, "USB-A", 40, []string{"Black"}, 79, 285},
	{"Razer", "Barracuda X", true, "2.4 GHz USB-C + Bluetooth", 40, []string{"Black", "Mercury White"}, 99, 250},
	{"HyperX", "Cloud III", false, "USB-A and 3.5 mm jack", 53, []string{"Black", "Red"}, 99, 310},
	{"HyperX", "Cloud III Wireless", true, "2.4 GHz USB-C", 53, []string{"Black", "Red"}, 169, 330},
	{"HyperX", "Cloud Alpha Wireless", true, "2.4 GHz USB-A", 50, []string{"Black"}, 179, 335},
	{"Corsair", "HS80 RGB Wireless", true, "2.4 GHz USB-A", 50, []string{"Black", "White"}, 149, 367},
	{"Corsair", "Virtuoso Pro", false, "3.5 mm jack", 50, []string{"Carbon", "White"}, 199, 309},
	{"Corsair", "HS55 Stereo", false, "3.5 mm jack", 50, []string{"Carbon", "White"}, 59, 266},
	{"Jabra", "Evolve2 65", true, "Bluetooth + USB-A dongle", 40, []string{"Black", "Beige"}, 199, 170},
	{"Jabra", "Evolve2 85", true, "Bluetooth + USB-C dongle", 40, []string{"Black", "Beige"}, 399, 286},
	{"EPOS", "Impact 860T", false, "USB-C", 32, []string{"Black"}, 169, 148},
	{"Sony", "INZONE H9", true, "2.4 GHz USB-C + Bluetooth", 40, []string{"White"}, 249, 330},
	{"SteelSeries", "Arctis Nova 5 Wireless", true, "2.4 GHz USB-C + Bluetooth", 40, []string{"Black", "White"}, 129, 264},
	{"Logitech", "G733 Lightspeed", true, "2.4 GHz USB", 40, []string{"Black", "White", "Blue", "Lilac"}, 129, 278},
	{"Razer", "Kraken V4", true, "2.4 GHz USB-C + Bluetooth", 40, []string{"Black"}, 169, 336},
	{"HyperX", "Cloud Stinger 2", false, "3.5 mm jack", 50, []string{"Black"}, 49, 275},
	{"Corsair", "Void Wireless v2", true, "2.4 GHz USB-A", 50, []string{"Black", "White"}, 99, 315},
	{"Turtle Beach", "Stealth 600 Gen 3", true, "2.4 GHz USB-C + Bluetooth", 50, []string{"Black", "White"}, 99, 275},
	{"Turtle Beach", "Stealth Pro", true, "2.4 GHz USB-C + Bluetooth", 50, []string{"Black"}, 299, 320},
}

func genHeadset(r *rand.Rand) item {
	m := pick(r, headsetModels)
	colour := pick(r, m.colours)
	name := m.brand + " " + m.model
	if len(m.colours) > 1 {
		name += " " + colour
	}
	euros := m.euros
	if m.brand != "Jabra" && m.brand != "EPOS" && chance(r, 0.1) {
		name += " with Headset Stand"
		euros += 25
	}
	extra := "A detachable noise-cancelling microphone keeps your voice clear."
	if m.brand == "Jabra" || m.brand == "EPOS" {
		extra = "Certified for Microsoft Teams and Zoom, with a flip-to-mute boom microphone."
	}
	battery := "Plug and play on PC, Mac, consoles and phones."
	if m.wireless {
		battery = "The battery lasts well over a day of use and charges over USB-C."
	}
	return item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(m.model, 10) + skuPart(colour, 2),
		specs:    []string{yesNo(m.wireless), m.connection, itoa(m.driver), colour},
		euros:    euros,
		weight:   m.weight,
		warranty: 24,
		sentences: []string{
			fmt.Sprintf("%s headset with %d mm drivers, connecting over %s.", map[bool]string{true: "Wireless", false: "Wired"}[m.wireless], m.driver, m.connection),
			extra,
			battery,
		},
	}
}

// ---- Routers

type routerModel struct {
	brand, model, standard string
	speed, ports           int
	mesh                   bool
	euros                  float64
	weight                 int
}

var routerModels = []routerModel{
	{"TP-Link", "Archer AX55 AX3000", "Wi-Fi 6", 3000, 4, false, 79, 500},
	{"TP-Link", "Archer AX73 AX5400", "Wi-Fi 6", 5400, 4, false, 119, 630},
	{"TP-Link", "Archer BE550 BE9300", "Wi-Fi 7", 9300, 4, false, 219, 860},
	{"TP-Link", "Archer BE800 BE19000", "Wi-Fi 7", 19000, 4, false, 499, 1800},
	{"TP-Link", "Deco X50 AX3000", "Wi-Fi 6", 3000, 2, true, 99, 450},
	{"TP-Link", "Deco BE65 BE9300", "Wi-Fi 7", 9300, 3, true, 299, 700},
	{"Netgear", "Nighthawk RAX50 AX5400", "Wi-Fi 6", 5400, 4, false, 169, 850},
	{"Netgear", "Nighthawk RS700S BE19000", "Wi-Fi 7", 19000, 4, false, 649, 1600},
	{"Netgear", "Orbi RBK763S AX5400", "Wi-Fi 6", 5400, 3, true, 449, 900},
	{"ASUS", "RT-AX58U AX3000", "Wi-Fi 6", 3000, 4, false, 119, 520},
	{"ASUS", "RT-BE88U BE7200", "Wi-Fi 7", 7200, 8, false, 319, 1200},
	{"ASUS", "ROG Rapture GT-BE98", "Wi-Fi 7", 25000, 4, false, 749, 2100},
	{"ASUS", "ZenWiFi XT9 AX7800", "Wi-Fi 6", 7800, 3, true, 249, 750},
	{"Ubiquiti", "UniFi Dream Router 7", "Wi-Fi 7", 10800, 4, false, 299, 1200},
	{"Ubiquiti", "UniFi Express 7", "Wi-Fi 7", 10800, 1, true, 199, 400},
	{"Ubiquiti", "UniFi Dream Machine Pro", "None", 0, 8, false, 399, 3500},
	{"AVM", "FRITZ!Box 7590 AX", "Wi-Fi 6", 3600, 4, false, 229, 800},
	{"AVM", "FRITZ!Box 5690 Pro", "Wi-Fi 7", 18500, 4, false, 359, 1000},
	{"AVM", "FRITZ!Repeater 6000", "Wi-Fi 6", 6000, 2, true, 179, 650},
	{"Linksys", "Velop MX4200 AX4200", "Wi-Fi 6", 4200, 3, true, 199, 900},
	{"TP-Link", "Archer AX23 AX1800", "Wi-Fi 6", 1800, 4, false, 55, 420},
	{"TP-Link", "Archer AXE75 AXE5400", "Wi-Fi 6E", 5400, 4, false, 159, 700},
	{"TP-Link", "Archer BE230 BE3600", "Wi-Fi 7", 3600, 4, false, 99, 450},
	{"TP-Link", "Deco X20 AX1800", "Wi-Fi 6", 1800, 2, true, 79, 400},
	{"TP-Link", "Deco XE75 AXE5400", "Wi-Fi 6E", 5400, 3, true, 199, 650},
	{"Netgear", "Nighthawk RAX10 AX1800", "Wi-Fi 6", 1800, 4, false, 89, 500},
	{"Netgear", "Orbi 970 BE27000", "Wi-Fi 7", 27000, 4, true, 1499, 1300},
	{"ASUS", "RT-AX55 AX1800", "Wi-Fi 6", 1800, 4, false, 79, 400},
	{"ASUS", "RT-AX86U Pro AX5700", "Wi-Fi 6", 5700, 4, false, 259, 850},
	{"ASUS", "TUF Gaming AX6000", "Wi-Fi 6", 6000, 4, false, 229, 900},
	{"ASUS", "ZenWiFi BQ16 BE25000", "Wi-Fi 7", 25000, 4, true, 799, 1400},
	{"Ubiquiti", "UniFi Cloud Gateway Ultra", "None", 0, 4, false, 129, 300},
	{"AVM", "FRITZ!Box 7530 AX", "Wi-Fi 6", 1800, 4, false, 149, 450},
	{"AVM", "FRITZ!Box 4060", "Wi-Fi 6", 6000, 3, false, 229, 700},
	{"Linksys", "Hydra Pro 6 AX5400", "Wi-Fi 6", 5400, 4, false, 199, 700},
	{"Linksys", "Velop Pro 7 BE11000", "Wi-Fi 7", 11000, 2, true, 399, 1000},
}

func genRouter(r *rand.Rand) item {
	m := pick(r, routerModels)
	name := m.brand + " " + m.model
	euros, weight := m.euros, m.weight
	kind := "router"
	if m.mesh {
		kind = "mesh Wi-Fi system"
		if n := pick(r, []int{1, 2, 3}); n > 1 {
			name += fmt.Sprintf(" %d-Pack", n)
			euros, weight = euros*float64(n)*0.9, weight*n
		}
	}
	first := fmt.Sprintf("%s %s with up to %d Mbps and %d Gigabit LAN ports.", m.standard, kind, m.speed, m.ports)
	if m.standard == "None" {
		first = fmt.Sprintf("Rack-mount gateway with %d LAN ports, a 10G SFP+ WAN and a built-in network controller.", m.ports)
	}
	speed := ""
	if m.speed > 0 {
		speed = itoa(m.speed)
	}
	return item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(m.model, 12),
		specs:    []string{m.standard, speed, itoa(m.ports), yesNo(m.mesh)},
		euros:    euros,
		weight:   weight,
		warranty: map[bool]int{true: 60, false: 24}[m.brand == "AVM"],
		sentences: []string{
			first,
			"WPA3, a guest network and parental controls are set up in minutes from the app.",
			"Firmware updates install automatically.",
		},
	}
}

// ---- Switches

type switchModel struct {
	brand, model      string
	ports             int
	speed, management string
	poe               bool
	euros             float64
	weight            int
}

var switchModels = []switchModel{
	{"TP-Link", "TL-SG105", 5, "1 GbE", "Unmanaged", false, 15, 300},
	{"TP-Link", "TL-SG108", 8, "1 GbE", "Unmanaged", false, 22, 450},
	{"TP-Link", "TL-SG1016D", 16, "1 GbE", "Unmanaged", false, 59, 1300},
	{"TP-Link", "TL-SG108PE", 8, "1 GbE", "Smart", true, 59, 600},
	{"TP-Link", "TL-SG3428", 28, "1 GbE", "Managed", false, 229, 2700},
	{"TP-Link", "TL-SX1008", 8, "10 GbE", "Unmanaged", false, 329, 1800},
	{"TP-Link", "TL-SG105-M2", 5, "2.5 GbE", "Unmanaged", false, 89, 500},
	{"Netgear", "GS305", 5, "1 GbE", "Unmanaged", false, 19, 300},
	{"Netgear", "GS308", 8, "1 GbE", "Unmanaged", false, 25, 400},
	{"Netgear", "GS305E", 5, "1 GbE", "Smart", false, 29, 330},
	{"Netgear", "GS108PEv3", 8, "1 GbE", "Smart", true, 89, 850},
	{"Netgear", "MS305", 5, "2.5 GbE", "Unmanaged", false, 99, 550},
	{"Netgear", "XS508M", 8, "10 GbE", "Unmanaged", false, 449, 2200},
	{"Ubiquiti", "UniFi Switch Flex Mini", 5, "1 GbE", "Managed", false, 35, 150},
	{"Ubiquiti", "UniFi Switch Lite 8 PoE", 8, "1 GbE", "Managed", true, 119, 800},
	{"Ubiquiti", "UniFi Switch Lite 16 PoE", 16, "1 GbE", "Managed", true, 209, 1700},
	{"Ubiquiti", "UniFi Switch Pro 24", 24, "1 GbE", "Managed", false, 399, 3700},
	{"D-Link", "DGS-108", 8, "1 GbE", "Unmanaged", false, 25, 500},
	{"D-Link", "DGS-1210-28", 28, "1 GbE", "Smart", false, 189, 2300},
	{"Zyxel", "GS1200-8", 8, "1 GbE", "Smart", false, 39, 500},
	{"Zyxel", "XGS1250-12", 12, "10 GbE", "Smart", false, 219, 1300},
	{"MikroTik", "CRS310-8G+2S+IN", 10, "2.5 GbE", "Managed", false, 199, 1100},
	{"MikroTik", "CSS610-8G-2S+IN", 10, "1 GbE", "Smart", false, 119, 900},
	{"QNAP", "QSW-1105-5T", 5, "2.5 GbE", "Unmanaged", false, 99, 450},
	{"TP-Link", "TL-SG116", 16, "1 GbE", "Unmanaged", false, 45, 700},
	{"TP-Link", "TL-SG1024D", 24, "1 GbE", "Unmanaged", false, 79, 1600},
	{"TP-Link", "TL-SG2008P", 8, "1 GbE", "Smart", true, 89, 800},
	{"TP-Link", "TL-SG2210P", 10, "1 GbE", "Smart", true, 109, 1000},
	{"TP-Link", "TL-SX3008F", 8, "10 GbE", "Managed", false, 249, 1400},
	{"Netgear", "GS316", 16, "1 GbE", "Unmanaged", false, 49, 700},
	{"Netgear", "GS324", 24, "1 GbE", "Unmanaged", false, 89, 1400},
	{"Netgear", "GS110TP", 10, "1 GbE", "Smart", true, 129, 900},
	{"Netgear", "GS724T", 24, "1 GbE", "Smart", false, 199, 2300},
	{"Ubiquiti", "UniFi Switch Ultra", 8, "1 GbE", "Managed", true, 99, 500},
	{"Ubiquiti", "UniFi Switch Pro Max 16 PoE", 16, "2.5 GbE", "Managed", true, 449, 2500},
	{"Ubiquiti", "UniFi Switch Aggregation", 8, "10 GbE", "Managed", false, 269, 1800},
	{"Ubiquiti", "UniFi Switch Flex XG", 5, "10 GbE", "Managed", false, 249, 900},
	{"D-Link", "DGS-1016D", 16, "1 GbE", "Unmanaged", false, 59, 1100},
	{"D-Link", "DMS-106XT", 6, "2.5 GbE", "Unmanaged", false, 139, 700},
	{"Zyxel", "XMG1915-10E", 10, "2.5 GbE", "Smart", false, 199, 1100},
	{"Zyxel", "GS1900-24E", 24, "1 GbE", "Smart", false, 129, 2000},
	{"MikroTik", "CSS326-24G-2S+RM", 26, "1 GbE", "Smart", false, 159, 1900},
}

func genSwitch(r *rand.Rand) item {
	m := pick(r, switchModels)
	speedWord := map[string]string{"1 GbE": "Gigabit", "2.5 GbE": "2.5G", "10 GbE": "10G"}[m.speed]
	name := fmt.Sprintf("%s %s %d-Port %s %s", m.brand, m.model, m.ports, speedWord, m.management)
	if m.poe {
		name += " PoE+"
	}
	name += " Switch"
	euros := m.euros
	rack := ""
	if m.ports >= 16 && chance(r, 0.3) {
		name += " with Rack Kit"
		euros += 15
		rack = " Rack ears included."
	}
	mgmt := map[string]string{
		"Unmanaged": "Plug and play: no configuration needed.",
		"Smart":     "VLANs, QoS and port mirroring from a web interface.",
		"Managed":   "Full layer 2 management with VLANs, link aggregation and SNMP.",
	}[m.management]
	poe := ""
	if m.poe {
		poe = " PoE+ powers access points and cameras."
	}
	return item{
		brand:    m.brand,
		name:     name,
		code:     skuPart(m.model, 14),
		specs:    []string{itoa(m.ports), m.speed, m.management, yesNo(m.poe)},
		euros:    euros,
		weight:   m.weight,
		warranty: 36,
		sentences: []string{
			fmt.Sprintf("%d-port %s %s switch.", m.ports, m.speed, strings.ToLower(m.management)) + poe,
			mgmt + rack,
			"A metal housing, fanless and silent, for desk or wall.",
		},
	}
}

// ---- Network adapters

type adapterModel struct {
	brand, model, kind, iface string
	speed                     int
	standard                  string
	euros                     float64
	weight                    int
}

var adapterModels = []adapterModel{
	{"Intel", "Ethernet I226-T1", "Ethernet", "PCIe x1", 2500, "", 39, 80},
	{"Intel", "Ethernet X550-T2", "Ethernet", "PCIe x4", 10000, "", 299, 160},
	{"Intel", "Wi-Fi 7 BE200", "Wi-Fi", "M.2 2230", 5800, "Wi-Fi 7", 29, 10},
	{"TP-Link", "Archer TX55E", "Wi-Fi", "PCIe x1", 3000, "Wi-Fi 6", 39, 200},
	{"TP-Link", "Archer TXE75E", "Wi-Fi", "PCIe x1", 5400, "Wi-Fi 6E", 55, 220},
	{"TP-Link", "Archer TBE550E", "Wi-Fi", "PCIe x1", 9300, "Wi-Fi 7", 89, 240},
	{"TP-Link", "Archer T3U Plus", "Wi-Fi", "USB 3.0", 1300, "Wi-Fi 5", 19, 40},
	{"TP-Link", "UE300", "Ethernet", "USB 3.0", 1000, "", 14, 30},
	{"TP-Link", "TX201", "Ethernet", "PCIe x1", 2500, "", 29, 90},
	{"TP-Link", "TX401", "Ethernet", "PCIe x4", 10000, "", 99, 150},
	{"ASUS", "PCE-AXE59BT", "Wi-Fi", "PCIe x1", 5400, "Wi-Fi 6E", 59, 220},
	{"ASUS", "USB-AX56", "Wi-Fi", "USB 3.0", 1800, "Wi-Fi 6", 49, 70},
	{"ASUS", "XG-C100C", "Ethernet", "PCIe x4", 10000, "", 89, 150},
	{"Netgear", "Nighthawk A8000", "Wi-Fi", "USB 3.0", 3000, "Wi-Fi 6E", 79, 60},
	{"Ugreen", "USB-C 2.5G Ethernet Adapter", "Ethernet", "USB-C", 2500, "", 25, 40},
	{"StarTech", "ST2GPEX 2.5GbE PCIe Card", "Ethernet", "PCIe x1", 2500, "", 35, 90},
	{"Edimax", "EW-7822UMX", "Wi-Fi", "USB 3.0", 1800, "Wi-Fi 6", 29, 25},
	{"Realtek", "RTL8126 5GbE PCIe Card", "Ethernet", "PCIe x1", 5000, "", 39, 90},
	{"Intel", "Ethernet X710-DA2", "Ethernet", "PCIe x8", 10000, "", 349, 160},
	{"Intel", "Wi-Fi 6E AX210", "Wi-Fi", "M.2 2230", 2400, "Wi-Fi 6E", 19, 10},
	{"TP-Link", "Archer TX20E", "Wi-Fi", "PCIe x1", 1800, "Wi-Fi 6", 29, 180},
	{"TP-Link", "Archer TX20U Plus", "Wi-Fi", "USB 3.0", 1800, "Wi-Fi 6", 35, 60},
	{"TP-Link", "Archer TBE400E", "Wi-Fi", "PCIe x1", 5800, "Wi-Fi 7", 69, 220},
	{"TP-Link", "UE306", "Ethernet", "USB 3.0", 1000, "", 19, 30},
	{"TP-Link", "UE300C", "Ethernet", "USB-C", 1000, "", 19, 30},
	{"ASUS", "PCE-BE92BT", "Wi-Fi", "PCIe x1", 9400, "Wi-Fi 7", 99, 240},
	{"ASUS", "USB-C2500", "Ethernet", "USB 3.0", 2500, "", 39, 50},
	{"Netgear", "A7000", "Wi-Fi", "USB 3.0", 1900, "Wi-Fi 5", 59, 50},
	{"Ugreen", "USB-A Gigabit Ethernet Adapter", "Ethernet", "USB 3.0", 1000, "", 14, 30},
	{"Anker", "PowerExpand USB-C to 2.5 Gbps Ethernet Adapter", "Ethernet", "USB-C", 2500, "", 29, 40},
	{"Cable Matters", "USB-C 2.5G Ethernet Adapter", "Ethernet", "USB-C", 2500, "", 29, 40},
	{"QNAP", "QXG-10G1T", "Ethernet", "PCIe x4", 10000, "", 129, 110},
	{"QNAP", "QXG-5G1T-111C", "Ethernet", "PCIe x1", 5000, "", 89, 90},
}

func genAdapter(r *rand.Rand) item {
	m := pick(r, adapterModels)
	name := m.brand + " " + m.model
	euros := m.euros
	profile := strings.HasPrefix(m.iface, "PCIe")
	low := profile && chance(r, 0.3)
	if low {
		name += " Low Profile"
		euros += 3
	}
	first := fmt.Sprintf("%s adapter for %s at up to %d Mbps.", m.kind, m.iface, m.speed)
	if m.standard != "" {
		first = fmt.Sprintf("%s adapter for %s at up to %d Mbps.", m.standard, m.iface, m.speed)
	}
	it := item{
		brand:     m.brand,
		name:      name,
		code:      skuPart(m.model, 12) + map[bool]string{true: "LP", false: ""}[low],
		specs:     []string{m.kind, m.iface, itoa(m.speed), m.standard},
		euros:     euros,
		weight:    m.weight,
		warranty:  24,
		sentences: []string{first},
	}
	if m.kind == "Wi-Fi" {
		it.sentences = append(it.sentences, "Includes Bluetooth and WPA3; drivers for Windows 11 and Linux.")
	} else {
		it.sentences = append(it.sentences, "Backwards compatible with slower networks; drivers for Windows, macOS and Linux.")
	}
	if low {
		it.sentences = append(it.sentences, "A low-profile bracket fits slim cases.")
	}
	return it
}
