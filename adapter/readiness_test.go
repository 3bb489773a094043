package adapter

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func readinessFor(t *testing.T, addr string, path string, protocol ReadinessProtocol, healthy string) (*readiness, *bytes.Buffer) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	c := &Config{Host: host, ReadinessPath: path, ReadinessProtocol: protocol, PoolIdleTimeout: time.Second}
	c.Port, _ = strconv.Atoi(port)
	c.ReadinessPort = c.Port
	c.Function.MaxConcurrency = 1
	var err error
	if c.HealthyStatus, err = ParseStatusSet(healthy); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	return newReadiness(c, newAppClient(c).pool, slog.New(slog.NewTextHandler(&logs, nil))), &logs
}

func TestReadinessHealthyStatus(t *testing.T) {
	var status atomic.Int32
	status.Store(503)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RequestURI() != "/health?deep=1" {
			t.Errorf("readiness asked %s", r.URL.RequestURI())
		}
		if hits.Add(1) == 20 {
			status.Store(204)
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	r, _ := readinessFor(t, srv.Listener.Addr().String(), "/health?deep=1", ReadinessHTTP, "200-299")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.wait(ctx); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 20 {
		t.Errorf("ready after %d checks, want 20", hits.Load())
	}
}

func TestReadinessTCPAndLateStart(t *testing.T) {
	// Reserve a port, free it, and start listening on it later: early "connection refused" is
	// normal while the app boots.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	r, _ := readinessFor(t, addr, "/", ReadinessTCP, DefaultHealthyStatus)
	go func() {
		time.Sleep(150 * time.Millisecond)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		time.Sleep(2 * time.Second)
		l.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if err := r.wait(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("ready after %v, before the app listened", d)
	}
}

func TestReadinessNeverReadyLogsProgress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer srv.Close()
	r, logs := readinessFor(t, srv.Listener.Addr().String(), "/", ReadinessHTTP, DefaultHealthyStatus)
	if r.logEvery != 2*time.Second {
		t.Errorf("progress logged every %v, want 2s", r.logEvery)
	}
	r.logEvery = 100 * time.Millisecond // same code path, 20x faster
	ctx, cancel := context.WithTimeout(context.Background(), 450*time.Millisecond)
	defer cancel()
	err := r.wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "unhealthy status 500") {
		t.Fatalf("err %v", err)
	}
	// One line per elapsed interval, never repeated (a loaded machine may skip a late one).
	for _, want := range []string{"app is not ready after 100ms", "app is not ready after 200ms"} {
		if n := strings.Count(logs.String(), want+`"`); n != 1 {
			t.Errorf("%q logged %d times:\n%s", want, n, logs)
		}
	}
	if n := strings.Count(logs.String(), "app is not ready"); n < 2 || n > 4 {
		t.Errorf("%d progress lines in 450 ms at one per 100 ms", n)
	}
}

// An app that accepts connections but never answers must not hang readiness forever: each check
// has its own timeout, and the overall bound still applies.
func TestReadinessHungAppHonoursDeadline(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	r, _ := readinessFor(t, ln.Addr().String(), "/", ReadinessHTTP, DefaultHealthyStatus)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := r.wait(ctx); err == nil {
		t.Fatal("hung app reported ready")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("wait took %v after its deadline", d)
	}
}

// The poll is fast at first and never a busy loop.
func TestReadinessPollingCadence(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	r, _ := readinessFor(t, addr, "/", ReadinessTCP, DefaultHealthyStatus)
	var checks atomic.Int32
	r.now = func() time.Time { checks.Add(1); return time.Now() }
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_ = r.wait(ctx)
	// At most ≈100 checks in the first 100 ms, then one per 10 ms: ≈120 in 300 ms. A busy loop
	// would do thousands. (A loaded machine delays timers, so only the upper bound is firm.)
	n := int(checks.Load()) - 1 // now() is called once per check plus once at start
	if n < 5 || n > 200 {
		t.Errorf("%d checks in 300 ms", n)
	}
	for _, tt := range []struct{ elapsed, want time.Duration }{
		{0, time.Millisecond}, {99 * time.Millisecond, time.Millisecond},
		{100 * time.Millisecond, 10 * time.Millisecond}, {time.Minute, 10 * time.Millisecond},
	} {
		if got := pollInterval(tt.elapsed); got != tt.want {
			t.Errorf("pollInterval(%v) = %v, want %v", tt.elapsed, got, tt.want)
		}
	}
}
