package adapter

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

func goApp() testApp { return testApps[0] }

func nodeApp() testApp { return testApps[1] }

// The app crashes in the middle of a response: the invocation fails with Slipway.AppExited and
// the adapter stops, so Lambda replaces the environment.
func TestFaultAppCrashesMidRequest(t *testing.T) {
	for _, mode := range []string{"buffered", "response_stream"} {
		t.Run(mode, func(t *testing.T) {
			proc, port := startApp(t, goApp())
			h := startAdapter(t, port, proc, env{"AWS_LWA_INVOKE_MODE": mode})
			res := h.invoke(urlEvent("GET", "/crash", "", nil, nil, nil, false), nil)
			if res.Error == nil || res.Error.Type != ErrorTypeAppExited || !strings.Contains(res.Error.Message, "exit status 3") {
				t.Fatalf("result %+v / %s", res.Error, res.Body)
			}
			if mode == "response_stream" && res.Trailer.Get("Lambda-Runtime-Function-Error-Type") != ErrorTypeAppExited {
				t.Errorf("a failure after the prelude must be reported in real trailers, got %v", res.Trailer)
			}
			err, ok := h.runResult(5 * time.Second)
			if !ok || errorType(err) != ErrorTypeAppExited {
				t.Errorf("Run returned %v (returned=%v), want %s", err, ok, ErrorTypeAppExited)
			}
		})
	}
}

// The app accepts the request and never answers: at the invocation deadline the adapter reports
// Slipway.AppTimeout, and the next invocation is served normally.
func TestFaultAppHangsPastDeadline(t *testing.T) {
	_, port := startApp(t, goApp())
	h := startAdapter(t, port, nil, nil)
	start := time.Now()
	res := h.invoke(urlEvent("GET", "/hang", "", nil, nil, nil, false), &runtimeapitest.InvokeOptions{Timeout: 400 * time.Millisecond})
	if res.Error == nil || res.Error.Type != ErrorTypeAppTimeout {
		t.Fatalf("result %+v", res.Error)
	}
	if d := time.Since(start); d < 350*time.Millisecond || d > 3*time.Second {
		t.Errorf("reported after %v for a 400 ms deadline", d)
	}
	if r := parseResult(t, h.invoke(urlEvent("GET", "/health", "", nil, nil, nil, false), nil)); string(r.body(t)) != "ok" {
		t.Errorf("next invocation: %d %q", r.StatusCode, r.body(t))
	}
}

