package frontdoor

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/slipway-dev/slipway/local"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// fakeFn is an in-test function: it records every invocation and answers with respond.
type fakeFn struct {
	mu      sync.Mutex
	reqs    []*local.Request
	respond func(req *local.Request) (*local.Response, error)
}

func (f *fakeFn) Invoke(ctx context.Context, req *local.Request) (*local.Response, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	return f.respond(req)
}

func (f *fakeFn) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// last returns the last invocation's event as a generic JSON object.
func (f *fakeFn) last(t *testing.T) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("the function was not invoked")
	}
	var ev map[string]any
	if err := json.Unmarshal(f.reqs[len(f.reqs)-1].Payload, &ev); err != nil {
		t.Fatalf("event is not JSON: %v", err)
	}
	return ev
}

func (f *fakeFn) lastReq() *local.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[len(f.reqs)-1]
}

// result answers every invocation with the given result JSON.
func result(s string) func(*local.Request) (*local.Response, error) {
	return func(*local.Request) (*local.Response, error) {
		return &local.Response{RequestID: runtimeapi.NewRequestID(), ExecutedVersion: "$LATEST",
			Body: io.NopCloser(strings.NewReader(s)), ContentType: "application/json"}, nil
	}
}

// failed answers every invocation with a failure of this class.
func failed(kind local.Failure, errorType string) func(*local.Request) (*local.Response, error) {
	return func(*local.Request) (*local.Response, error) {
		return &local.Response{RequestID: runtimeapi.NewRequestID(), Failure: kind, ErrorType: errorType,
			Body: io.NopCloser(strings.NewReader(`{"errorMessage":"boom","errorType":"` + errorType + `"}`))}, nil
	}
}

// okResult is a result every source accepts.
const okResult = `{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"ok","isBase64Encoded":false}`

// lockedBuffer is a log sink safe for the handler's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// door starts a front door over real loopback HTTP.
type testDoor struct {
	srv *httptest.Server
	fn  *fakeFn
	log *lockedBuffer
}

func startDoor(t *testing.T, cfg Config, respond func(*local.Request) (*local.Response, error)) *testDoor {
	t.Helper()
	td := &testDoor{fn: &fakeFn{respond: respond}, log: &lockedBuffer{}}
	cfg.Log = td.log
	h, err := New(cfg, td.fn)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	td.srv = httptest.NewServer(h)
	t.Cleanup(td.srv.Close)
	return td
}

// do sends a request and returns the response with its body read.
func (td *testDoor) do(t *testing.T, method, path string, body []byte, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, td.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := td.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp, b
}

func (td *testDoor) get(t *testing.T, path string, header http.Header) (*http.Response, []byte) {
	return td.do(t, http.MethodGet, path, nil, header)
}

// field walks a decoded JSON object: field(ev, "requestContext", "http", "path").
func field(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any, keys ...string) string {
	s, _ := field(v, keys...).(string)
	return s
}

var allKinds = []Config{{Kind: REST}, {Kind: HTTPAPI}, {Kind: URL}, {Kind: ALB}, {Kind: ALB, ALBMultiValue: true}}

func kindName(c Config) string {
	if c.ALBMultiValue {
		return "alb-multi"
	}
	return string(c.Kind)
}
