package runtimeapitest_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// These tests speak raw HTTP, so the server is checked independently of package runtimeapi's client.

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func get(t *testing.T, ctx context.Context, url string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func post(t *testing.T, url string, header http.Header, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

type outcome struct {
	r   *runtimeapitest.Result
	err error
}

func invokeAsync(t *testing.T, s *runtimeapitest.Server, payload string, opts *runtimeapitest.InvokeOptions) <-chan outcome {
	ch := make(chan outcome, 1)
	ctx := testCtx(t)
	go func() {
		r, err := s.Invoke(ctx, []byte(payload), opts)
		ch <- outcome{r, err}
	}()
	return ch
}

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	traceRE = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]$`)
)

func TestNextHeaders(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	base := "http://" + s.Addr
	done := invokeAsync(t, s, `{"a":1}`, &runtimeapitest.InvokeOptions{
		Timeout: 2 * time.Second, ClientContext: `{"custom":{}}`, CognitoIdentity: `{"cognitoIdentityId":"x"}`, TenantID: "t1",
	})
	before := time.Now()
	resp, body := get(t, testCtx(t), base+runtimeapi.PathNext)
	h := resp.Header
	if resp.StatusCode != 200 || string(body) != `{"a":1}` || h.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d body %q headers %v", resp.StatusCode, body, h)
	}
	id := h.Get(runtimeapi.HeaderRequestID)
	if !uuidRE.MatchString(id) {
		t.Errorf("request id %q is not a lower-case UUID", id)
	}
	if tr := h.Get(runtimeapi.HeaderTraceID); !traceRE.MatchString(tr) {
		t.Errorf("trace id %q", tr)
	}
	ms, err := strconv.ParseInt(h.Get(runtimeapi.HeaderDeadlineMs), 10, 64)
	if d := time.UnixMilli(ms).Sub(before); err != nil || d < 1900*time.Millisecond || d > 2100*time.Millisecond {
		t.Errorf("deadline %q (%v from now)", h.Get(runtimeapi.HeaderDeadlineMs), d)
	}
	if h.Get(runtimeapi.HeaderFunctionARN) != runtimeapitest.DefaultFunctionARN || h.Get(runtimeapi.HeaderClientContext) != `{"custom":{}}` ||
		h.Get(runtimeapi.HeaderCognitoIdentity) != `{"cognitoIdentityId":"x"}` || h.Get(runtimeapi.HeaderTenantID) != "t1" {
		t.Errorf("headers %v", h)
	}
	resp, reply := post(t, base+runtimeapi.PathInvocation+id+runtimeapi.PathSuffixResponse, nil, `"result"`)
	if resp.StatusCode != 202 || reply != `{"status":"OK"}` {
		t.Errorf("response post: %d %s", resp.StatusCode, reply)
	}
	o := <-done
	if o.err != nil || string(o.r.Body) != `"result"` || o.r.RequestID != id {
		t.Errorf("result %+v, %v", o.r, o.err)
	}
}

func TestUnknownAndFinishedIDs(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	base := "http://" + s.Addr
	for _, suffix := range []string{runtimeapi.PathSuffixResponse, runtimeapi.PathSuffixError} {
		resp, body := post(t, base+runtimeapi.PathInvocation+"nope"+suffix, nil, "{}")
		if resp.StatusCode != 400 || !strings.Contains(body, `"errorType":"InvalidRequestID"`) {
			t.Errorf("%s for an unknown id: %d %s", suffix, resp.StatusCode, body)
		}
	}
	done := invokeAsync(t, s, `{}`, &runtimeapitest.InvokeOptions{RequestID: "r1"})
	get(t, testCtx(t), base+runtimeapi.PathNext)
	if resp, _ := post(t, base+runtimeapi.PathInvocation+"r1"+runtimeapi.PathSuffixResponse, nil, "1"); resp.StatusCode != 202 {
		t.Fatal(resp.Status)
	}
	<-done
	if resp, _ := post(t, base+runtimeapi.PathInvocation+"r1"+runtimeapi.PathSuffixError, nil, "{}"); resp.StatusCode != 400 {
		t.Errorf("error after response: %s", resp.Status)
	}
}

func TestErrorPostWithoutJSON(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	base := "http://" + s.Addr
	done := invokeAsync(t, s, `{}`, &runtimeapitest.InvokeOptions{RequestID: "r1"})
	get(t, testCtx(t), base+runtimeapi.PathNext)
	resp, _ := post(t, base+runtimeapi.PathInvocation+"r1"+runtimeapi.PathSuffixError,
		http.Header{runtimeapi.HeaderFunctionErrorType: {"Custom.Reason"}}, "plain text failure")
	if resp.StatusCode != 202 {
		t.Fatal(resp.Status)
	}
	o := <-done
	if o.r.Error == nil || o.r.Error.Type != "Custom.Reason" || o.r.Error.Message != "plain text failure" || o.r.ErrorHeader != "Custom.Reason" {
		t.Errorf("error %+v", o.r.Error)
	}
}

func TestInvalidResponseMode(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	base := "http://" + s.Addr
	done := invokeAsync(t, s, `{}`, &runtimeapitest.InvokeOptions{RequestID: "r1"})
	get(t, testCtx(t), base+runtimeapi.PathNext)
	url := base + runtimeapi.PathInvocation + "r1" + runtimeapi.PathSuffixResponse
	if resp, _ := post(t, url, http.Header{runtimeapi.HeaderResponseMode: {"buffered"}}, "x"); resp.StatusCode != 400 {
		t.Errorf("mode buffered: %s", resp.Status)
	}
	// The refused post did not use up the invocation.
	if resp, _ := post(t, url, nil, "x"); resp.StatusCode != 202 {
		t.Errorf("then a plain response: %s", resp.Status)
	}
	<-done
}

// TestRawChunkedStream writes the chunked body and trailers by hand, one chunk at a time.
func TestRawChunkedStream(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	arrived := make(chan string, 4)
	done := invokeAsync(t, s, `{}`, &runtimeapitest.InvokeOptions{RequestID: "r1", OnChunk: func(p []byte) { arrived <- string(p) }})
	get(t, testCtx(t), "http://"+s.Addr+runtimeapi.PathNext)

	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\n%s: streaming\r\nTransfer-Encoding: chunked\r\nTrailer: %s, %s\r\n\r\n",
		runtimeapi.PathInvocation+"r1"+runtimeapi.PathSuffixResponse, runtimeapi.HeaderResponseMode,
		runtimeapi.HeaderFunctionErrorType, runtimeapi.HeaderFunctionErrorBody)
	for _, chunk := range []string{"first", "second"} {
		fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk)
		select {
		case got := <-arrived:
			if got != chunk {
				t.Fatalf("server recorded %q, want %q", got, chunk)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("chunk %q not recorded on arrival", chunk)
		}
	}
	errBody := base64.StdEncoding.EncodeToString([]byte(`{"errorMessage":"died","errorType":"Runtime.Boom"}`))
	fmt.Fprintf(conn, "0\r\n%s: Runtime.Boom\r\n%s: %s\r\n\r\n", runtimeapi.HeaderFunctionErrorType, runtimeapi.HeaderFunctionErrorBody, errBody)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("reply %v, %v", resp, err)
	}
	o := <-done
	r := o.r
	if !r.Streamed || string(r.Body) != "firstsecond" || len(r.Chunks) != 2 || string(r.Chunks[1]) != "second" {
		t.Errorf("body %q chunks %q", r.Body, r.Chunks)
	}
	if r.Error == nil || r.Error.Type != "Runtime.Boom" || r.Error.Message != "died" || r.Trailer.Get(runtimeapi.HeaderFunctionErrorType) != "Runtime.Boom" {
		t.Errorf("error %+v trailer %v", r.Error, r.Trailer)
	}
}

func TestStreamAbortedMidway(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	done := invokeAsync(t, s, `{}`, &runtimeapitest.InvokeOptions{RequestID: "r1"})
	get(t, testCtx(t), "http://"+s.Addr+runtimeapi.PathNext)
	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\n%s: streaming\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
		runtimeapi.PathInvocation+"r1"+runtimeapi.PathSuffixResponse, runtimeapi.HeaderResponseMode)
	conn.Close()
	o := <-done
	if o.err != nil || o.r.Error == nil || string(o.r.Body) != "hello" {
		t.Errorf("aborted stream: %+v, %v", o.r, o.err)
	}
}

func TestConcurrentPollersEachGetOne(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	const n = 5
	ids := make(chan string, n)
	for range n {
		go func() {
			resp, _ := get(t, testCtx(t), "http://"+s.Addr+runtimeapi.PathNext)
			ids <- resp.Header.Get(runtimeapi.HeaderRequestID)
		}()
	}
	if err := s.WaitPollers(testCtx(t), n); err != nil {
		t.Fatal(err)
	}
	if got := s.Pollers(); got != n {
		t.Errorf("Pollers() = %d", got)
	}
	var dones []<-chan outcome
	for i := range n {
		dones = append(dones, invokeAsync(t, s, `{}`, &runtimeapitest.InvokeOptions{RequestID: fmt.Sprint("id-", i)}))
	}
	seen := map[string]bool{}
	for range n {
		id := <-ids
		if seen[id] {
			t.Errorf("invocation %s handed out twice", id)
		}
		seen[id] = true
		post(t, "http://"+s.Addr+runtimeapi.PathInvocation+id+runtimeapi.PathSuffixResponse, nil, id)
	}
	for i, d := range dones {
		if o := <-d; o.err != nil || string(o.r.Body) != fmt.Sprint("id-", i) {
			t.Errorf("invocation %d: %+v %v", i, o.r, o.err)
		}
	}
}

func TestCancelledInvokeIsNotHandedOut(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Invoke(ctx, []byte(`"stale"`), nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Invoke with nobody polling: %v", err)
	}
	done := invokeAsync(t, s, `"fresh"`, &runtimeapitest.InvokeOptions{RequestID: "fresh"})
	resp, body := get(t, testCtx(t), "http://"+s.Addr+runtimeapi.PathNext)
	if string(body) != `"fresh"` {
		t.Errorf("got %s", body)
	}
	post(t, "http://"+s.Addr+runtimeapi.PathInvocation+resp.Header.Get(runtimeapi.HeaderRequestID)+runtimeapi.PathSuffixResponse, nil, "ok")
	<-done
}

func TestCloseFailsPollersAndInvokes(t *testing.T) {
	s := runtimeapitest.NewServer()
	polled := make(chan int, 1)
	go func() {
		resp, _ := get(t, testCtx(t), "http://"+s.Addr+runtimeapi.PathNext)
		polled <- resp.StatusCode
	}()
	if err := s.WaitPollers(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	done := invokeAsync(t, s, `{}`, nil)
	// Wait until the invocation is handed out, then close before anyone answers.
	if code := <-polled; code != 200 {
		t.Fatalf("poll: %d", code)
	}
	go func() {
		resp, _ := get(t, testCtx(t), "http://"+s.Addr+runtimeapi.PathNext)
		polled <- resp.StatusCode
	}()
	if err := s.WaitPollers(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if code := <-polled; code != 500 {
		t.Errorf("pending /next got %d at Close, want 500", code)
	}
	if o := <-done; !errors.Is(o.err, runtimeapitest.ErrClosed) {
		t.Errorf("pending Invoke: %v", o.err)
	}
	if _, err := s.Invoke(testCtx(t), nil, nil); !errors.Is(err, runtimeapitest.ErrClosed) {
		t.Errorf("Invoke after Close: %v", err)
	}
	s.Close() // idempotent
}

func TestWaitInitErrorAndQueuedInvoke(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	done := invokeAsync(t, s, `{}`, nil) // queued: no runtime polls
	resp, _ := post(t, "http://"+s.Addr+runtimeapi.PathInitError,
		http.Header{runtimeapi.HeaderFunctionErrorType: {"Runtime.Config"}}, `{"errorMessage":"PORT missing","errorType":"Runtime.Config"}`)
	if resp.StatusCode != 202 {
		t.Fatal(resp.Status)
	}
	e, err := s.WaitInitError(testCtx(t))
	if err != nil || e.Type != "Runtime.Config" || e.Message != "PORT missing" {
		t.Errorf("init error %+v %v", e, err)
	}
	if o := <-done; o.err != nil || o.r.Error == nil || o.r.Error.Message != "PORT missing" {
		t.Errorf("queued invoke: %+v %v", o.r, o.err)
	}
}

func TestLogsAndTelemetryNotSupported(t *testing.T) {
	s := runtimeapitest.NewServer()
	defer s.Close()
	for path, typ := range map[string]string{runtimeapi.PathLogs: "Logs.NotSupported", runtimeapi.PathTelemetry: "Telemetry.NotSupported"} {
		req, _ := http.NewRequest(http.MethodPut, "http://"+s.Addr+path, strings.NewReader(`{}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 202 || !strings.Contains(string(b), typ) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
}
