package adapter

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"", "/"},
		{"x", "/x"},
		{"/a b", "/a%20b"},
		{`/a"<>` + "`" + `{}`, "/a%22%3C%3E%60%7B%7D"},
		{"/a#b?c", "/a%23b%3Fc"},
		{"/caf\xc3\xa9", "/caf%C3%A9"},
		{"/already%20encoded%2Fslash", "/already%20encoded%2Fslash"},
		{"/bad%zz%4", "/bad%25zz%254"},
		{"/a/./b/../c", "/a/c"},
		{"/a/..", "/"},
		{"/../../etc/passwd", "/etc/passwd"},
		{"/a/b/.", "/a/b/"},
		{`\a\b`, "/a/b"},
		{"/keep/trailing/", "/keep/trailing/"},
		{"/sub-delims!$&'()*+,;=:@", "/sub-delims!$&'()*+,;=:@"},
		{"/ctl\x01\x7f", "/ctl%01%7F"},
		{"/a..b/.c", "/a..b/.c"},
	}
	for _, tt := range tests {
		got := normalizePath(tt.in)
		if got != tt.want {
			t.Errorf("normalizePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := normalizePath(got); again != got {
			t.Errorf("not idempotent: %q → %q", got, again)
		}
	}
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", `\x`, "/%", "/%2", "/caf\xc3\xa9", "//x", "/a b?c#d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := normalizePath(p)
		if !strings.HasPrefix(got, "/") {
			t.Fatalf("%q → %q: no leading slash", p, got)
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c <= 0x20 || c >= 0x7f || strings.IndexByte("\"<>`#?{}\\", c) >= 0 {
				t.Fatalf("%q → %q: unescaped byte %q", p, got, c)
			}
		}
		if again := normalizePath(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", p, got, again)
		}
	})
}

// staleServer answers the first request on every connection, then reads the next request and
// drops the connection without a byte: a keep-alive connection the server closed just as the
// client reused it — the race that makes LWA report intermittent 502s.
func staleServer(t *testing.T) (addr string, requests *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	requests = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				requests.Add(1)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				if req, err = http.ReadRequest(br); err == nil { // reused: swallow it and hang up
					_, _ = io.Copy(io.Discard, req.Body)
				}
			}(c)
		}
	}()
	return ln.Addr().String(), requests
}

func TestStaleConnectionRetried(t *testing.T) {
	addr, requests := staleServer(t)
	c := newAppClient(&Config{PoolIdleTimeout: time.Minute})
	defer c.close()
	for _, method := range []string{"GET", "PUT", "DELETE", "GET"} {
		req, _ := http.NewRequestWithContext(context.Background(), method, "http://"+addr+"/", strings.NewReader("body"))
		resp, err := c.do(req, new(writes))
		if err != nil {
			t.Fatalf("%s on a stale connection surfaced an error: %v", method, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("body %q", b)
		}
	}
	if n := requests.Load(); n != 4 {
		t.Errorf("server answered %d requests, want 4", n)
	}
}

func TestStaleConnectionPostNotReplayed(t *testing.T) {
	addr, requests := staleServer(t)
	c := newAppClient(&Config{PoolIdleTimeout: time.Minute})
	defer c.close()
	post := func() error {
		req, _ := http.NewRequest("POST", "http://"+addr+"/", io.NopCloser(strings.NewReader("charge the card")))
		req.ContentLength = 15
		resp, err := c.do(req, new(writes))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return err
	}
	if err := post(); err != nil {
		t.Fatal(err)
	}
	// The second POST is written to the stale connection and gets no answer: the server may have
	// acted on it, so it must not be sent again.
	if err := post(); err == nil {
		t.Fatal("a written non-idempotent request was replayed")
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("server answered %d requests, want 1", n)
	}
}

// An app may answer before it has read the request body, and the transport may still be
// reading the body to send it when the caller is done with the response. The body aliases the
// event's memory, which is reused once writes say done: they must not while the body is read.
func TestWritesPendingWhileTheBodyIsSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		io.Copy(io.Discard, req.Body)
	}()
	c := newAppClient(&Config{PoolIdleTimeout: time.Minute})
	defer c.close()
	body := &stallingReader{data: bytes.Repeat([]byte("x"), 64<<10), stalled: make(chan struct{}), release: make(chan struct{})}
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/", body)
	req.ContentLength = 1 << 20
	var w writes
	resp, err := c.do(req, &w)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	<-body.stalled
	if w.done() {
		t.Error("writes say done while the transport is reading the body")
	}
	close(body.release)
	deadline := time.Now().Add(10 * time.Second)
	for !w.done() {
		if time.Now().After(deadline) {
			t.Fatal("writes never finished")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// stallingReader yields data, then blocks in Read until released, then fails.
type stallingReader struct {
	data             []byte
	stalled, release chan struct{}
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if len(s.data) > 0 {
		n := copy(p, s.data)
		s.data = s.data[n:]
		return n, nil
	}
	close(s.stalled)
	<-s.release
	return 0, io.ErrUnexpectedEOF
}
