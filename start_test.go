package slipway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startLambda runs h under Start against an in-process Runtime API and stops it at cleanup.
func startLambda(t *testing.T, h http.Handler, env map[string]string, opts ...Option) (*runtimeapitest.Server, <-chan error) {
	t.Helper()
	srv := runtimeapitest.NewServer()
	t.Cleanup(srv.Close)
	getenv := func(k string) string {
		if k == runtimeapi.EnvRuntimeAPI {
			return srv.Addr
		}
		return env[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	finished := make(chan struct{})
	hd := NewHandler(h, append([]Option{WithLogger(quietLogger())}, opts...)...)
	go func() {
		defer close(finished)
		errc <- hd.serveLambda(ctx, getenv)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			t.Error("Start did not return after its context ended")
		}
	})
	return srv, errc
}

func TestStartBuffered(t *testing.T) {
	var inv *runtimeapi.Invocation
	srv, _ := startLambda(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inv, _ = InvocationFromContext(r.Context())
		// Client headers cannot pose as the invocation.
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello "+r.URL.Path)
	}), nil)
	r, err := srv.Invoke(testCtx(t), v2Event("GET", "/there", "", map[string]string{"lambda-runtime-aws-request-id": "forged"}, nil, false),
		&runtimeapitest.InvokeOptions{RequestID: "req-1", TenantID: "tenant-a", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != nil || r.Streamed {
		t.Fatalf("result %+v", r)
	}
	resp := decodeV2(t, r.Body)
	if resp.StatusCode != 200 || resp.Body != "hello /there" {
		t.Errorf("response %+v", resp)
	}
	if inv == nil || inv.RequestID != "req-1" || inv.TenantID != "tenant-a" || inv.Deadline.IsZero() || inv.InvokedFunctionARN == "" {
		t.Errorf("invocation in context %+v", inv)
	}
}

func TestStartStreaming(t *testing.T) {
	release := make(chan struct{})
	srv, _ := startLambda(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Add("Set-Cookie", "s=1")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-release // the handler is still running when the first chunk must have arrived
		io.WriteString(w, "data: two\n\n")
	}), nil, WithResponseStreaming())

	arrived := make(chan []byte, 10)
	type outcome struct {
		r   *runtimeapitest.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := srv.Invoke(testCtx(t), readEvent(t, "lambda-urls-request.json"), &runtimeapitest.InvokeOptions{
			OnChunk: func(p []byte) { arrived <- bytes.Clone(p) },
		})
		done <- outcome{r, err}
	}()
	select {
	case first := <-arrived:
		prelude, body, ok := bytes.Cut(first, make([]byte, 8))
		if !ok || string(body) != "data: one\n\n" {
			t.Fatalf("first chunk %q: want prelude, 8 NULs, first event", first)
		}
		var p struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Cookies    []string          `json:"cookies"`
		}
		if err := json.Unmarshal(prelude, &p); err != nil || p.StatusCode != 200 || len(p.Cookies) != 1 {
			t.Errorf("prelude %s (%v)", prelude, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first flushed chunk did not reach the Runtime API while the handler was running")
	}
	close(release)
	o := <-done
	if o.err != nil || !o.r.Streamed || o.r.Error != nil || !bytes.HasSuffix(o.r.Body, []byte("data: one\n\ndata: two\n\n")) {
		t.Fatalf("result %+v %v", o.r, o.err)
	}
	if ct := o.r.Header.Get("Content-Type"); ct != event.StreamContentType {
		t.Errorf("stream content type %q", ct)
	}
}

