package adapter

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/event"

	"github.com/andybalholm/brotli"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// inProcessApp serves h on a loopback port for feature tests that need control over the app.
func inProcessApp(t testing.TB, h http.Handler) int {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

// recorder is an app that records the last request and answers with a fixed response.
type recorder struct {
	mu     sync.Mutex
	last   *http.Request
	body   []byte
	status int
	header http.Header
	reply  []byte
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/health" {
		return
	}
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.last, r.body = req, b
	status, header, reply := r.status, r.header, r.reply
	r.mu.Unlock()
	for k, v := range header {
		w.Header()[k] = v
	}
	if status == 0 {
		status = 200
	}
	w.WriteHeader(status)
	w.Write(reply)
}

func (r *recorder) request() (*http.Request, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, r.body
}

func TestCompression(t *testing.T) {
	text := strings.Repeat("<p>compress me, I am html</p>\n", 200)
	rec := &recorder{header: http.Header{"Content-Type": {"text/html"}, "Content-Length": {"6000"}}, reply: []byte(text)}
	h := startAdapter(t, inProcessApp(t, rec), nil, env{"AWS_LWA_ENABLE_COMPRESSION": "true"})

	for _, tt := range []struct{ accept, want string }{{"gzip, br", "br"}, {"gzip", "gzip"}, {"", ""}, {"br;q=0", ""}} {
		hdr := map[string]string{}
		if tt.accept != "" {
			hdr["accept-encoding"] = tt.accept
		}
		r := parseResult(t, h.invoke(urlEvent("GET", "/page", "", hdr, nil, nil, false), nil))
		got := r.body(t)
		if enc := r.header("Content-Encoding"); enc != tt.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tt.accept, enc, tt.want)
			continue
		}
		switch tt.want {
		case "br":
			got, _ = io.ReadAll(brotli.NewReader(bytes.NewReader(got)))
		case "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			got, _ = io.ReadAll(zr)
		}
		if string(got) != text {
			t.Errorf("Accept-Encoding %q: body does not round-trip", tt.accept)
		}
		if tt.want != "" && (!r.IsBase64Encoded || r.header("Content-Length") != "" || !strings.Contains(strings.ToLower(r.header("Vary")), "accept-encoding")) {
			t.Errorf("compressed result: base64=%v Content-Length=%q Vary=%q", r.IsBase64Encoded, r.header("Content-Length"), r.header("Vary"))
		}
		// The app must see the client's Accept-Encoding untouched (and Go must not add its own).
		req, _ := rec.request()
		if req.Header.Get("Accept-Encoding") != tt.accept {
			t.Errorf("app saw Accept-Encoding %q, want %q", req.Header.Get("Accept-Encoding"), tt.accept)
		}
	}
}

func TestAuthorizationSource(t *testing.T) {
	rec := &recorder{}
	h := startAdapter(t, inProcessApp(t, rec), nil, env{"AWS_LWA_AUTHORIZATION_SOURCE": "X-Custom-Auth"})
	h.invoke(urlEvent("GET", "/", "", map[string]string{"authorization": "AWS4-HMAC-SHA256 iam", "x-custom-auth": "Bearer app-token"}, nil, nil, false), nil)
	req, _ := rec.request()
	if got := req.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer app-token" {
		t.Errorf("Authorization %q", got)
	}
	if req.Header.Get("X-Custom-Auth") != "" {
		t.Error("source header not removed")
	}
	// Absent source header: request unchanged, a warning logged without values.
	h.invoke(urlEvent("GET", "/", "", map[string]string{"authorization": "AWS4-HMAC-SHA256 iam"}, nil, nil, false), nil)
	req, _ = rec.request()
	if req.Header.Get("Authorization") != "AWS4-HMAC-SHA256 iam" {
		t.Errorf("Authorization changed: %q", req.Header.Get("Authorization"))
	}
	if !strings.Contains(h.logs.String(), "authorization source header not found") {
		t.Error("no warning for a missing source header")
	}
}

