package inspector

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
)

// net/http keeps a request's headers in a map, losing the order they arrived in. A server that
// wants to show that order wraps its listener with WrapListener and sets ConnContext: each
// connection then records the bytes it reads (bounded), and the handler finds the request's
// header block in them. Without the wrapper the page lists headers by name.

// maxRecord bounds what one connection keeps: header blocks are small, bodies are dropped.
const maxRecord = 64 << 10

type recorderKey struct{}

// recorder keeps the recent bytes read from one connection.
type recorder struct {
	mu  sync.Mutex
	buf []byte
}

func (r *recorder) record(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	if len(r.buf) > maxRecord {
		r.buf = append(r.buf[:0], r.buf[len(r.buf)-maxRecord:]...)
	}
}

// headerLines finds the header block that starts with the request line "METHOD URI " and returns
// its header lines in order, forgetting everything up to its end.
func (r *recorder) headerLines(method, uri string) ([]header, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := bytes.Index(r.buf, []byte(method+" "+uri+" "))
	if start < 0 {
		return nil, false
	}
	end := bytes.Index(r.buf[start:], []byte("\r\n\r\n"))
	if end < 0 {
		return nil, false
	}
	block := string(r.buf[start : start+end])
	r.buf = append(r.buf[:0], r.buf[start+end+4:]...)
	lines := strings.Split(block, "\r\n")[1:]
	out := make([]header, 0, len(lines))
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, false
		}
		out = append(out, header{Name: name, Value: strings.TrimSpace(value)})
	}
	return out, true
}

type recordingConn struct {
	net.Conn
	rec *recorder
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.rec.record(p[:n])
	}
	return n, err
}

type recordingListener struct{ net.Listener }

func (l recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, rec: &recorder{}}, nil
}

// WrapListener makes every connection record what it reads so the page can show headers in the
// order they arrived. Use it with ConnContext as the server's ConnContext.
func WrapListener(ln net.Listener) net.Listener { return recordingListener{ln} }

// ConnContext puts a wrapped connection's recorder into its requests' context.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if rc, ok := c.(*recordingConn); ok {
		return context.WithValue(ctx, recorderKey{}, rc.rec)
	}
	return ctx
}

// orderedHeaders returns r's headers in arrival order when the connection recorded them (and
// what it recorded agrees with what net/http parsed), else sorted by name. Host, which net/http
// moves out of the header map, is included either way.
func orderedHeaders(r *http.Request) (hs []header, inOrder bool) {
	if rec, ok := r.Context().Value(recorderKey{}).(*recorder); ok {
		if lines, ok := rec.headerLines(r.Method, r.RequestURI); ok && sameHeaders(lines, r) {
			return lines, true
		}
	}
	hs = append(hs, header{Name: "Host", Value: r.Host})
	for _, k := range sortedNames(r.Header) {
		for _, v := range r.Header[k] {
			hs = append(hs, header{Name: k, Value: v})
		}
	}
	return hs, false
}

// sameHeaders reports whether raw lines hold exactly r's headers (and Host), so a stale or
// spoofed match in the recorded bytes is never shown.
func sameHeaders(lines []header, r *http.Request) bool {
	got := http.Header{}
	for _, h := range lines {
		got.Add(textproto.TrimString(h.Name), h.Value)
	}
	if got.Get("Host") != r.Host {
		return false
	}
	got.Del("Host")
	if len(r.TransferEncoding) > 0 {
		got.Del("Transfer-Encoding") // net/http moves it to r.TransferEncoding
	}
	if len(got) != len(r.Header) {
		return false
	}
	for k, vs := range r.Header {
		g := got[k]
		if len(g) != len(vs) {
			return false
		}
		for i := range vs {
			if g[i] != vs[i] {
				return false
			}
		}
	}
	return true
}