func TestStartStreamingPanics(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("when") {
		case "before":
			panic("before the first byte")
		case "after":
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic("after the first byte")
		case "abort-before":
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "fine")
	})
	srv, _ := startLambda(t, h, nil, WithResponseStreaming())
	url := func(when string) []byte {
		var ev map[string]any
		json.Unmarshal(readEvent(t, "lambda-urls-request.json"), &ev)
		ev["rawQueryString"] = "when=" + when
		b, _ := json.Marshal(ev)
		return b
	}

	// Mid-stream: the stream ends with error trailers and a truncated body.
	r, err := srv.Invoke(testCtx(t), url("after"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Streamed || !bytes.HasSuffix(r.Body, []byte("partial")) || r.Error == nil || r.Error.Type != runtimeapi.ErrorTypePanic ||
		r.Trailer.Get(runtimeapi.HeaderFunctionErrorType) != runtimeapi.ErrorTypePanic || !strings.Contains(r.Error.Message, "after the first byte") {
		t.Errorf("mid-stream panic: %+v", r)
	}

	// Before the first byte: an ordinary 500 response.
	r, err = srv.Invoke(testCtx(t), url("before"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != nil || !bytes.Contains(r.Body, []byte(`"statusCode":500`)) || !bytes.HasSuffix(r.Body, []byte("Internal Server Error\n")) {
		t.Errorf("early panic: %+v body %q", r.Error, r.Body)
	}

	// An abort before the first byte fails the invocation through /error.
	r, err = srv.Invoke(testCtx(t), url("abort-before"), nil)
	if err != nil || r.Streamed || r.Error == nil || r.Error.Type != ErrorTypeHandlerAborted {
		t.Errorf("abort: %+v %v", r, err)
	}

	// And the function lives on.
	r, err = srv.Invoke(testCtx(t), url("none"), nil)
	if err != nil || !bytes.HasSuffix(r.Body, []byte("fine")) {
		t.Errorf("after the panics: %+v %v", r, err)
	}
}

func TestStartStreamingOnlyForStreamingSources(t *testing.T) {
	srv, _ := startLambda(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "buffered")
	}), nil, WithResponseStreaming())
	r, err := srv.Invoke(testCtx(t), v2Event("GET", "/", "", nil, nil, false), nil)
	if err != nil || r.Streamed || decodeV2(t, r.Body).Body != "buffered" {
		t.Errorf("HTTP API event in streaming mode: %+v %v", r, err)
	}
}

func TestStartPanicKeepsServing(t *testing.T) {
	srv, _ := startLambda(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		io.WriteString(w, "ok")
	}), nil)
	for range 3 {
		r, err := srv.Invoke(testCtx(t), v2Event("GET", "/panic", "", nil, nil, false), nil)
		if err != nil || r.Error != nil || decodeV2(t, r.Body).StatusCode != 500 {
			t.Fatalf("panic invocation: %+v %v", r, err)
		}
		r, err = srv.Invoke(testCtx(t), v2Event("GET", "/", "", nil, nil, false), nil)
		if err != nil || decodeV2(t, r.Body).Body != "ok" {
			t.Fatalf("next invocation: %+v %v", r, err)
		}
	}
}

func TestStartConcurrency(t *testing.T) {
	const n = 3
	var mu sync.Mutex
	inside := 0
	all := make(chan struct{})
	srv, _ := startLambda(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if inside++; inside == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			io.WriteString(w, r.URL.Path)
		case <-r.Context().Done():
			w.WriteHeader(504)
		}
	}), map[string]string{runtimeapi.EnvMaxConcurrency: "3"})
	if err := srv.WaitPollers(testCtx(t), n); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/" + string(rune('a'+i))
			r, err := srv.Invoke(testCtx(t), v2Event("GET", path, "", nil, nil, false), &runtimeapitest.InvokeOptions{Timeout: 5 * time.Second})
			if err != nil || decodeV2(t, r.Body).Body != path {
				t.Errorf("invocation %s: %+v %v", path, r, err)
			}
		}()
	}
	wg.Wait()
}

func TestStartErrors(t *testing.T) {
	h := http.NotFoundHandler()
	if err := NewHandler(h).serveLambda(context.Background(), func(string) string { return "" }); err == nil ||
		!strings.Contains(err.Error(), runtimeapi.EnvRuntimeAPI) {
		t.Errorf("without the Runtime API: %v", err)
	}

	// Invalid options and environment are reported as init errors, then returned.
	for _, tc := range []struct {
		env  map[string]string
		opts []Option
		want string
	}{
		{nil, []Option{WithBasePath("v1")}, "WithBasePath"},
		{map[string]string{runtimeapi.EnvMaxConcurrency: "lots"}, nil, runtimeapi.EnvMaxConcurrency},
	} {
		srv := runtimeapitest.NewServer()
		getenv := func(k string) string {
			if k == runtimeapi.EnvRuntimeAPI {
				return srv.Addr
			}
			return tc.env[k]
		}
		err := NewHandler(h, tc.opts...).serveLambda(context.Background(), getenv)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one naming %s", err, tc.want)
		}
		if ie := srv.InitError(); ie == nil || !strings.Contains(ie.Message, tc.want) {
			t.Errorf("init error %+v", ie)
		}
		srv.Close()
	}

	// The Runtime API going away ends Start with an error.
	srv, errc := startLambda(t, h, nil)
	if err := srv.WaitPollers(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	select {
	case err := <-errc:
		var ae *runtimeapi.APIError
		if !errors.As(err, &ae) {
			t.Errorf("Start returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Start kept running without a Runtime API")
	}
}
