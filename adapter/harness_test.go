package adapter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// This file holds the end-to-end test harness: an in-process Runtime API (runtimeapitest), the
// adapter running against it, and real app processes on loopback.

// syncBuffer collects logs from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is one adapter serving one in-process Runtime API.
type harness struct {
	t    testing.TB
	srv  *runtimeapitest.Server
	a    *Adapter
	logs *syncBuffer
	done chan error // Run's result
	stop context.CancelFunc
}

// startAdapter runs an adapter for the app on port (supervising proc when not nil), configured by
// e on top of the Lambda basics.
func startAdapter(t testing.TB, port int, proc *App, e env) *harness {
	t.Helper()
	srv := runtimeapitest.NewServer()
	t.Cleanup(srv.Close)
	full := env{
		"AWS_LAMBDA_RUNTIME_API":          srv.Addr,
		"AWS_LWA_PORT":                    strconv.Itoa(port),
		"AWS_LWA_READINESS_CHECK_PATH":    "/health",
		"AWS_LAMBDA_FUNCTION_NAME":        "fn",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_LEVEL":            "debug",
	}
	for k, v := range e {
		full[k] = v
	}
	cfg, err := LoadConfig(full.lookup)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a, err := New(Options{Config: cfg, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: cfg.LogLevel})),
		App: proc, ExtensionName: "slipway-test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	h := &harness{t: t, srv: srv, a: a, logs: logs, done: make(chan error, 1), stop: stop}
	go func() { h.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("adapter did not stop")
		}
		if t.Failed() {
			lines := strings.Split(logs.String(), "\n")
			if len(lines) > 30 {
				lines = lines[len(lines)-30:]
			}
			t.Logf("adapter logs (last lines):\n%s", strings.Join(lines, "\n"))
		}
	})
	return h
}

// invoke sends payload through the Runtime API and returns what the adapter posted.
func (h *harness) invoke(payload []byte, opts *runtimeapitest.InvokeOptions) *runtimeapitest.Result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := h.srv.Invoke(ctx, payload, opts)
	if err != nil {
		h.t.Fatalf("invoke: %v\nlogs:\n%s", err, h.logs.String())
	}
	return r
}

// runResult waits for Run to return.
func (h *harness) runResult(timeout time.Duration) (error, bool) {
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		return err, true
	case <-time.After(timeout):
		return nil, false
	}
}

// httpResult is the result of an HTTP event (v1, v2 and ALB shapes together).
type httpResult struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

func parseResult(t *testing.T, r *runtimeapitest.Result) *httpResult {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("invocation failed: %s: %s", r.Error.Type, r.Error.Message)
	}
	var hr httpResult
	if err := json.Unmarshal(r.Body, &hr); err != nil {
		t.Fatalf("result is not JSON: %v: %.300s", err, r.Body)
	}
	return &hr
}

// body returns the decoded body.
func (r *httpResult) body(t *testing.T) []byte {
	t.Helper()
	if !r.IsBase64Encoded {
		return []byte(r.Body)
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	return b
}

// header returns a response header from either map, case-insensitively.
func (r *httpResult) header(name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, v := range r.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			return strings.Join(v, ",")
		}
	}
	return ""
}

// echo is what the test apps' /echo route reports.
type echo struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   string              `json:"query"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"` // base64
}

func parseEcho(t *testing.T, r *httpResult) *echo {
	t.Helper()
	var e echo
	if err := json.Unmarshal(r.body(t), &e); err != nil {
		t.Fatalf("echo is not JSON (status %d): %v: %.300s", r.StatusCode, err, r.body(t))
	}
	return &e
}

func (e *echo) header(name string) []string { return e.Headers[strings.ToLower(name)] }

func (e *echo) bodyBytes(t *testing.T) []byte {
	b, err := base64.StdEncoding.DecodeString(e.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// --- events -------------------------------------------------------------------------------------

// urlEvent is a Lambda Function URL event (payload 2.0 schema).
func urlEvent(method, rawPath, rawQuery string, headers map[string]string, cookies []string, body []byte, binary bool) []byte {
	if headers == nil {
		headers = map[string]string{}
	}
	if _, ok := headers["host"]; !ok {
		headers["host"] = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws"
	}
	ev := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": rawPath, "rawQueryString": rawQuery,
		"headers": headers,
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "abcdefghijklmnopqrstuvwxyz012345",
			"domainName":   "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
			"domainPrefix": "abcdefghijklmnopqrstuvwxyz012345",
			"http":         map[string]any{"method": method, "path": rawPath, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "test"},
			"requestId":    "6f1a3c1e-8a07-4a4c-9ac0-52c0b0d9e2a1", "routeKey": "$default", "stage": "$default",
			"time": "21/Nov/2024:13:02:32 +0000", "timeEpoch": 1732194152161,
		},
		"isBase64Encoded": binary,
	}
	if len(cookies) > 0 {
		ev["cookies"] = cookies
	}
	if body != nil {
		if binary {
			ev["body"] = base64.StdEncoding.EncodeToString(body)
		} else {
			ev["body"] = string(body)
		}
	}
	b, _ := json.Marshal(ev)
	return b
}

