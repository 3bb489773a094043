package runtimeapi_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// The default client speaks HTTP/1.1 itself for /next and /response (wire.go). These tests run
// it against scripted servers on real sockets: every framing a server may choose, connections
// the server drops, cancelled long polls.

// scriptServer accepts connections and answers each request with reply(n, req), n counting
// requests from 1. After a reply, closeAfter (if set) decides whether the server drops the
// connection — at once or after a delay, as an idle timeout would.
type scriptServer struct {
	ln       net.Listener
	conns    atomic.Int32
	requests atomic.Int32
	mu       sync.Mutex
	seen     []*http.Request
	bodies   []string
}

func newScriptServer(t *testing.T, reply func(n int, r *http.Request) string, closeAfter func(n int) (bool, time.Duration)) *scriptServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					body, _ := io.ReadAll(req.Body)
					n := int(s.requests.Add(1))
					s.mu.Lock()
					s.seen = append(s.seen, req)
					s.bodies = append(s.bodies, string(body))
					s.mu.Unlock()
					if _, err := io.WriteString(conn, reply(n, req)); err != nil {
						return
					}
					if closeAfter != nil {
						if ok, d := closeAfter(n); ok {
							time.Sleep(d)
							return
						}
					}
				}
			}()
		}
	}()
	return s
}

func nextReply(payload string) string {
	return "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: id-1\r\nLambda-Runtime-Deadline-Ms: 1700000000000\r\n" +
		"Content-Length: " + strconv.Itoa(len(payload)) + "\r\n\r\n" + payload
}

const accepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"

func TestWireRequestsAreWellFormed(t *testing.T) {
	s := newScriptServer(t, func(n int, r *http.Request) string {
		if r.Method == http.MethodGet {
			return nextReply(`{"n":1}`)
		}
		return accepted
	}, nil)
	c, err := runtimeapi.NewClient(s.ln.Addr().String()+"/env/7", nil)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := c.Next(testCtx(t))
	if err != nil || string(inv.Payload) != `{"n":1}` {
		t.Fatalf("Next: %v %+v", err, inv)
	}
	if err := c.Respond(testCtx(t), "id/1", []byte("result")); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	get, post := s.seen[0], s.seen[1]
	if get.Method != "GET" || get.URL.Path != "/env/7"+runtimeapi.PathNext || get.Host != s.ln.Addr().String() ||
		!strings.HasPrefix(get.UserAgent(), "slipway/") {
		t.Errorf("GET %s %s Host %q UA %q", get.Method, get.URL, get.Host, get.UserAgent())
	}
	if post.Method != "POST" || post.URL.EscapedPath() != "/env/7"+runtimeapi.PathInvocation+"id%2F1/response" ||
		post.ContentLength != 6 || s.bodies[1] != "result" || post.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("POST %s %s length %d body %q type %q", post.Method, post.URL.EscapedPath(), post.ContentLength, s.bodies[1], post.Header.Get("Content-Type"))
	}
	if n := s.conns.Load(); n != 1 {
		t.Errorf("%d connections for a /next and its post, want 1", n)
	}
}

