package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"connectrpc.com/connect"
)

// target is a partsbin server reachable through an HTTP client set up for
// the chosen protocol and transport.
type target struct {
	baseURL    string
	httpClient *http.Client
	options    []connect.ClientOption
}

// newTarget checks o.url and returns the client side of a run against it.
func newTarget(ctx context.Context, o options) (target, error) {
	u, err := checkLoopbackURL(ctx, o.url, net.DefaultResolver)
	if err != nil {
		return target{}, err
	}
	var opts []connect.ClientOption
	if o.protocol == "grpc" {
		opts = append(opts, connect.WithGRPC())
	}
	return target{
		baseURL:    u.String(),
		httpClient: newHTTPClient(o),
		options:    opts,
	}, nil
}

// resolver looks up a host's addresses; *net.Resolver satisfies it.
type resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// errNotLoopback is returned for a target off this machine.
var errNotLoopback = errors.New("pbbench is a load generator and only targets loopback addresses (127.0.0.0/8, ::1, localhost)")

// checkLoopbackURL parses raw as an http:// base URL and makes sure its
// host is a loopback address, or a name that resolves to loopback
// addresses only.
func checkLoopbackURL(ctx context.Context, raw string, r resolver) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("-url %q: only http:// is supported (the local stack speaks cleartext HTTP/1.1 and h2c)", raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("-url %q: no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("-url %q: want a base URL without user info, query or fragment", raw)
	}
	if err := checkLoopbackHost(ctx, host, r); err != nil {
		return nil, fmt.Errorf("-url %q: %w", raw, err)
	}
	return u, nil
}

// checkLoopbackHost makes sure host is a loopback address, or a name that
// resolves to loopback addresses only.
func checkLoopbackHost(ctx context.Context, host string, r resolver) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.IsLoopback() {
			return fmt.Errorf("refusing %s: not a loopback address: %w", ip, errNotLoopback)
		}
		return nil
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, ip := range addrs {
		if !ip.IsLoopback() {
			return fmt.Errorf("refusing %s: it resolves to %s, not a loopback address: %w", host, ip, errNotLoopback)
		}
	}
	if len(addrs) == 0 {
		return fmt.Errorf("%s resolves to no address", host)
	}
	return nil
}

// newHTTPClient returns a client that keeps one idle connection per worker
// (HTTP/1.1) or multiplexes over cleartext HTTP/2, follows no redirects and
// can only dial loopback addresses, whatever a name resolves to by then.
func newHTTPClient(o options) *http.Client {
	var protocols http.Protocols
	if o.transport == "h2c" || (o.transport == "auto" && o.protocol == "grpc") {
		protocols.SetUnencryptedHTTP2(true)
	} else {
		protocols.SetHTTP1(true)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	transport := &http.Transport{
		DialContext:         dialer.DialContext,
		Protocols:           &protocols,
		MaxIdleConns:        o.concurrency,
		MaxIdleConnsPerHost: o.concurrency,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// loopbackOnly is a net.Dialer Control function that refuses to connect
// to anything but a loopback address.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s %s: %w", network, address, err)
	}
	if !ap.Addr().Unmap().IsLoopback() {
		return fmt.Errorf("dial %s: %w", address, errNotLoopback)
	}
	return nil
}

// bearer returns an interceptor that sends token as the caller's session.
func bearer(token string) connect.Interceptor { return bearerAuth{value: "Bearer " + token} }

// bearerAuth sets the Authorization header on unary calls and streams.
type bearerAuth struct{ value string }

func (b bearerAuth) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set("Authorization", b.value)
		return next(ctx, req)
	}
}

func (b bearerAuth) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set("Authorization", b.value)
		return conn
	}
}

func (b bearerAuth) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// shopperClient is an HTTP client for demo shopper i that connects from its
// own loopback address (127.0.2.i+1) when the target is an IPv4 loopback
// address: through the edge every shopper then has its own per-address
// quota, as real shoppers do, instead of all sharing 127.0.0.1's.
func shopperClient(o options, baseURL string, i int) *http.Client {
	hc := newHTTPClient(o)
	u, err := url.Parse(baseURL)
	if err != nil {
		return hc
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err != nil || !ip.Is4() {
		return hc
	}
	local := netip.AddrFrom4([4]byte{127, 0, 2 + byte(i/250), byte(i%250 + 1)})
	hc.Transport.(*http.Transport).DialContext = (&net.Dialer{
		Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly,
		LocalAddr: &net.TCPAddr{IP: local.AsSlice()},
	}).DialContext
	return hc
}