// restEvent is an API Gateway REST API (v1) event with multi-value headers and query.
func restEvent(method, path string, query [][2]string, headers [][2]string, body []byte, binary bool) []byte {
	mvh := map[string][]string{}
	sh := map[string]string{}
	for _, h := range headers {
		mvh[h[0]] = append(mvh[h[0]], h[1])
		sh[h[0]] = h[1]
	}
	var mvq, sq map[string]any
	if len(query) > 0 {
		mvq, sq = map[string]any{}, map[string]any{}
		for _, q := range query {
			l, _ := mvq[q[0]].([]string)
			mvq[q[0]] = append(l, q[1])
			sq[q[0]] = q[1]
		}
	}
	ev := map[string]any{
		"resource": "/{proxy+}", "path": path, "httpMethod": method,
		"headers": sh, "multiValueHeaders": mvh,
		"queryStringParameters": sq, "multiValueQueryStringParameters": mvq,
		"pathParameters": nil, "stageVariables": nil,
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "a1b2c3d4e5", "resourceId": "abc123", "resourcePath": "/{proxy+}",
			"httpMethod": method, "path": "/prod" + path, "protocol": "HTTP/1.1", "stage": "prod",
			"requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "requestTimeEpoch": 1732194152161,
			"domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
			"identity":   map[string]any{"sourceIp": "203.0.113.7", "userAgent": "test"},
		},
		"body": nil, "isBase64Encoded": binary,
	}
	if body != nil {
		if binary {
			ev["body"] = base64.StdEncoding.EncodeToString(body)
		} else {
			ev["body"] = string(body)
		}
	}
	b, _ := json.Marshal(ev)
	return b
}

// sqsEvent is a non-HTTP event, delivered to the pass-through path.
func sqsEvent(body string) []byte {
	return []byte(`{"Records":[{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d","receiptHandle":"AQEB",` +
		`"body":` + strconv.Quote(body) + `,"attributes":{},"messageAttributes":{},"md5OfBody":"",` +
		`"eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:q","awsRegion":"us-east-1"}]}`)
}

// --- app processes ------------------------------------------------------------------------------

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// testApp is one of the real apps under testdata/apps.
type testApp struct {
	name string
	argv func(t testing.TB) []string
}

var testApps = []testApp{
	{"go", goAppArgv},
	{"node", nodeAppArgv},
	{"python", pyAppArgv},
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// goAppArgv builds the Go app once per test binary.
func goAppArgv(t testing.TB) []string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "slipway-adapter-test")
		if buildErr != nil {
			return
		}
		for _, target := range []struct{ out, pkg string }{{"goapp", "./testdata/apps/goapp"}, {"slipway", "../cmd/slipway"}} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, target.out), target.pkg).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", target.pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return []string{filepath.Join(buildDir, "goapp")}
}

// slipwayBinary is cmd/slipway, built with the Go app.
func slipwayBinary(t testing.TB) string {
	goAppArgv(t)
	return filepath.Join(buildDir, "slipway")
}

var npmOnce sync.Once

func nodeAppArgv(t testing.TB) []string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir := filepath.Join("testdata", "apps", "nodeapp")
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "express")); err == nil {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("npm ci: %v\n%s", err, out)
		}
	})
	return []string{node, filepath.Join(dir, "server.js")}
}

func pyAppArgv(t testing.TB) []string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	return []string{py, "-u", filepath.Join("testdata", "apps", "pyapp", "server.py")}
}

// startApp starts app on a free port and returns the process and the port.
func startApp(t testing.TB, app testApp, extraEnv ...string) (*App, int) {
	t.Helper()
	port := freePort(t)
	env := append(os.Environ(), "PORT="+strconv.Itoa(port))
	p, err := StartApp(app.argv(t), append(env, extraEnv...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Kill()
		<-p.Done()
	})
	return p, port
}

// waitHTTP waits until the app answers /health, for tests that talk to it directly.
func waitHTTP(t testing.TB, port int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/health")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("app on port %d never answered", port)
}

func itoa(n int) string { return strconv.Itoa(n) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// cleanEnv is the test process's environment without Lambda or LWA settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") || k == "PORT" {
			continue
		}
		env = append(env, kv)
	}
	return env
}
