package adapter

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// directClient is an appClient for the app at addr whose http.Transport fails every request, so
// a test passes only if the direct path carried it.
func directClient(t *testing.T, addr string) *appClient {
	t.Helper()
	if !canPeek {
		t.Skip("no direct path on this platform")
	}
	c := newAppClient(configFor(t, addr))
	if c.direct == nil {
		t.Fatal("the direct path is off")
	}
	c.pool = &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("the request went through http.Transport")
	}}
	t.Cleanup(c.close)
	return c
}

func configFor(t *testing.T, addr string) *Config {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return &Config{Host: host, Port: p, PoolIdleTimeout: time.Minute}
}

// countingServer serves h on loopback and counts the connections it accepted.
func countingServer(t *testing.T, h http.Handler) (addr string, conns *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns = new(atomic.Int32)
	srv := &http.Server{Handler: h, ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), conns
}

// connServer accepts connections on loopback and serves each with serve, counting them.
func connServer(t *testing.T, serve func(net.Conn)) (addr string, accepted *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int32)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer conn.Close()
				serve(conn)
			}()
		}
	}()
	return ln.Addr().String(), accepted
}

func send(t *testing.T, c *appClient, method, url string, body []byte) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	resp, err := c.do(req, new(writes))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return resp, b
}

// Every kind of response framing comes back whole, and the one connection serves them all.
func TestDirectPathReusesOneConnection(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 20<<10) // 320 KiB: written beside the read
	addr, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("X-Method", r.Method)
			w.Write(body)
		case "/chunked":
			w.Header().Set("Trailer", "X-Sum")
			for i := range 3 {
				io.WriteString(w, strconv.Itoa(i))
				w.(http.Flusher).Flush()
			}
			w.Header().Set("X-Sum", "3")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/early-hints":
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			io.WriteString(w, "after hints")
		}
	}))
	c := directClient(t, addr)
	base := "http://" + addr
	for i := range 3 {
		for _, tc := range []struct {
			method, path string
			body         []byte
			want         string
			status       int
		}{
			{"GET", "/echo", nil, "", 200},
			{"POST", "/echo", []byte("small body " + strconv.Itoa(i)), "small body " + strconv.Itoa(i), 200},
			{"PUT", "/echo", big, string(big), 200},
			{"HEAD", "/echo", nil, "", 200},
			{"GET", "/chunked", nil, "012", 200},
			{"DELETE", "/empty", nil, "", 204},
			{"GET", "/early-hints", nil, "after hints", 200},
		} {
			resp, got := send(t, c, tc.method, base+tc.path, tc.body)
			if resp.StatusCode != tc.status || string(got) != tc.want {
				t.Fatalf("%s %s: %d %.40q, want %d %.40q", tc.method, tc.path, resp.StatusCode, got, tc.status, tc.want)
			}
			if tc.path == "/chunked" && resp.Trailer.Get("X-Sum") != "3" {
				t.Errorf("trailer %v", resp.Trailer)
			}
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the app accepted %d connections for serial requests, want 1", n)
	}
}

// An app that closes idle connections (a short keep-alive timeout) must not cost a request: the
// pool sees the close before it reuses the connection, so even a POST, which may not be sent
// twice, goes out on a fresh one.
func TestDirectPathSkipsConnectionsTheAppClosed(t *testing.T) {
	// Closes after one response, without saying so.
	addr, accepted := connServer(t, func(conn net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	c := directClient(t, addr)
	for i := range 3 {
		if i > 0 {
			time.Sleep(20 * time.Millisecond) // the close reaches the adapter's socket
		}
		if _, got := send(t, c, "POST", "http://"+addr+"/", []byte("charge the card")); string(got) != "ok" {
			t.Fatalf("request %d: %q", i, got)
		}
	}
	if n := accepted.Load(); n != 3 {
		t.Errorf("accepted %d connections, want 3", n)
	}
}

// The stale-connection race itself — the app closes a connection just as a request is written on
// it — is retried when that is safe, on the direct path as on the Transport.
func TestDirectPathStaleRace(t *testing.T) {
	addr, requests := staleServer(t)
	c := directClient(t, addr)
	c.fresh = newAppTransport(configFor(t, addr), true) // the retry
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		if _, got := send(t, c, method, "http://"+addr+"/", []byte("body")); string(got) != "ok" {
			t.Fatalf("%s: %q", method, got)
		}
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/", strings.NewReader("charge the card"))
	if _, err := c.do(req, new(writes)); err == nil {
		t.Fatal("a written POST was replayed on a fresh connection")
	}
	if n := requests.Load(); n != 3 {
		t.Errorf("server answered %d requests, want 3", n)
	}
}

// An app may refuse a body without reading it. Its answer reaches the adapter whether the body
// was written inline (small) or beside the read (large), and the connection is not reused.
func TestDirectPathAnswerBeforeBody(t *testing.T) {
	for _, size := range []int{1 << 10, 4 << 20} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			addr, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Connection", "close")
				w.WriteHeader(http.StatusRequestEntityTooLarge)
			}))
			c := directClient(t, addr)
			var w writes
			req, _ := http.NewRequest("POST", "http://"+addr+"/upload", bytes.NewReader(make([]byte, size)))
			resp, err := doWithin(t, c, req, &w)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d", resp.StatusCode)
			}
			waitWrites(t, &w)
			if _, got := send(t, c, "GET", "http://"+addr+"/", nil); len(got) != 0 {
				t.Fatalf("body %q", got)
			}
			if n := conns.Load(); n != 2 {
				t.Errorf("accepted %d connections, want 2", n)
			}
		})
	}
}

