package rpc

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestServe_DrainsThenStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	health := NewHealth()
	inFlight := make(chan struct{})
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", health.Ready)
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(inFlight)
		<-release
		_, _ = w.Write([]byte("done"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, mux, health, ServerOptions{DrainDelay: 300 * time.Millisecond, ShutdownGrace: 5 * time.Second,
			ReadHeaderTimeout: time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	base := "http://" + ln.Addr().String()
	status := func(path string) int {
		res, err := http.Get(base + path)
		if err != nil {
			return 0
		}
		defer res.Body.Close()
		return res.StatusCode
	}
	if got := status("/readyz"); got != 200 {
		t.Fatalf("readyz before shutdown: %d", got)
	}
	slowBody := make(chan string, 1)
	go func() {
		res, err := http.Get(base + "/slow")
		if err != nil {
			slowBody <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		slowBody <- string(b)
	}()
	<-inFlight
	cancel()
	select {
	case <-health.Draining():
	case <-time.After(2 * time.Second):
		t.Fatal("draining never started")
	}
	if got := status("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining: %d, want 503", got)
	}
	close(release)
	if got := <-slowBody; got != "done" {
		t.Errorf("in-flight request during shutdown got %q, want it completed", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func TestServe_DrainingClosesKeepAliveConnectionsAfterEachResponse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	health := NewHealth()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("pong")) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, mux, health, ServerOptions{DrainDelay: 2 * time.Second, ShutdownGrace: 5 * time.Second,
			ReadHeaderTimeout: time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	client := &http.Client{Transport: &http.Transport{}}
	get := func() *http.Response {
		t.Helper()
		res, err := client.Get("http://" + ln.Addr().String() + "/ping")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	if res := get(); res.Close || res.Header.Get(DrainingHeader) != "" {
		t.Fatal("response before draining announces a drain")
	}
	cancel()
	<-health.Draining()
	// The idle keep-alive connection stays usable (closing it under a proxy
	// that is writing onto it would fail that request) ...
	res := get()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("request during the drain delay: %d", res.StatusCode)
	}
	// ... and the response tells the client to close it afterwards.
	if !res.Close {
		t.Error(`response while draining lacks "Connection: close"`)
	}
	if res.Header.Get(DrainingHeader) != "1" {
		t.Errorf("response while draining lacks %s", DrainingHeader)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}