// Context headers cannot be forged by a client, carry the invocation's values, and the tenant id
// appears only for tenant-isolated invocations.
func TestContextHeadersEndToEnd(t *testing.T) {
	rec := &recorder{}
	h := startAdapter(t, inProcessApp(t, rec), nil, nil)
	forged := map[string]string{"x-amz-tenant-id": "evil", "x-amzn-lambda-context": `{"request_id":"forged"}`,
		"x-amzn-request-context": "{}", "x-amzn-trace-id": "Root=forged"}
	h.invoke(urlEvent("GET", "/", "", forged, nil, nil, false), &runtimeapitest.InvokeOptions{
		RequestID: "11111111-2222-3333-4444-555555555555", TraceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
		TenantID: "tenant-a", ClientContext: `{"custom":{"k":"v"}}`,
	})
	req, _ := rec.request()
	if got := req.Header.Values(event.HeaderTenantID); len(got) != 1 || got[0] != "tenant-a" {
		t.Errorf("tenant %q", got)
	}
	if got := req.Header.Values(event.HeaderTraceID); len(got) != 1 || got[0] != "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" {
		t.Errorf("trace %q", got)
	}
	var lc LambdaContext
	if err := json.Unmarshal([]byte(req.Header.Get(event.HeaderLambdaContext)), &lc); err != nil {
		t.Fatal(err)
	}
	if lc.RequestID != "11111111-2222-3333-4444-555555555555" || lc.EnvConfig.FunctionName != "fn" || lc.EnvConfig.Memory != 256 ||
		string(lc.ClientContext) != `{"custom":{"k":"v"}}` || lc.TenantID == nil || *lc.TenantID != "tenant-a" || lc.Deadline < time.Now().UnixMilli() {
		t.Errorf("lambda context %s", req.Header.Get(event.HeaderLambdaContext))
	}
	var rc map[string]any
	if err := json.Unmarshal([]byte(req.Header.Get(event.HeaderRequestContext)), &rc); err != nil || rc["apiId"] != "abcdefghijklmnopqrstuvwxyz012345" {
		t.Errorf("request context %s", req.Header.Get(event.HeaderRequestContext))
	}

	h.invoke(urlEvent("GET", "/", "", map[string]string{"x-amz-tenant-id": "evil"}, nil, nil, false), nil)
	req, _ = rec.request()
	if v, ok := req.Header[http.CanonicalHeaderKey(event.HeaderTenantID)]; ok {
		t.Errorf("client-sent tenant id reached the app: %q", v)
	}
}

func TestSnapStartHookPathsRefused(t *testing.T) {
	rec := &recorder{}
	h := startAdapter(t, inProcessApp(t, rec), nil, env{"AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH": "/_snap/before"})
	for _, path := range []string{"/_snap/before", "/x/../_snap/before", "/_SNAP/Before/", "/_snap/%62efore", `\_snap\before`} {
		r := parseResult(t, h.invoke(urlEvent("POST", path, "", nil, nil, nil, false), nil))
		if r.StatusCode != 403 {
			t.Errorf("%s: status %d", path, r.StatusCode)
		}
	}
	if req, _ := rec.request(); req != nil {
		t.Errorf("the app got %s", req.URL)
	}
}

func TestBasePathAndPassThrough(t *testing.T) {
	rec := &recorder{header: http.Header{"Content-Type": {"application/json"}}, reply: []byte(`{"batchItemFailures":[]}`)}
	h := startAdapter(t, inProcessApp(t, rec), nil, env{"AWS_LWA_REMOVE_BASE_PATH": "/prod", "AWS_LWA_PASS_THROUGH_PATH": "/sqs"})
	h.invoke(urlEvent("GET", "/prod/items/a%2Fb", "x=1", nil, nil, nil, false), nil)
	req, _ := rec.request()
	if req.URL.RequestURI() != "/items/a%2Fb?x=1" {
		t.Errorf("app got %s", req.URL.RequestURI())
	}
	h.invoke(urlEvent("GET", "/products", "", nil, nil, nil, false), nil)
	if req, _ = rec.request(); req.URL.Path != "/products" {
		t.Errorf("base path stripped inside a segment: %s", req.URL.Path)
	}

	res := h.invoke(sqsEvent("m"), nil)
	req, body := rec.request()
	if req.Method != "POST" || req.URL.Path != "/sqs" || req.Header.Get("Content-Type") != "application/json" || !bytes.Contains(body, []byte(`"Records"`)) {
		t.Errorf("pass-through request %s %s %q", req.Method, req.URL, req.Header.Get("Content-Type"))
	}
	if res.Error != nil || string(res.Body) != `{"batchItemFailures":[]}` {
		t.Errorf("pass-through result %s %v", res.Body, res.Error)
	}
	// A 5xx from the pass-through handler fails the invocation so SQS redelivers.
	rec.mu.Lock()
	rec.status = 503
	rec.mu.Unlock()
	if res := h.invoke(sqsEvent("m"), nil); res.Error == nil {
		t.Errorf("a 503 pass-through reply succeeded: %s", res.Body)
	}
}

