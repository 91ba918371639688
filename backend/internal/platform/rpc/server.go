package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ReadyCheck is one dependency probed by /readyz.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
	// Detail, if set, describes the dependency's state in /readyz (for
	// example "commits asynchronous: no synchronous standby") without
	// deciding readiness.
	Detail func(ctx context.Context) string
}

// Health serves /healthz and /readyz and knows whether the server drains.
type Health struct {
	checks   []ReadyCheck
	draining atomic.Bool
	drainCh  chan struct{}
	once     sync.Once
}

// NewHealth returns a Health probing checks.
func NewHealth(checks ...ReadyCheck) *Health {
	return &Health{checks: checks, drainCh: make(chan struct{})}
}

// StartDraining makes /readyz fail and closes the Draining channel, which
// tells long-lived streams to end cleanly.
func (h *Health) StartDraining() {
	h.once.Do(func() {
		h.draining.Store(true)
		close(h.drainCh)
	})
}

// Draining is closed once the server begins to shut down. Stream handlers
// select on it and return, so clients reconnect to another instance.
func (h *Health) Draining() <-chan struct{} { return h.drainCh }

// Live answers /healthz: the process is up and serving HTTP.
func (h *Health) Live(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// Ready answers /readyz: 200 when every dependency answers and the server is
// not draining, 503 otherwise, with one line per check.
func (h *Health) Ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	type result struct {
		Name   string `json:"name"`
		OK     bool   `json:"ok"`
		Error  string `json:"error,omitempty"`
		Detail string `json:"detail,omitempty"`
	}
	results := make([]result, len(h.checks))
	var wg sync.WaitGroup
	for i, c := range h.checks {
		wg.Go(func() {
			results[i] = result{Name: c.Name, OK: true}
			if err := c.Check(ctx); err != nil {
				results[i] = result{Name: c.Name, OK: false, Error: err.Error()}
			}
			if c.Detail != nil {
				results[i].Detail = c.Detail(ctx)
			}
		})
	}
	wg.Wait()
	ready := !h.draining.Load()
	for _, res := range results {
		ready = ready && res.OK
	}
	body := struct {
		Status   string   `json:"status"`
		Draining bool     `json:"draining"`
		Checks   []result `json:"checks"`
	}{Status: "ready", Draining: h.draining.Load(), Checks: results}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ready {
		body.Status = "not ready"
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(body)
}

// LimitBody caps every request body at maxBytes plus a little room for
// framing. Connect enforces the exact cap per message (and answers
// resource_exhausted); this one also covers the plain HTTP routes and stops
// a client from streaming an endless body.
func LimitBody(maxBytes int64, next http.Handler) http.Handler {
	limit := maxBytes + 64<<10
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// DrainingHeader is set on every response while the server drains. The edge
// (ops/openresty/lua/partsbin/balancer.lua) takes an instance that answers
// with it out of its rotation at once, long before the listener closes.
const DrainingHeader = "X-Partsbin-Draining"

// closeWhileDraining announces the drain on every response and asks
// HTTP/1.x clients to close their connection after it. (HTTP/2 connections
// get a GOAWAY from Shutdown.)
func closeWhileDraining(h *Health, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.draining.Load() {
			w.Header().Set(DrainingHeader, "1")
			if r.ProtoMajor == 1 {
				w.Header().Set("Connection", "close")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// ServerOptions configure Serve.
type ServerOptions struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	DrainDelay        time.Duration
	ShutdownGrace     time.Duration
}

// Serve runs handler on ln with HTTP/1.1 and cleartext HTTP/2 until ctx
// ends, then shuts down gracefully: /readyz turns 503, streams are told to
// end and every HTTP/1.1 response says "Connection: close"; after DrainDelay
// the listener closes and in-flight calls get up to ShutdownGrace to finish.
//
// A proxy in front (the edge) must stop sending before the listener closes:
// a request written onto a keep-alive connection as it is closed, or onto a
// new connection still queued in the listener's backlog, is lost, and a
// POST cannot be retried blindly. So while draining every response says
// X-Partsbin-Draining (the edge then sends nothing new here) and, for
// HTTP/1.x, "Connection: close" (for other clients; idle connections are
// left for the client to close, not closed under it as
// SetKeepAlivesEnabled(false) would). The edge's idle keep-alive
// connections expire after 1 s, so a DrainDelay of a few seconds leaves
// none when the listener closes.
//
// There is no WriteTimeout: it would cut server streams. Unary calls are
// bounded by the Observer's deadline instead; streams by their heartbeats
// and the client going away.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler, health *Health, opts ServerOptions, log *slog.Logger) error {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:           closeWhileDraining(health, handler),
		Protocols:         &protocols,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errCh := make(chan error, 1)
	go func() { errCh <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())

	select {
	case err := <-errCh:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining", "drain_delay", opts.DrainDelay)
	health.StartDraining()
	time.Sleep(opts.DrainDelay)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), opts.ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("shutdown grace period over, closing remaining connections")
		err = srv.Close()
	}
	if serveErr := <-errCh; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	log.Info("server stopped")
	return err
}
