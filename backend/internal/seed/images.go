package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/jackc/pgx/v5"
)

// Placeholder images: one per category (leaf images show a simple outline
// of the kind of product, root images a family pattern), drawn with the
// standard library, so the seed needs no assets and the bytes are the same
// on every run.
const (
	imageWidth  = 480
	imageHeight = 360
)

// Palette indices of a canvas.
const (
	cBackground = iota
	cMain
	cDark
	cLight
	cGrey
	cWhite
	cBlack
	cGold
)

type canvas struct{ img *image.Paletted }

type motif func(c *canvas)

func newCanvas(base [3]uint8) *canvas {
	mix := func(f float64, to uint8) color.RGBA {
		m := func(v uint8) uint8 { return uint8(float64(v)*(1-f) + float64(to)*f) }
		return color.RGBA{m(base[0]), m(base[1]), m(base[2]), 0xff}
	}
	pal := color.Palette{
		cBackground: mix(0.88, 0xff),
		cMain:       color.RGBA{base[0], base[1], base[2], 0xff},
		cDark:       mix(0.45, 0x00),
		cLight:      mix(0.55, 0xff),
		cGrey:       color.RGBA{0x9a, 0xa0, 0xa6, 0xff},
		cWhite:      color.RGBA{0xff, 0xff, 0xff, 0xff},
		cBlack:      color.RGBA{0x22, 0x25, 0x29, 0xff},
		cGold:       color.RGBA{0xd4, 0xa8, 0x3a, 0xff},
	}
	return &canvas{img: image.NewPaletted(image.Rect(0, 0, imageWidth, imageHeight), pal)}
}

func (c *canvas) set(x, y int, idx uint8) {
	if x >= 0 && y >= 0 && x < imageWidth && y < imageHeight {
		c.img.SetColorIndex(x, y, idx)
	}
}

func (c *canvas) rect(x0, y0, x1, y1 int, idx uint8) {
	for y := max(y0, 0); y < min(y1, imageHeight); y++ {
		for x := max(x0, 0); x < min(x1, imageWidth); x++ {
			c.img.SetColorIndex(x, y, idx)
		}
	}
}

func (c *canvas) ellipse(cx, cy, rx, ry int, idx uint8) {
	for y := cy - ry; y <= cy+ry; y++ {
		for x := cx - rx; x <= cx+rx; x++ {
			dx, dy := float64(x-cx)/float64(rx), float64(y-cy)/float64(ry)
			if dx*dx+dy*dy <= 1 {
				c.set(x, y, idx)
			}
		}
	}
}

func (c *canvas) circle(cx, cy, r int, idx uint8) { c.ellipse(cx, cy, r, r, idx) }

// ring fills the annulus between r0 and r1, only where keep(angle) holds
// (angle in radians, 0 pointing right, growing clockwise); nil keeps all.
func (c *canvas) ring(cx, cy, r0, r1 int, idx uint8, keep func(a float64) bool) {
	for y := cy - r1; y <= cy+r1; y++ {
		for x := cx - r1; x <= cx+r1; x++ {
			d := math.Hypot(float64(x-cx), float64(y-cy))
			if d < float64(r0) || d > float64(r1) {
				continue
			}
			if keep == nil || keep(math.Atan2(float64(y-cy), float64(x-cx))) {
				c.set(x, y, idx)
			}
		}
	}
}

// fan draws a round fan with n blades.
func (c *canvas) fan(cx, cy, r, blades int) {
	c.circle(cx, cy, r, cDark)
	c.ring(cx, cy, r/4, r-4, cLight, func(a float64) bool {
		return int(math.Floor((a+math.Pi)/(2*math.Pi)*float64(2*blades)))%2 == 0
	})
	c.circle(cx, cy, r/4, cBlack)
	c.circle(cx, cy, r/10, cGrey)
}

func (c *canvas) shadow(cx, w int) { c.ellipse(cx, 318, w/2, 12, cLight) }

func (c *canvas) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, c.img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func motifChip(c *canvas) {
	c.shadow(240, 260)
	for i := range 12 {
		o := 150 + i*16
		c.rect(o, 60, o+8, 80, cGold)
		c.rect(o, 280, o+8, 300, cGold)
		c.rect(140, o-90, 160, o-82, cGold)
		c.rect(320, o-90, 340, o-82, cGold)
	}
	c.rect(150, 70, 330, 290, cDark)
	c.rect(175, 95, 305, 265, cGrey)
	c.rect(185, 105, 295, 255, cMain)
	c.rect(200, 160, 280, 200, cLight)
}

func motifGPU(c *canvas) {
	c.shadow(240, 420)
	c.rect(30, 100, 44, 270, cGrey) // bracket
	c.rect(44, 110, 450, 260, cBlack)
	c.rect(52, 118, 442, 252, cDark)
	c.fan(130, 185, 58, 9)
	c.fan(250, 185, 58, 9)
	c.fan(370, 185, 58, 9)
	c.rect(120, 260, 300, 274, cGold)
	c.rect(52, 118, 442, 124, cMain)
}