// AWS_LAMBDA_MAX_CONCURRENCY pollers serve that many invocations at once, each on its own
// keep-alive connection.
func TestConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int32
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	})
	h := startAdapter(t, inProcessApp(t, app), nil, env{"AWS_LAMBDA_MAX_CONCURRENCY": "4"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.srv.WaitPollers(ctx, 4); err != nil {
		t.Fatalf("4 pollers never waited in /next: %v", err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := h.invoke(urlEvent("GET", "/slow", "", nil, nil, nil, false), nil); res.Error != nil {
				t.Error(res.Error)
			}
		}()
	}
	wg.Wait()
	if peak.Load() != 4 {
		t.Errorf("peak concurrency %d, want 4 invocations in the app at once", peak.Load())
	}
}

// Authorization, Cookie and Set-Cookie values never reach the logs, even at debug level.
func TestSecretsNeverLogged(t *testing.T) {
	rec := &recorder{header: http.Header{"Set-Cookie": {"session=SETCOOKIESECRET"}}, status: 500, reply: []byte("x")}
	h := startAdapter(t, inProcessApp(t, rec), nil, env{"AWS_LWA_ERROR_STATUS_CODES": "500"})
	h.invoke(restEvent("GET", "/", nil, [][2]string{{"Authorization", "Bearer AUTHSECRET"}, {"Cookie", "sid=COOKIESECRET"},
		{"Proxy-Authorization", "Basic PROXYSECRET"}}, nil, false), nil)
	logs := h.logs.String()
	if !strings.Contains(logs, "sending request to app") || !strings.Contains(logs, "[redacted]") {
		t.Fatalf("debug request logs missing:\n%s", logs)
	}
	for _, secret := range []string{"AUTHSECRET", "COOKIESECRET", "SETCOOKIESECRET", "PROXYSECRET"} {
		if strings.Contains(logs, secret) {
			t.Errorf("%s leaked into the logs", secret)
		}
	}
}

// With async init, init ends after the budget even though the app is not ready; the first
// invocation waits for it.
func TestAsyncInit(t *testing.T) {
	old := asyncInitBudget
	asyncInitBudget = 150 * time.Millisecond
	t.Cleanup(func() { asyncInitBudget = old })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens yet
	h := startAdapter(t, port, nil, env{"AWS_LWA_ASYNC_INIT": "true"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := h.srv.WaitPollers(ctx, 1); err != nil {
		t.Fatal("init did not finish while the app was not ready")
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strings.TrimPrefix(h.a.cfg.AppAddr(), "127.0.0.1:")))
		if err != nil {
			t.Error(err)
			return
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "late but ready") })}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
	}()
	r := parseResult(t, h.invoke(urlEvent("GET", "/", "", nil, nil, nil, false), nil))
	if string(r.body(t)) != "late but ready" {
		t.Errorf("body %q", r.body(t))
	}
}

// AWS_LWA_LAMBDA_RUNTIME_API_PROXY carries Runtime API calls only; registration goes straight to
// AWS_LAMBDA_RUNTIME_API.
func TestRuntimeAPIProxy(t *testing.T) {
	rec := &recorder{reply: []byte("ok")}
	appPort := inProcessApp(t, rec)
	srv := runtimeapitest.NewServer()
	t.Cleanup(srv.Close)
	var proxied sync.Map
	target, _ := url.Parse("http://" + srv.Addr)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Store(r.URL.Path, true)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)

	cfg, err := LoadConfig(env{"AWS_LAMBDA_RUNTIME_API": srv.Addr, "AWS_LWA_PORT": itoa(appPort),
		"AWS_LWA_LAMBDA_RUNTIME_API_PROXY": proxy.URL}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Config: cfg, Logger: discardLogger(), ExtensionName: "proxied"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })

	ictx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := srv.Invoke(ictx, urlEvent("GET", "/", "", nil, nil, nil, false), nil)
	if err != nil || res.Error != nil {
		t.Fatal(err, res.Error)
	}
	if _, ok := proxied.Load("/2018-06-01/runtime/invocation/next"); !ok {
		t.Error("/next did not go through the proxy")
	}
	proxied.Range(func(k, _ any) bool {
		if strings.Contains(k.(string), "/extension/") {
			t.Errorf("%s went through the proxy", k)
		}
		return true
	})
	if got := srv.Extensions(); len(got) != 1 || got[0] != "proxied" {
		t.Errorf("registered extensions %q", got)
	}
}

// ALB in multi-value mode: the query is forwarded exactly as ALB sent it (ALB does not decode it),
// repeated headers arrive in order, and the result uses multiValueHeaders.
func TestALBMultiValue(t *testing.T) {
	rec := &recorder{header: http.Header{"Set-Cookie": {"a=1", "b=2"}, "Content-Type": {"text/plain"}}, reply: []byte("alb")}
	h := startAdapter(t, inProcessApp(t, rec), nil, nil)
	ev := `{"requestContext":{"elb":{"targetGroupArn":"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/abc"}},` +
		`"httpMethod":"GET","path":"/alb","multiValueQueryStringParameters":{"q":["a%20b"],"r":["1","2"]},` +
		`"multiValueHeaders":{"host":["alb.example.com"],"x-rep":["1","2"]},"body":"","isBase64Encoded":false}`
	r := parseResult(t, h.invoke([]byte(ev), nil))
	req, _ := rec.request()
	if req.URL.RawQuery != "q=a%20b&r=1&r=2" || strings.Join(req.Header.Values("X-Rep"), ",") != "1,2" || req.Host != "alb.example.com" {
		t.Errorf("app got %s (Host %s, X-Rep %q)", req.URL.RequestURI(), req.Host, req.Header.Values("X-Rep"))
	}
	if got := r.MultiValueHeaders["Set-Cookie"]; strings.Join(got, "|") != "a=1|b=2" || string(r.body(t)) != "alb" {
		t.Errorf("result %+v", r)
	}
}
