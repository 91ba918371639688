package main

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

// fakeResolver answers every lookup with addrs.
type fakeResolver []netip.Addr

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return f, nil
}

func TestCheckLoopbackURL(t *testing.T) {
	t.Parallel()
	loop := fakeResolver{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}
	public := fakeResolver{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("93.184.215.14")}
	tests := []struct {
		url         string
		r           resolver
		ok          bool
		notLoopback bool
	}{
		{"http://127.0.0.1:8080", loop, true, false},
		{"http://127.9.9.9:18282/", loop, true, false},
		{"http://[::1]:8080", loop, true, false},
		{"http://localhost:8080", loop, true, false},
		{"http://10.0.0.5:8080", loop, false, true},
		{"http://[2001:db8::1]:8080", loop, false, true},
		{"http://shop.example:8080", public, false, true},
		{"https://127.0.0.1:8080", loop, false, false},
		{"127.0.0.1:8080", loop, false, false},
		{"http://:8080", loop, false, false},
	}
	for _, tt := range tests {
		_, err := checkLoopbackURL(context.Background(), tt.url, tt.r)
		if (err == nil) != tt.ok {
			t.Errorf("checkLoopbackURL(%q) error = %v, want ok=%v", tt.url, err, tt.ok)
		}
		if got := errors.Is(err, errNotLoopback); got != tt.notLoopback {
			t.Errorf("checkLoopbackURL(%q) = %v, want errNotLoopback=%v", tt.url, err, tt.notLoopback)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:80":          true,
		"[::1]:80":              true,
		"[::ffff:127.0.0.1]:80": true,
		"192.168.1.1:80":        false,
	} {
		if err := loopbackOnly("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("loopbackOnly(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}