func motifStick(c *canvas) {
	c.shadow(240, 440)
	c.rect(20, 110, 460, 150, cMain) // heat spreader top
	c.rect(20, 150, 460, 250, cDark)
	for i := range 8 {
		x := 40 + i*52
		c.rect(x, 168, x+38, 228, cBlack)
	}
	for x := 30; x < 450; x += 8 {
		if x > 230 && x < 250 {
			continue // the key notch
		}
		c.rect(x, 252, x+5, 274, cGold)
	}
}

func motifM2(c *canvas) {
	c.shadow(240, 420)
	c.rect(40, 150, 440, 220, cDark)
	c.rect(40, 150, 440, 156, cMain)
	c.rect(70, 162, 140, 210, cBlack)
	c.rect(160, 162, 250, 210, cBlack)
	c.rect(270, 162, 360, 210, cBlack)
	c.rect(165, 175, 245, 180, cMain)
	for y := 156; y < 216; y += 7 {
		if y > 170 && y < 184 {
			continue
		}
		c.rect(22, y, 40, y+4, cGold)
	}
	c.circle(440, 185, 12, cBackground)
	c.ring(440, 185, 8, 12, cGold, nil)
}

func motifPlatter(c *canvas) {
	c.shadow(240, 260)
	c.rect(120, 40, 360, 300, cGrey)
	c.rect(126, 46, 354, 294, cDark)
	c.circle(240, 150, 100, cLight)
	c.ring(240, 150, 40, 100, cMain, func(a float64) bool { return math.Mod(a+math.Pi, 0.5) < 0.08 })
	c.circle(240, 150, 22, cGrey)
	c.circle(240, 150, 8, cBlack)
	for i := range 110 {
		c.circle(330-i*3/4, 270-i, 6, cBlack) // the actuator arm
	}
	c.circle(330, 270, 16, cGrey)
}

func motifBoard(c *canvas) {
	c.shadow(240, 300)
	c.rect(90, 20, 390, 320, cDark)
	for y := 30; y < 310; y += 14 {
		for x := 100; x < 380; x += 14 {
			c.set(x, y, cMain)
		}
	}
	c.rect(130, 50, 230, 150, cGrey) // socket
	c.rect(145, 65, 215, 135, cLight)
	for i := range 4 {
		c.rect(260+i*18, 40, 270+i*18, 190, cBlack) // DIMM slots
	}
	c.rect(110, 200, 360, 214, cBlack) // PCIe slots
	c.rect(110, 250, 300, 262, cBlack)
	c.rect(300, 220, 360, 290, cMain) // chipset heatsink
}

func motifPSU(c *canvas) {
	c.shadow(240, 340)
	c.rect(70, 60, 410, 300, cBlack)
	c.rect(78, 68, 402, 292, cDark)
	c.fan(240, 180, 100, 7)
	for r := 30; r <= 100; r += 14 {
		c.ring(240, 180, r, r+2, cGrey, nil)
	}
	c.rect(70, 60, 410, 72, cMain)
}

func motifTower(c *canvas) {
	c.shadow(240, 240)
	c.rect(130, 20, 350, 320, cBlack)
	c.rect(142, 32, 338, 300, cDark)
	c.rect(150, 40, 270, 292, cLight) // glass
	c.fan(305, 90, 26, 7)
	c.fan(305, 160, 26, 7)
	c.fan(305, 230, 26, 7)
	c.rect(165, 200, 255, 230, cMain)
}

func motifFan(c *canvas) {
	c.shadow(240, 280)
	c.rect(100, 30, 380, 310, cBlack)
	c.circle(112, 42, 6, cGrey)
	c.circle(368, 42, 6, cGrey)
	c.circle(112, 298, 6, cGrey)
	c.circle(368, 298, 6, cGrey)
	c.fan(240, 170, 130, 9)
	c.ring(240, 170, 126, 132, cMain, nil)
}

func motifLaptop(c *canvas) {
	c.shadow(240, 420)
	c.rect(100, 40, 380, 230, cBlack)
	c.rect(112, 52, 368, 218, cMain)
	c.rect(112, 52, 368, 80, cLight)
	for y := 230; y < 290; y++ {
		inset := (290 - y) * 2 / 3
		c.rect(40+inset, y, 440-inset, y+1, cGrey)
	}
	c.rect(40, 290, 440, 300, cDark)
	c.rect(210, 272, 270, 284, cDark) // trackpad
}

func motifMonitor(c *canvas) {
	c.shadow(240, 260)
	c.rect(50, 30, 430, 250, cBlack)
	c.rect(60, 40, 420, 236, cMain)
	c.ellipse(180, 110, 120, 50, cLight)
	c.rect(225, 250, 255, 300, cDark)
	c.rect(150, 298, 330, 310, cDark)
}

