package seed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	firstNames = []string{"Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannah", "Ivan", "Julia", "Karim", "Lena",
		"Mateo", "Nora", "Oskar", "Paula", "Quentin", "Rosa", "Samir", "Tara", "Uwe", "Vera", "Wei", "Yara", "Zoe", "Luca",
		"Mira", "Jonas", "Sofia", "Emil", "Ines", "Noah", "Amelie", "Piotr", "Chiara", "Lars"}
	lastNames = []string{"Müller", "Schmidt", "Novak", "García", "Rossi", "Jansen", "Dubois", "Kowalski", "Nielsen", "Silva",
		"Weber", "Fischer", "Horvat", "Costa", "Meyer", "Wagner", "Kaya", "Lindqvist", "Bauer", "O'Brien", "Papadopoulos",
		"Schneider", "Martin", "Nowak", "Hoffmann", "Virtanen", "Becker", "Ricci", "Svensson", "Yilmaz"}
)

type seededUsers struct {
	// customers are the ids of the customer accounts, in order
	// (customer1 first), whether new or already there.
	customers [][16]byte
}

// insertUsers creates the customer and staff accounts; an address that
// already exists is left alone and its account reused.
func insertUsers(ctx context.Context, tx pgx.Tx, opts Options, passwordHash string, r, ids *rand.Rand) (seededUsers, int, error) {
	var (
		idList                   [][16]byte
		emails, names, roles     []string
		phones                   []string
		createdAt                []time.Time
		customerEmails, allEmail []string
	)
	add := func(role string, n int) {
		for i := 1; i <= n; i++ {
			email := fmt.Sprintf("%s%d@%s", role, i, EmailDomain)
			idList = append(idList, newID(ids))
			emails = append(emails, email)
			names = append(names, pick(r, firstNames)+" "+pick(r, lastNames))
			roles = append(roles, role)
			phones = append(phones, fmt.Sprintf("+49 15%d %07d", r.IntN(10), r.IntN(10_000_000)))
			createdAt = append(createdAt, opts.Now.Add(-time.Duration(740+r.IntN(200))*24*time.Hour-time.Duration(r.IntN(86400))*time.Second))
			if role == "customer" {
				customerEmails = append(customerEmails, email)
			}
			allEmail = append(allEmail, email)
		}
	}
	add("customer", opts.Customers)
	add("staff", opts.Staff)
	if len(emails) == 0 {
		return seededUsers{}, 0, nil
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO users (id, email, password_hash, full_name, phone, role, created_at, updated_at)
		SELECT id, email, $3, full_name, phone, role, created_at, created_at
		FROM unnest($1::uuid[], $2::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
			AS u (id, email, full_name, phone, role, created_at)
		ON CONFLICT (email) DO NOTHING`, idList, emails, passwordHash, names, phones, roles, createdAt)
	if err != nil {
		return seededUsers{}, 0, fmt.Errorf("insert users: %w", err)
	}
	rows, err := tx.Query(ctx, "SELECT email, id FROM users WHERE email = ANY($1)", customerEmails)
	if err != nil {
		return seededUsers{}, 0, fmt.Errorf("read customers: %w", err)
	}
	byEmail := map[string][16]byte{}
	for rows.Next() {
		var email string
		var id [16]byte
		if err := rows.Scan(&email, &id); err != nil {
			rows.Close()
			return seededUsers{}, 0, fmt.Errorf("read customers: %w", err)
		}
		byEmail[email] = id
	}
	if err := rows.Err(); err != nil {
		return seededUsers{}, 0, fmt.Errorf("read customers: %w", err)
	}
	var u seededUsers
	for _, e := range customerEmails {
		u.customers = append(u.customers, byEmail[e])
	}
	return u, int(tag.RowsAffected()), nil
}

type review struct {
	id, productID, userID [16]byte
	rating                int16
	title, body           string
	created               time.Time
}

// reviewer draws the reviews of products from its own random stream.
type reviewer struct {
	r         *rand.Rand
	customers [][16]byte
	mean      float64
	now       time.Time
	order     []int
}

func newReviewer(opts Options, customers [][16]byte, r *rand.Rand) *reviewer {
	order := make([]int, len(customers))
	for i := range order {
		order[i] = i
	}
	return &reviewer{r: r, customers: customers, mean: opts.ReviewsPerProduct, now: opts.Now, order: order}
}

// Rating weights for 1..5 stars by how good a product turned out to be.
var ratingWeights = [][5]int{
	{2, 3, 10, 35, 50},   // good (70%)
	{5, 8, 20, 40, 27},   // average (22%)
	{20, 20, 25, 22, 13}, // poor (8%)
}

// count draws how many reviews a product gets: a geometric distribution
// with the configured mean (most products have a few, some none, a few
// many), capped at 8; the featured products get more.
func (v *reviewer) count(featured bool) int {
	limit := len(v.customers)
	if limit == 0 || v.mean <= 0 {
		return 0
	}
	if featured {
		return min(limit, 8+v.r.IntN(8))
	}
	p := 1 / (1 + v.mean)
	k := int(math.Floor(math.Log(1-v.r.Float64()) / math.Log(1-p)))
	return min(k, 8, limit)
}

func (v *reviewer) reviews(batch []product) []review {
	var out []review
	for _, p := range batch {
		if p.status == "draft" {
			continue // not on sale yet, so nobody bought it
		}
		n := v.count(p.featured)
		if n == 0 {
			continue
		}
		tier := 0
		switch u := v.r.Float64(); {
		case p.featured:
		case u >= 0.92:
			tier = 2
		case u >= 0.70:
			tier = 1
		}
		// A partial shuffle picks n distinct customers.
		for i := range n {
			j := i + v.r.IntN(len(v.order)-i)
			v.order[i], v.order[j] = v.order[j], v.order[i]
		}
		for i := range n {
			rating := drawRating(v.r, ratingWeights[tier])
			span := v.now.Sub(p.created)
			title, body := reviewText(v.r, p.leaf.slug, rating)
			out = append(out, review{
				id:        newID(v.r),
				productID: p.id,
				userID:    v.customers[v.order[i]],
				rating:    int16(rating),
				title:     title,
				body:      body,
				created:   p.created.Add(time.Duration(v.r.Float64() * float64(span)).Truncate(time.Second)),
			})
		}
	}
	return out
}

func drawRating(r *rand.Rand, w [5]int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.IntN(total)
	for i, x := range w {
		if n < x {
			return i + 1
		}
		n -= x
	}
	return 5
}

var reviewTitles = [5][]string{
	{"Do not buy", "Stopped working", "Very disappointed", "Returned it", "Dead on arrival"},
	{"Disappointing", "Expected more", "Not great", "Had issues", "Meh"},
	{"Okay", "Decent but not great", "Mixed feelings", "Average", "Fine for the price"},
	{"Very good", "Solid choice", "Great, with small caveats", "Does the job well", "Happy with it", "Good value"},
	{"Excellent", "Exactly what I needed", "Highly recommended", "Fantastic value", "Love it", "Flawless", "Best purchase this year"},
}

var reviewOpeners = [5][]string{
	{"It failed after two weeks.", "Did not work out of the box.", "Quality is simply not there."},
	{"It works, but not as advertised.", "Build quality feels cheap.", "I had to contact support twice."},
	{"It does what it says, nothing more.", "Good enough, though I expected a bit more.", "Some pros, some cons."},
	{"Very happy overall.", "Works well and was easy to set up.", "Good quality for the money."},
	{"Absolutely great.", "Could not be happier.", "Exceeded my expectations.", "Top quality, no complaints at all."},
}

// reviewRemarks are category-specific: [0] for happy reviews, [1] for
// unhappy ones.
var reviewRemarks = map[string][2][]string{
	"cpus":             {{"Runs cool with a decent cooler and games are much smoother.", "A big upgrade over my old chip."}, {"Runs hotter than I expected.", "Needed a BIOS update before it would boot."}},
	"graphics-cards":   {{"Handles everything I play at high settings.", "Quiet under load, no coil whine."}, {"Noticeable coil whine.", "The fans get loud in games."}},
	"memory":           {{"EXPO profile worked right away.", "Stable at the rated speed."}, {"Would not run at the rated speed on my board.", "Memory training took ages."}},
	"ssds":             {{"Boot times are now a few seconds.", "Fast and stays cool."}, {"Slows down a lot on long writes.", "Gets hot without a heatsink."}},
	"hard-drives":      {{"Quiet enough for a living-room NAS.", "Plenty of space for backups."}, {"Louder than I hoped.", "Arrived with reallocated sectors."}},
	"motherboards":     {{"BIOS is easy to navigate.", "Plenty of M.2 slots and USB ports."}, {"The BIOS is buggy.", "Wi-Fi drops out now and then."}},
	"power-supplies":   {{"Silent, the fan barely spins.", "Cables are nicely sleeved."}, {"Audible coil whine at idle.", "Cables are stiff and short."}},
	"cases":            {{"Great airflow and easy to build in.", "Cable management is a breeze."}, {"Thin panels that rattle.", "Sharp edges inside."}},
	"cooling":          {{"Temperatures dropped by ten degrees.", "Almost inaudible."}, {"Pump noise is noticeable.", "Mounting was fiddly."}},
	"laptops":          {{"Battery lasts all day.", "Great screen and keyboard."}, {"Fans spin up too often.", "Battery life is shorter than advertised."}},
	"monitors":         {{"Colours look great out of the box.", "No dead pixels, very sharp."}, {"Some backlight bleed.", "The stand wobbles."}},
	"keyboards":        {{"Typing feels great.", "Solid build, no flex."}, {"Some keys rattle.", "The software is clunky."}},
	"mice":             {{"Fits my hand perfectly.", "The sensor is precise."}, {"Double-clicks after a few months.", "Battery drains quickly."}},
	"headsets":         {{"Comfortable for hours.", "Mic quality is great."}, {"Clamps too hard.", "The mic sounds muffled."}},
	"routers":          {{"Coverage across the whole flat.", "Setup took ten minutes."}, {"Drops connections every few days.", "The app is slow."}},
	"switches":         {{"Plug and play, works perfectly.", "Silent and small."}, {"Gets warm.", "One port died."}},
	"network-adapters": {{"Drivers installed automatically.", "Full speed right away."}, {"Drivers were a pain on Linux.", "Connection drops now and then."}},
}

var reviewClosers = []string{"Delivery was quick.", "Arrived well packed.", "Would buy again.", "Recommended.", ""}

func reviewText(r *rand.Rand, leaf string, rating int) (string, string) {
	title := pick(r, reviewTitles[rating-1])
	parts := []string{pick(r, reviewOpeners[rating-1])}
	if remarks, ok := reviewRemarks[leaf]; ok && rating != 3 {
		side := 0
		if rating < 3 {
			side = 1
		}
		if chance(r, 0.8) {
			parts = append(parts, pick(r, remarks[side]))
		}
	}
	if rating >= 4 {
		if c := pick(r, reviewClosers); c != "" {
			parts = append(parts, c)
		}
	}
	return title, strings.Join(parts, " ")
}
