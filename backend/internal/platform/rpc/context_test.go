package rpc

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestClientAddr_TrustsOnlyConfiguredProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name   string
		remote string
		xff    string
		realIP string
		want   string
	}{
		{"direct client", "203.0.113.9:5555", "", "", "203.0.113.9"},
		{"forged XFF from an untrusted peer", "203.0.113.9:5555", "1.2.3.4", "5.6.7.8", "203.0.113.9"},
		{"edge forwards the client", "10.0.0.5:1234", "198.51.100.4", "", "198.51.100.4"},
		{"client-supplied XFF left of the edge's entry is ignored", "10.0.0.5:1234", "1.2.3.4, 198.51.100.4", "", "198.51.100.4"},
		{"chain of trusted proxies", "10.0.0.5:1234", "198.51.100.4, 10.1.1.1", "", "198.51.100.4"},
		{"X-Real-IP from the edge", "10.0.0.5:1234", "", "198.51.100.8", "198.51.100.8"},
		{"garbage XFF falls back to the peer", "10.0.0.5:1234", "nonsense", "", "10.0.0.5"},
		{"ipv6 peer", "[2001:db8::1]:443", "", "", "2001:db8::1"},
	}
	for _, c := range cases {
		r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.realIP != "" {
			r.Header.Set("X-Real-IP", c.realIP)
		}
		if got := clientAddr(r, trusted).String(); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestSaneRequestID(t *testing.T) {
	for id, want := range map[string]bool{"abcdef12": true, "req-1234_5.6": true, "short": false, "has space x": false, "<script>alert(1)": false} {
		if got := saneRequestID(id); got != want {
			t.Errorf("saneRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestViolations(t *testing.T) {
	var v Violations
	if v.Err() != nil {
		t.Fatal("empty violations produced an error")
	}
	CheckEmail(&v, "email", "bad@")
	CheckText(&v, "name", "", 1, 10, false)
	CheckPhone(&v, "phone", "call me")
	err := v.Err()
	if err == nil || len(v.list) != 3 {
		t.Fatalf("err %v with %d violations, want 3", err, len(v.list))
	}
}