// A large body is still being read while the response is handled: writes must say so until the
// write has ended, because the body aliases memory the adapter reuses.
func TestDirectPathWritesPending(t *testing.T) {
	release := make(chan struct{})
	addr, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "early")
		w.(http.Flusher).Flush()
		<-release
		io.Copy(io.Discard, r.Body)
	}))
	c := directClient(t, addr)
	var w writes
	req, _ := http.NewRequest("POST", "http://"+addr+"/", bytes.NewReader(make([]byte, 16<<20)))
	resp, err := doWithin(t, c, req, &w)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "early" {
		t.Fatalf("%q %v", buf, err)
	}
	if w.done() {
		t.Error("writes say done while 16 MiB are still being written")
	}
	close(release)
	waitWrites(t, &w)
}

// doWithin is c.do, failing the test if it has not returned within 5 s.
func doWithin(t *testing.T, c *appClient, req *http.Request, w *writes) (*http.Response, error) {
	t.Helper()
	type result struct {
		resp *http.Response
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		resp, err := c.do(req, w)
		ch <- result{resp, err}
	}()
	select {
	case r := <-ch:
		return r.resp, r.err
	case <-time.After(5 * time.Second):
		t.Fatal("the request did not return within 5 s")
		return nil, nil
	}
}

func waitWrites(t *testing.T, w *writes) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !w.done() {
		if time.Now().After(deadline) {
			t.Fatal("the write never ended")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// An app that answers before it has read the body and keeps the connection open leaves it in the
// middle of a request: it must not go back to the pool while the body is still being written.
func TestDirectPathNoReuseMidWrite(t *testing.T) {
	addr, accepted := connServer(t, func(conn net.Conn) {
		br := bufio.NewReader(conn)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			time.Sleep(100 * time.Millisecond) // then read the body after all
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				return
			}
		}
	})
	c := directClient(t, addr)
	var w writes
	req, _ := http.NewRequest("POST", "http://"+addr+"/", bytes.NewReader(make([]byte, 8<<20)))
	resp, err := doWithin(t, c, req, &w)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if _, got := send(t, c, "GET", "http://"+addr+"/", nil); string(got) != "ok" {
		t.Fatalf("%q", got)
	}
	if n := accepted.Load(); n != 2 {
		t.Errorf("accepted %d connections, want 2: a connection was reused in the middle of a write", n)
	}
}

// The invocation's deadline ends a request to a hung app, and the connection is not reused.
func TestDirectPathDeadline(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	addr, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			<-hang
		}
		if r.URL.Path == "/stall" {
			io.WriteString(w, "part")
			w.(http.Flusher).Flush()
			<-hang
		}
	}))
	c := directClient(t, addr)
	send(t, c, "GET", "http://"+addr+"/", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/hang", nil)
	if _, err := doWithin(t, c, req, new(writes)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}

	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	req, _ = http.NewRequestWithContext(ctx2, "GET", "http://"+addr+"/stall", nil)
	resp, err := doWithin(t, c, req, new(writes))
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() { _, err := io.ReadAll(resp.Body); read <- err }()
	select {
	case err := <-read:
		if err == nil {
			t.Fatal("a body cut by the deadline read to its end")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the deadline did not end the body")
	}
	resp.Body.Close()

	send(t, c, "GET", "http://"+addr+"/", nil)
	if n := conns.Load(); n != 3 {
		t.Errorf("accepted %d connections, want 3 (one per request cut short, one reused)", n)
	}
}

// A body closed before its end takes its connection with it; the next request gets a new one.
func TestDirectPathBodyClosedEarly(t *testing.T) {
	addr, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 1<<20))
	}))
	c := directClient(t, addr)
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	resp, err := c.do(req, new(writes))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Read(make([]byte, 10))
	resp.Body.Close()
	if _, got := send(t, c, "GET", "http://"+addr+"/", nil); len(got) != 1<<20 {
		t.Fatalf("%d bytes", len(got))
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("accepted %d connections, want 2", n)
	}
}

// Header fields that http.Request.Write would send as they are go to the Transport, which refuses
// them: an event cannot smuggle a header line to the app.
func TestDirectPathRefusesInvalidFields(t *testing.T) {
	for _, h := range []http.Header{
		{"X-Bad\r\nInjected": {"1"}},
		{"X Space": {"1"}},
		{"X-Ctl": {"a\x01b"}},
	} {
		if validHeader(h) {
			t.Errorf("%q passed as valid", h)
		}
	}
	if !validHeader(http.Header{"X-Ok": {"tab\tand spaces, üñí"}}) {
		t.Error("a valid field was refused")
	}
	addr, conns := countingServer(t, http.NotFoundHandler())
	c := newAppClient(configFor(t, addr))
	defer c.close()
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Header["X-Bad\r\nInjected"] = []string{"1"}
	if _, err := c.do(req, new(writes)); err == nil || !strings.Contains(err.Error(), "invalid header field name") {
		t.Fatalf("err %v", err)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the app got %d connections", n)
	}
}
