package adapter

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// snapStartAPI puts the SnapStart restore endpoints in front of an in-process Runtime API:
// restore/next answers once release is closed (the "restore"), restore/error is recorded.
type snapStartAPI struct {
	*httptest.Server
	release      chan struct{}
	mu           sync.Mutex
	restoreError string
}

func newSnapStartAPI(t *testing.T, srv *runtimeapitest.Server, calls *[]string, mu *sync.Mutex) *snapStartAPI {
	api := &snapStartAPI{release: make(chan struct{})}
	target, _ := url.Parse("http://" + srv.Addr)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case runtimeapi.PathRestoreNext:
			mu.Lock()
			*calls = append(*calls, "restore/next")
			mu.Unlock()
			<-api.release
			w.WriteHeader(http.StatusOK)
		case runtimeapi.PathRestoreError:
			b, _ := io.ReadAll(r.Body)
			api.mu.Lock()
			api.restoreError = r.Header.Get("Lambda-Runtime-Function-Error-Type") + " " + string(b)
			api.mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		default:
			if r.URL.Path == "/2018-06-01/runtime/invocation/next" {
				mu.Lock()
				*calls = append(*calls, "next")
				mu.Unlock()
			}
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(api.Close)
	return api
}

func TestSnapStartLifecycle(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	record := func(s string) { mu.Lock(); calls = append(calls, s); mu.Unlock() }
	hookStatus := http.StatusOK
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/before", "/after":
			record(r.Method + " " + r.URL.Path)
			w.WriteHeader(hookStatus)
		case "/health":
		default:
			io.WriteString(w, "served")
		}
	})
	port := inProcessApp(t, app)
	srv := runtimeapitest.NewServer()
	t.Cleanup(srv.Close)
	api := newSnapStartAPI(t, srv, &calls, &mu)

	cfg, err := LoadConfig(env{"AWS_LAMBDA_RUNTIME_API": strings.TrimPrefix(api.URL, "http://"), "AWS_LWA_PORT": itoa(port),
		"AWS_LWA_READINESS_CHECK_PATH": "/health", "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",
		"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH": "/before", "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH": "/after"}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.SnapStart || cfg.PoolIdleTimeout == 0 {
		t.Fatalf("config %+v", cfg)
	}
	a, _ := New(Options{Config: cfg, Logger: discardLogger()})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })

	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(calls)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(api.release) // the snapshot is restored
	ictx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := srv.Invoke(ictx, urlEvent("GET", "/", "", nil, nil, nil, false), nil)
	if err != nil || res.Error != nil {
		t.Fatal(err, res.Error)
	}
	mu.Lock()
	got := strings.Join(calls, ", ")
	mu.Unlock()
	if want := "POST /before, restore/next, POST /after, next"; !strings.HasPrefix(got, want) {
		t.Errorf("lifecycle %q, want %q first", got, want)
	}
}

func TestSnapStartAfterRestoreHookFails(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/after" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	port := inProcessApp(t, app)
	srv := runtimeapitest.NewServer()
	t.Cleanup(srv.Close)
	api := newSnapStartAPI(t, srv, &calls, &mu)
	close(api.release)
	cfg, err := LoadConfig(env{"AWS_LAMBDA_RUNTIME_API": strings.TrimPrefix(api.URL, "http://"), "AWS_LWA_PORT": itoa(port),
		"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start", "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH": "/after"}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := New(Options{Config: cfg, Logger: discardLogger()})
	err = a.Run(context.Background())
	if errorType(err) != ErrorTypeSnapStartHook {
		t.Fatalf("Run returned %v", err)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if !strings.HasPrefix(api.restoreError, ErrorTypeSnapStartHook+" ") || !strings.Contains(api.restoreError, "status 503") {
		t.Errorf("restore error %q", api.restoreError)
	}
}
