package runtimeapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// testCtx bounds every test that waits on the network.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newPair(t testing.TB) (*runtimeapitest.Server, *runtimeapi.Client) {
	t.Helper()
	srv := runtimeapitest.NewServer()
	t.Cleanup(srv.Close)
	c, err := runtimeapi.NewClient(srv.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// invokeAsync runs srv.Invoke in the background; the returned func waits for its outcome.
func invokeAsync(t testing.TB, srv *runtimeapitest.Server, payload string, opts *runtimeapitest.InvokeOptions) func() *runtimeapitest.Result {
	t.Helper()
	ctx := testCtx(t)
	type outcome struct {
		r   *runtimeapitest.Result
		err error
	}
	ch := make(chan outcome, 1)
	go func() {
		r, err := srv.Invoke(ctx, []byte(payload), opts)
		ch <- outcome{r, err}
	}()
	return func() *runtimeapitest.Result {
		t.Helper()
		o := <-ch
		if o.err != nil {
			t.Fatalf("Invoke: %v", o.err)
		}
		return o.r
	}
}

func TestHeaderNamesAreCanonical(t *testing.T) {
	// The client reads /next headers by map index, which only works for canonical names.
	for _, h := range []string{runtimeapi.HeaderRequestID, runtimeapi.HeaderDeadlineMs, runtimeapi.HeaderFunctionARN,
		runtimeapi.HeaderTraceID, runtimeapi.HeaderClientContext, runtimeapi.HeaderCognitoIdentity, runtimeapi.HeaderTenantID} {
		if c := http.CanonicalHeaderKey(h); c != h {
			t.Errorf("%q is not canonical (%q)", h, c)
		}
	}
}

func TestNewClientAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Path", r.URL.Path)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	for _, tc := range []struct {
		addr, wantPath string
	}{
		{host, runtimeapi.PathInitError},
		{"http://" + host, runtimeapi.PathInitError},
		{host + "/", runtimeapi.PathInitError},
		{host + "/env/7", "/env/7" + runtimeapi.PathInitError},
		{"http://" + host + "/env/7/", "/env/7" + runtimeapi.PathInitError},
	} {
		var got string
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r.URL.Path
			return http.DefaultTransport.RoundTrip(r)
		})}
		c, err := runtimeapi.NewClient(tc.addr, hc)
		if err != nil {
			t.Errorf("NewClient(%q): %v", tc.addr, err)
			continue
		}
		if err := c.InitError(context.Background(), errors.New("x")); err != nil {
			t.Errorf("NewClient(%q).InitError: %v", tc.addr, err)
		}
		if got != tc.wantPath {
			t.Errorf("NewClient(%q): posted to %q, want %q", tc.addr, got, tc.wantPath)
		}
	}

	for _, bad := range []string{"", "https://" + host, "ftp://x:1", "user@" + host, host + "?q=1", "http://"} {
		if _, err := runtimeapi.NewClient(bad, nil); err == nil {
			t.Errorf("NewClient(%q): no error", bad)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNextParsesEveryHeader(t *testing.T) {
	srv, c := newPair(t)
	opts := &runtimeapitest.InvokeOptions{
		RequestID:       "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		Timeout:         3 * time.Second,
		TraceID:         "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
		ClientContext:   `{"client":{"app_title":"t"},"custom":{"k":"v"}}`,
		CognitoIdentity: `{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}`,
		TenantID:        "tenant-42",
		FunctionARN:     "arn:aws:lambda:eu-west-1:111122223333:function:fn:prod",
	}
	wait := invokeAsync(t, srv, `{"hello":"world"}`, opts)
	before := time.Now()
	inv, err := c.Next(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if inv.RequestID != opts.RequestID || inv.TraceID != opts.TraceID || inv.TenantID != opts.TenantID ||
		inv.InvokedFunctionARN != opts.FunctionARN {
		t.Errorf("invocation = %+v", inv)
	}
	if string(inv.ClientContext) != opts.ClientContext || string(inv.CognitoIdentity) != opts.CognitoIdentity {
		t.Errorf("client context %s, cognito %s", inv.ClientContext, inv.CognitoIdentity)
	}
	if string(inv.Payload) != `{"hello":"world"}` {
		t.Errorf("payload %q", inv.Payload)
	}
	if d := inv.Deadline.Sub(before); d < 2900*time.Millisecond || d > 3100*time.Millisecond {
		t.Errorf("deadline %v after the call, want about 3s", d)
	}
	if err := c.Respond(testCtx(t), inv.RequestID, []byte(`"ok"`)); err != nil {
		t.Fatal(err)
	}
	r := wait()
	if string(r.Body) != `"ok"` || r.Error != nil || r.Streamed {
		t.Errorf("result %+v", r)
	}
}

func TestNextOptionalHeadersAbsent(t *testing.T) {
	srv, c := newPair(t)
	wait := invokeAsync(t, srv, `{}`, nil)
	inv, err := c.Next(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if inv.ClientContext != nil || inv.CognitoIdentity != nil || inv.TenantID != "" {
		t.Errorf("optional fields set: %+v", inv)
	}
	if !strings.HasPrefix(inv.TraceID, "Root=1-") || inv.InvokedFunctionARN != runtimeapitest.DefaultFunctionARN {
		t.Errorf("defaults: trace %q arn %q", inv.TraceID, inv.InvokedFunctionARN)
	}
	c.Respond(testCtx(t), inv.RequestID, nil)
	wait()
}

func TestNextMalformedHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, header, value, want string
	}{
		{"deadline not a number", runtimeapi.HeaderDeadlineMs, "tomorrow", "epoch milliseconds"},
		{"deadline empty", runtimeapi.HeaderDeadlineMs, "", "missing " + runtimeapi.HeaderDeadlineMs},
		{"deadline negative", runtimeapi.HeaderDeadlineMs, "-5", "epoch milliseconds"},
		{"client context not JSON", runtimeapi.HeaderClientContext, "{nope", runtimeapi.HeaderClientContext + " is not JSON"},
		{"cognito not JSON", runtimeapi.HeaderCognitoIdentity, "id=1", runtimeapi.HeaderCognitoIdentity + " is not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t)
			wait := invokeAsync(t, srv, `{}`, &runtimeapitest.InvokeOptions{
				RequestID: "req-1",
				Header:    http.Header{tc.header: {tc.value}},
			})
			_, err := c.Next(testCtx(t))
			var bad *runtimeapi.MalformedInvocationError
			if !errors.As(err, &bad) || bad.RequestID != "req-1" || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Next error = %v, want a MalformedInvocationError mentioning %q", err, tc.want)
			}
			// The invocation is not lost: it can be failed with the reason.
			if err := c.RespondError(testCtx(t), bad.RequestID, bad); err != nil {
				t.Fatal(err)
			}
			r := wait()
			if r.Error == nil || r.Error.Type != runtimeapi.ErrorTypeMalformedInvocation || !strings.Contains(r.Error.Message, tc.want) {
				t.Errorf("result error %+v", r.Error)
			}
		})
	}
}