func TestWireChunkedAndClosingReplies(t *testing.T) {
	s := newScriptServer(t, func(n int, r *http.Request) string {
		switch n {
		case 1: // chunked, keep-alive
			return "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: a\r\nLambda-Runtime-Deadline-Ms: 1700000000000\r\n" +
				"Transfer-Encoding: chunked\r\n\r\n3\r\n{\"x\r\n5\r\n\":12}\r\n0\r\n\r\n"
		case 2: // an informational reply first, then the server says it closes
			return "HTTP/1.1 100 Continue\r\n\r\n" +
				"HTTP/1.1 200 OK\r\nConnection: close\r\nLambda-Runtime-Aws-Request-Id: b\r\nLambda-Runtime-Deadline-Ms: 1700000000000\r\n" +
				"Content-Length: 2\r\n\r\n{}"
		}
		return nextReply(`[]`)
	}, func(n int) (bool, time.Duration) { return n == 2, 0 })
	c, _ := runtimeapi.NewClient(s.ln.Addr().String(), nil)
	for i, want := range []string{`{"x":12}`, `{}`, `[]`} {
		inv, err := c.Next(testCtx(t))
		if err != nil {
			t.Fatalf("Next %d: %v", i+1, err)
		}
		if string(inv.Payload) != want {
			t.Errorf("Next %d: payload %q, want %q", i+1, inv.Payload, want)
		}
	}
	// The chunked reply left its connection reusable; the closing one did not.
	if n := s.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// A server may close a keep-alive connection while it sits idle. /next is retried on a new
// connection; a post is not written into a connection idle for longer than the limit.
func TestWireServerClosedIdleConnection(t *testing.T) {
	defer runtimeapi.SetWireIdleLimit(20 * time.Millisecond)()
	s := newScriptServer(t, func(n int, r *http.Request) string {
		if r.Method == http.MethodGet {
			return nextReply(`{}`)
		}
		return accepted
	}, func(int) (bool, time.Duration) { return true, 5 * time.Millisecond })
	c, _ := runtimeapi.NewClient(s.ln.Addr().String(), nil)
	for i := range 3 {
		if _, err := c.Next(testCtx(t)); err != nil {
			t.Fatalf("Next %d after the server dropped the connection: %v", i+1, err)
		}
		time.Sleep(40 * time.Millisecond)
	}
	if err := c.Respond(testCtx(t), "id-1", []byte("r")); err != nil {
		t.Fatalf("Respond after the server dropped the idle connection: %v", err)
	}
	if got := s.requests.Load(); got != 4 {
		t.Errorf("server saw %d requests, want 4 (3 /next, 1 post, none twice)", got)
	}
}

// A post that fails on a connection the server dropped is reported, never sent twice.
func TestWirePostIsNotRetried(t *testing.T) {
	s := newScriptServer(t, func(n int, r *http.Request) string {
		if n == 1 {
			return nextReply(`{}`)
		}
		return accepted
	}, func(n int) (bool, time.Duration) { return n == 1, 0 })
	c, _ := runtimeapi.NewClient(s.ln.Addr().String(), nil)
	if _, err := c.Next(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // the server has closed; the idle limit has not passed
	err := c.Respond(testCtx(t), "id-1", []byte("r"))
	if err == nil {
		t.Fatal("a post into a closed connection succeeded")
	}
	if !strings.HasPrefix(err.Error(), "runtimeapi: POST ") {
		t.Errorf("error %q does not say which post failed", err)
	}
	if got := s.requests.Load(); got != 1 {
		t.Errorf("server saw %d requests, want 1", got)
	}
	// The client recovers with a new connection.
	if err := c.Respond(testCtx(t), "id-1", []byte("r")); err != nil {
		t.Errorf("next post: %v", err)
	}
}

// An error reply too long to read whole does not leave its rest in a reused connection.
func TestWireLongErrorReplyIsNotReused(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	s := newScriptServer(t, func(n int, r *http.Request) string {
		if n == 1 {
			return "HTTP/1.1 400 Bad Request\r\nContent-Length: " + strconv.Itoa(len(long)) + "\r\n\r\n" + long
		}
		return accepted
	}, nil)
	c, _ := runtimeapi.NewClient(s.ln.Addr().String(), nil)
	var ae *runtimeapi.APIError
	if err := c.Respond(testCtx(t), "id-1", nil); !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Fatalf("Respond: %v", err)
	}
	if err := c.Respond(testCtx(t), "id-1", nil); err != nil {
		t.Fatalf("the post after a long error reply: %v", err)
	}
	if n := s.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// Cancelling a long poll returns at once and drops its connection, so the server knows the
// poller left.
func TestWireCancelledLongPoll(t *testing.T) {
	left := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(left)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, _ := runtimeapi.NewClient(ln.Addr().String(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Next(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancel: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Next returned %v after the cancel", d)
	}
	select {
	case <-left:
	case <-time.After(5 * time.Second):
		t.Error("the server never saw the poller leave")
	}
}