// The app never becomes ready: with a readiness timeout, init fails with a clear init error.
func TestFaultAppNeverReady(t *testing.T) {
	port := freePort(t)
	proc, err := StartApp([]string{"sleep", "30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Kill(); <-proc.Done() })
	h := startAdapter(t, port, proc, env{"AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS": "0.3"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ie, err := h.srv.WaitInitError(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ie.Type != ErrorTypeReadinessTimeout || !strings.Contains(ie.Message, "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS=0.3") {
		t.Errorf("init error %s: %s", ie.Type, ie.Message)
	}
	if err, ok := h.runResult(2 * time.Second); !ok || errorType(err) != ErrorTypeReadinessTimeout {
		t.Errorf("Run returned %v", err)
	}
}

// The app exits during init: the init error says so at once, no waiting for a timeout.
func TestFaultAppExitsDuringInit(t *testing.T) {
	proc, err := StartApp([]string{"sh", "-c", "sleep 0.1; exit 4"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := startAdapter(t, freePort(t), proc, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ie, err := h.srv.WaitInitError(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ie.Type != ErrorTypeAppExited || !strings.Contains(ie.Message, "exit status 4") {
		t.Errorf("init error %s: %s", ie.Type, ie.Message)
	}
}

// The Node app closes idle keep-alive connections after 1 s (its keepAliveTimeout) while the
// adapter would keep them 4 s; requests every 1.5 s land on connections the app has closed. Not
// one may fail.
func TestFaultKeepAliveClosedByApp(t *testing.T) {
	_, port := startApp(t, nodeApp(), "KEEPALIVE_MS=1000")
	h := startAdapter(t, port, nil, nil)
	for i := 0; i < 3; i++ {
		if i > 0 {
			time.Sleep(1500 * time.Millisecond)
		}
		res := h.invoke(restEvent("POST", "/echo", nil, [][2]string{{"Content-Type", "text/plain"}}, []byte("ping"), false), nil)
		if res.Error != nil {
			t.Fatalf("request %d failed: %s: %s", i, res.Error.Type, res.Error.Message)
		}
		if e := parseEcho(t, parseResult(t, res)); string(e.bodyBytes(t)) != "ping" {
			t.Fatalf("request %d: body %q", i, e.bodyBytes(t))
		}
	}
}

// rawApp is a loopback server that answers every request with the given raw bytes and then
// closes the connection. Closing the returned listener makes the port unreachable.
func rawApp(t *testing.T, response string) (int, net.Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				if req.URL.Path == "/health" {
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
					return
				}
				io.WriteString(c, response)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, ln
}

func TestFaultTruncatedBody(t *testing.T) {
	port, _ := rawApp(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly ten b")
	h := startAdapter(t, port, nil, nil)
	res := h.invoke(urlEvent("GET", "/", "", nil, nil, nil, false), nil)
	if res.Error == nil || res.Error.Type != ErrorTypeAppResponse || !strings.Contains(res.Error.Message, "truncated") {
		t.Fatalf("result %+v %s", res.Error, res.Body)
	}
}

// A stream that breaks after its first chunk ends with the error in real HTTP trailers; the
// bytes already sent stay sent.
func TestFaultStreamInterrupted(t *testing.T) {
	port, _ := rawApp(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello\n\r\n")
	h := startAdapter(t, port, nil, env{"AWS_LWA_INVOKE_MODE": "response_stream"})
	res := h.invoke(urlEvent("GET", "/", "", nil, nil, nil, false), nil)
	if !res.Streamed || !strings.HasSuffix(string(res.Body), "\x00\x00\x00\x00\x00\x00\x00\x00hello\n") {
		t.Fatalf("streamed=%v body %q", res.Streamed, res.Body)
	}
	if res.Trailer.Get("Lambda-Runtime-Function-Error-Type") != ErrorTypeAppResponse || res.Trailer.Get("Lambda-Runtime-Function-Error-Body") == "" {
		t.Errorf("trailers %v", res.Trailer)
	}
	if res.Error == nil || res.Error.Type != ErrorTypeAppResponse {
		t.Errorf("error %+v", res.Error)
	}
}

func TestFaultAppUnreachable(t *testing.T) {
	port, ln := rawApp(t, "")
	h := startAdapter(t, port, nil, nil)
	// Readiness passed; now nothing listens any more.
	if res := h.invoke(urlEvent("GET", "/health", "", nil, nil, nil, false), nil); res.Error != nil {
		t.Fatal(res.Error)
	}
	ln.Close()
	res := h.invoke(urlEvent("GET", "/x", "", nil, nil, nil, false), nil)
	if res.Error == nil || res.Error.Type != ErrorTypeAppUnreachable || !strings.Contains(res.Error.Message, "cannot reach the app") {
		t.Fatalf("result %+v", res.Error)
	}
}

// Malformed events and bad base64 fail one invocation with the codec's stable types; the adapter
// keeps serving.
func TestFaultBadEvents(t *testing.T) {
	port, _ := rawApp(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	h := startAdapter(t, port, nil, nil)
	for _, tt := range []struct {
		name, payload, want string
	}{
		{"not json", `{"version":"2.0",`, event.ErrorTypeMalformedEvent},
		{"wrong types", `{"httpMethod":"GET","path":"/","headers":"no"}`, event.ErrorTypeMalformedEvent},
		{"bad base64", `{"version":"2.0","rawPath":"/","rawQueryString":"","headers":{},"requestContext":{"http":{"method":"POST"}},"body":"!!notbase64","isBase64Encoded":true}`,
			event.ErrorTypeInvalidBase64},
	} {
		res := h.invoke([]byte(tt.payload), nil)
		if res.Error == nil || res.Error.Type != tt.want {
			t.Errorf("%s: %+v", tt.name, res.Error)
		}
	}
	if res := h.invoke(urlEvent("GET", "/", "", nil, nil, nil, false), nil); res.Error != nil {
		t.Errorf("adapter stopped serving after bad events: %v", res.Error)
	}
}