func motifKeyboard(c *canvas) {
	c.shadow(240, 460)
	c.rect(20, 110, 460, 270, cBlack)
	c.rect(28, 118, 452, 262, cDark)
	for row := range 5 {
		for col := range 14 {
			x := 36 + col*29 + (row%2)*6
			y := 126 + row*27
			if x+24 > 446 {
				continue
			}
			c.rect(x, y, x+24, y+21, cLight)
		}
	}
	c.rect(140, 234, 330, 255, cLight) // space bar
	c.rect(28, 118, 452, 122, cMain)
}

func motifMouse(c *canvas) {
	c.shadow(240, 200)
	c.ellipse(240, 180, 95, 140, cDark)
	c.ellipse(240, 185, 85, 128, cMain)
	c.rect(237, 45, 243, 150, cDark)
	c.rect(231, 80, 249, 120, cBlack) // wheel
	c.rect(234, 86, 246, 114, cGrey)
}

func motifHeadset(c *canvas) {
	c.shadow(240, 320)
	c.ring(240, 180, 120, 140, cDark, func(a float64) bool { return a < 0 })
	c.ring(240, 180, 124, 136, cMain, func(a float64) bool { return a < -0.15 && a > -math.Pi+0.15 })
	c.ellipse(115, 215, 45, 70, cBlack)
	c.ellipse(365, 215, 45, 70, cBlack)
	c.ellipse(115, 215, 32, 55, cMain)
	c.ellipse(365, 215, 32, 55, cMain)
	for i := range 70 {
		c.circle(125+i, 270+i/3, 4, cDark) // the boom mic
	}
	c.circle(196, 294, 9, cBlack)
}

func motifRouter(c *canvas) {
	c.shadow(240, 380)
	for i, x := range []int{90, 180, 300, 390} {
		c.rect(x-7, 40+(i%2)*20, x+7, 200, cBlack)
	}
	c.rect(50, 190, 430, 290, cBlack)
	c.rect(58, 198, 422, 282, cDark)
	for i := range 8 {
		c.circle(110+i*37, 240, 6, cMain)
	}
	c.rect(58, 198, 422, 204, cMain)
}

func motifSwitch(c *canvas) {
	c.shadow(240, 460)
	c.rect(20, 130, 460, 240, cGrey)
	c.rect(28, 138, 452, 232, cDark)
	for row := range 2 {
		for col := range 12 {
			x := 60 + col*31
			y := 150 + row*40
			c.rect(x, y, x+24, y+28, cBlack)
			c.rect(x+4, y+4, x+20, y+10, cGold)
		}
	}
	c.circle(42, 160, 5, cMain)
	c.circle(42, 180, 5, cMain)
}

func motifAdapter(c *canvas) {
	c.shadow(240, 340)
	c.rect(60, 60, 80, 300, cGrey) // bracket
	c.rect(80, 120, 400, 260, cDark)
	c.rect(80, 120, 400, 128, cMain)
	c.rect(220, 160, 300, 230, cBlack)
	c.rect(140, 260, 330, 276, cGold)
	c.rect(35, 40, 49, 140, cBlack) // antenna
	c.rect(35, 180, 49, 280, cBlack)
	c.rect(49, 110, 60, 125, cGrey)
	c.rect(49, 210, 60, 225, cGrey)
}

// motifFamily is the second image of a product: its root category's
// pattern.
func motifFamily(c *canvas) {
	for y := range imageHeight {
		for x := range imageWidth {
			if ((x+y)/24)%2 == 0 {
				c.img.SetColorIndex(x, y, cLight)
			}
		}
	}
	c.circle(240, 180, 120, cMain)
	c.circle(240, 180, 80, cDark)
	c.circle(240, 180, 40, cWhite)
}

// insertImages renders every category's image, stores it by the SHA-256
// of its bytes (an image already there is kept) and remembers the hash on
// the category. It returns how many images the catalogue uses.
func insertImages(ctx context.Context, tx pgx.Tx, t *tree) (int, error) {
	for _, cat := range t.all {
		cv := newCanvas(cat.color)
		cat.motif(cv)
		data, err := cv.encode()
		if err != nil {
			return 0, fmt.Errorf("encode image of %s: %w", cat.slug, err)
		}
		sum := sha256.Sum256(data)
		cat.imageSHA = hex.EncodeToString(sum[:])
		if _, err := tx.Exec(ctx, `INSERT INTO images (sha256, content_type, data, width, height) VALUES ($1, 'image/png', $2, $3, $4)
			ON CONFLICT (sha256) DO NOTHING`, cat.imageSHA, data, imageWidth, imageHeight); err != nil {
			return 0, fmt.Errorf("insert image of %s: %w", cat.slug, err)
		}
	}
	return len(t.all), nil
}