// statusServer answers every call with the given status and body, and counts connections.
func statusServer(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set(runtimeapi.HeaderRequestID, "id-1")
		w.Header().Set(runtimeapi.HeaderDeadlineMs, fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestPostStatuses(t *testing.T) {
	const tooLarge = `{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}`
	for _, tc := range []struct {
		status         int
		body           string
		wantErr        bool
		wantType, want string
	}{
		{202, `{"status":"OK"}`, false, "", ""},
		{200, `{"status":"OK"}`, true, "", "status 200"},
		{204, ``, true, "", "status 204"},
		{400, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`, true, "InvalidRequestID", "Invalid request ID"},
		{403, `{"errorMessage":"State transition is not allowed","errorType":"InvalidStateTransition"}`, true, "InvalidStateTransition", "State transition"},
		{413, tooLarge, true, "RequestEntityTooLarge", "Exceeded maximum allowed payload size (6291556 bytes)."},
		{500, `internal failure`, true, "", "internal failure"},
	} {
		srv, _ := statusServer(t, tc.status, tc.body)
		c, err := runtimeapi.NewClient(srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		calls := map[string]func() error{
			"Respond":      func() error { return c.Respond(context.Background(), "id-1", []byte("x")) },
			"RespondError": func() error { return c.RespondError(context.Background(), "id-1", errors.New("x")) },
			"InitError":    func() error { return c.InitError(context.Background(), errors.New("x")) },
			"Stream": func() error {
				s, err := c.Stream(context.Background(), "id-1", "text/plain")
				if err != nil {
					return err
				}
				s.Write([]byte("x"))
				return s.Close()
			},
		}
		for name, call := range calls {
			err := call()
			if !tc.wantErr {
				if err != nil {
					t.Errorf("%d %s: %v", tc.status, name, err)
				}
				continue
			}
			var ae *runtimeapi.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tc.status || ae.Type != tc.wantType || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d %s: error %v (%#v), want status %d type %q containing %q", tc.status, name, err, ae, tc.status, tc.wantType, tc.want)
			}
		}
	}
}

func TestNextStatuses(t *testing.T) {
	for _, status := range []int{403, 500, 502, 204} {
		srv, _ := statusServer(t, status, `{"errorMessage":"boom","errorType":"Runtime.ContainerError"}`)
		c, _ := runtimeapi.NewClient(srv.URL, nil)
		_, err := c.Next(context.Background())
		var ae *runtimeapi.APIError
		if !errors.As(err, &ae) || ae.StatusCode != status || (status != 204 && ae.Type != "Runtime.ContainerError") {
			t.Errorf("status %d: error %v", status, err)
		}
	}
	// A reply without a request id cannot even be failed.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") }))
	defer srv.Close()
	c, _ := runtimeapi.NewClient(srv.URL, nil)
	if _, err := c.Next(context.Background()); err == nil || !strings.Contains(err.Error(), runtimeapi.HeaderRequestID) {
		t.Errorf("no request id: error %v", err)
	}
}

func TestNextConnectionRefused(t *testing.T) {
	srv := runtimeapitest.NewServer()
	addr := srv.Addr
	srv.Close()
	c, _ := runtimeapi.NewClient(addr, nil)
	if _, err := c.Next(testCtx(t)); err == nil {
		t.Fatal("Next against a closed server succeeded")
	}
}

func TestKeepAlive(t *testing.T) {
	srv, conns := statusServer(t, 200, `{}`)
	c, _ := runtimeapi.NewClient(srv.URL, nil)
	for range 20 {
		if _, err := c.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 sequential calls used %d connections, want 1", n)
	}
}

func TestNextIgnoresClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == runtimeapi.PathNext {
			<-release
			w.Header().Set(runtimeapi.HeaderRequestID, "id")
			w.Header().Set(runtimeapi.HeaderDeadlineMs, "1700000000000")
			return
		}
		<-release
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	c, _ := runtimeapi.NewClient(srv.URL, &http.Client{Timeout: 50 * time.Millisecond})
	go func() { time.Sleep(200 * time.Millisecond); close(release) }()
	// The post times out (the caller's timeout applies to posts)...
	if err := c.Respond(context.Background(), "id", nil); err == nil {
		t.Error("post outlived the client timeout")
	}
	// ...the long poll does not.
	if _, err := c.Next(context.Background()); err != nil {
		t.Errorf("Next with a 50ms client timeout: %v", err)
	}
}

type typedError struct{}

func (typedError) Error() string     { return "typed failure" }
func (typedError) ErrorType() string { return "App.Typed" }

func TestRespondErrorTypes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		wantType string
		wantMsg  string
	}{
		{"ErrorTyper", typedError{}, "App.Typed", "typed failure"},
		{"wrapped ErrorTyper", fmt.Errorf("saving: %w", typedError{}), "App.Typed", "saving: typed failure"},
		{"errors.New", errors.New("plain"), "errorString", "plain"},
		{"PathError", &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}, "PathError", "open /x: file does not exist"},
		{"*Error", &runtimeapi.Error{Type: "Custom.Type", Message: "m", StackTrace: []string{"f (a.go:1)"}}, "Custom.Type", "m"},
		{"*Error without type", &runtimeapi.Error{Message: "m"}, runtimeapi.ErrorTypeUnknown, "m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t)
			wait := invokeAsync(t, srv, `{}`, nil)
			inv, err := c.Next(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.RespondError(testCtx(t), inv.RequestID, tc.err); err != nil {
				t.Fatal(err)
			}
			r := wait()
			if r.Error == nil || r.Error.Type != tc.wantType || r.Error.Message != tc.wantMsg {
				t.Errorf("error body %+v, want type %q message %q", r.Error, tc.wantType, tc.wantMsg)
			}
			if r.ErrorHeader != tc.wantType {
				t.Errorf("%s = %q, want %q", runtimeapi.HeaderFunctionErrorType, r.ErrorHeader, tc.wantType)
			}
			if ct := r.Header.Get("Content-Type"); ct != runtimeapi.ContentTypeError {
				t.Errorf("Content-Type %q", ct)
			}
			if e, ok := tc.err.(*runtimeapi.Error); ok && len(e.StackTrace) > 0 && len(r.Error.StackTrace) != len(e.StackTrace) {
				t.Errorf("stack trace lost: %v", r.Error.StackTrace)
			}
		})
	}
}

func TestRespondUnknownAndFinishedID(t *testing.T) {
	srv, c := newPair(t)
	err := c.Respond(testCtx(t), "no-such-id", []byte("x"))
	var ae *runtimeapi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Type != runtimeapi.ErrorTypeInvalidRequestID {
		t.Errorf("unknown id: %v", err)
	}
	wait := invokeAsync(t, srv, `{}`, nil)
	inv, _ := c.Next(testCtx(t))
	if err := c.Respond(testCtx(t), inv.RequestID, []byte("1")); err != nil {
		t.Fatal(err)
	}
	wait()
	if err := c.Respond(testCtx(t), inv.RequestID, []byte("2")); !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Errorf("second response for a finished id: %v", err)
	}
}

func TestRespondTooLarge(t *testing.T) {
	srv, c := newPair(t)
	wait := invokeAsync(t, srv, `{}`, nil)
	inv, _ := c.Next(testCtx(t))
	err := c.Respond(testCtx(t), inv.RequestID, bytes.Repeat([]byte("a"), runtimeapi.MaxResponseSize+1))
	var ae *runtimeapi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 413 || ae.Type != runtimeapi.ErrorTypeTooLarge ||
		ae.Message != "Exceeded maximum allowed payload size (6291556 bytes)." {
		t.Errorf("error %v", err)
	}
	r := wait()
	want := "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes)."
	if r.Error == nil || r.Error.Type != runtimeapi.ErrorTypeResponseTooLarge || r.Error.Message != want {
		t.Errorf("result error %+v", r.Error)
	}
}

func TestRespondAtLimit(t *testing.T) {
	srv, c := newPair(t)
	wait := invokeAsync(t, srv, `{}`, nil)
	inv, _ := c.Next(testCtx(t))
	if err := c.Respond(testCtx(t), inv.RequestID, bytes.Repeat([]byte("a"), runtimeapi.MaxResponseSize)); err != nil {
		t.Fatal(err)
	}
	if r := wait(); len(r.Body) != runtimeapi.MaxResponseSize {
		t.Errorf("body %d bytes", len(r.Body))
	}
}

func TestInitError(t *testing.T) {
	srv, c := newPair(t)
	if err := c.InitError(testCtx(t), typedError{}); err != nil {
		t.Fatal(err)
	}
	got := srv.InitError()
	if got == nil || got.Type != "App.Typed" || got.Message != "typed failure" {
		t.Errorf("init error %+v", got)
	}
	// Lambda fails invocations of a function whose init failed.
	r, err := srv.Invoke(testCtx(t), []byte(`{}`), nil)
	if err != nil || r.Error == nil || r.Error.Type != "App.Typed" || r.ErrorHeader != "App.Typed" {
		t.Errorf("Invoke after init error: %+v, %v", r, err)
	}
}

func TestFunctionInfoFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	fi, err := runtimeapi.FunctionInfoFromEnv(env(map[string]string{
		runtimeapi.EnvFunctionName: "fn", runtimeapi.EnvFunctionVer: "$LATEST", runtimeapi.EnvMemorySize: "512",
		runtimeapi.EnvLogGroup: "/aws/lambda/fn", runtimeapi.EnvLogStream: "2024/01/01/[$LATEST]abc",
		runtimeapi.EnvDefaultRegion: "eu-west-1", runtimeapi.EnvInitType: "on-demand",
	}))
	want := runtimeapi.FunctionInfo{Name: "fn", Version: "$LATEST", LogGroup: "/aws/lambda/fn",
		LogStream: "2024/01/01/[$LATEST]abc", Region: "eu-west-1", MemoryMB: 512, InitializationType: "on-demand", MaxConcurrency: 1}
	if err != nil || fi != want {
		t.Errorf("got %+v, %v\nwant %+v", fi, err, want)
	}
	fi, err = runtimeapi.FunctionInfoFromEnv(env(map[string]string{runtimeapi.EnvMaxConcurrency: "8", runtimeapi.EnvRegion: "us-east-2", runtimeapi.EnvDefaultRegion: "x"}))
	if err != nil || fi.MaxConcurrency != 8 || fi.Region != "us-east-2" {
		t.Errorf("got %+v, %v", fi, err)
	}
	for _, bad := range []map[string]string{
		{runtimeapi.EnvMaxConcurrency: "0"},
		{runtimeapi.EnvMaxConcurrency: "many"},
		{runtimeapi.EnvMaxConcurrency: "-2"},
		{runtimeapi.EnvMemorySize: "128MB"},
	} {
		_, err := runtimeapi.FunctionInfoFromEnv(env(bad))
		for k := range bad {
			if err == nil || !strings.Contains(err.Error(), k) || !strings.Contains(err.Error(), "positive integer") {
				t.Errorf("%v: error %v, want one naming %s", bad, err, k)
			}
		}
	}
}

func TestErrorJSON(t *testing.T) {
	b, _ := json.Marshal(runtimeapi.Error{Message: "m", Type: "T"})
	if string(b) != `{"errorMessage":"m","errorType":"T"}` {
		t.Errorf("got %s", b)
	}
}
