package config

import (
	"strings"
	"testing"
	"time"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestFromLookup_DefaultsAreValid(t *testing.T) {
	c, err := FromLookup(lookup(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.Argon2MemoryKiB != 19456 || c.Argon2Iterations != 2 {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestFromLookup_Overrides(t *testing.T) {
	c, err := FromLookup(lookup(map[string]string{
		"PARTSBIN_HTTP_ADDR":       "127.0.0.1:9001",
		"PARTSBIN_SESSION_TTL":     "48h",
		"PARTSBIN_CORS_ORIGINS":    " https://shop.example , https://admin.example ",
		"PARTSBIN_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
		"PARTSBIN_DB_MAX_CONNS":    "40",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:9001" || c.SessionTTL != 48*time.Hour || c.DBMaxConns != 40 {
		t.Errorf("got %+v", c)
	}
	if got := strings.Join(c.CORSOrigins, "|"); got != "https://shop.example|https://admin.example" {
		t.Errorf("origins = %q", got)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "127.0.0.1/32" || c.TrustedProxies[1].String() != "10.0.0.0/8" {
		t.Errorf("proxies = %v", c.TrustedProxies)
	}
}

func TestFromLookup_RejectsBadValues(t *testing.T) {
	cases := map[string]string{
		"PARTSBIN_SESSION_TTL":       "forever",
		"PARTSBIN_DB_MAX_CONNS":      "-3",
		"PARTSBIN_ARGON2_MEMORY_KIB": "1024",
		"PARTSBIN_SMTP_TLS":          "maybe",
		"PARTSBIN_TRUSTED_PROXIES":   "not-an-ip",
		"PARTSBIN_MIGRATE_ON_START":  "yes please",
		"PARTSBIN_LOG_LEVEL":         "loud",
	}
	for k, v := range cases {
		if _, err := FromLookup(lookup(map[string]string{k: v})); err == nil {
			t.Errorf("%s=%q accepted, want an error", k, v)
		}
	}
}

func TestMasked_HidesSecrets(t *testing.T) {
	c := Default()
	c.DatabaseURL = "postgres://partsbin:s3cret-db@127.0.0.1:54321/partsbin?sslmode=disable"
	c.RedisURL = "redis://default:s3cret-redis@127.0.0.1:63790/0"
	c.SMTPPassword = "s3cret-smtp"
	out := strings.Join(c.Masked(), "\n")
	for _, secret := range []string{"s3cret-db", "s3cret-redis", "s3cret-smtp"} {
		if strings.Contains(out, secret) {
			t.Errorf("masked config leaks %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "PARTSBIN_DATABASE_URL=postgres://partsbin:%2A%2A%2A%2A@127.0.0.1:54321/partsbin") &&
		!strings.Contains(out, "PARTSBIN_DATABASE_URL=postgres://partsbin:****@127.0.0.1:54321/partsbin") {
		t.Errorf("database url not shown with a masked password:\n%s", out)
	}
}
