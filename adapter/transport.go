package adapter

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"
)

// appClient sends requests to the app over a keep-alive pool on loopback.
type appClient struct {
	direct *directPool     // the fast path (appconn.go); nil where it cannot be used
	pool   *http.Transport // shared keep-alive pool (one connection per in-flight request)
	fresh  *http.Transport // no reuse: the one retry after a stale pooled connection
}

func newAppClient(c *Config) *appClient {
	return &appClient{direct: newDirectPool(c, c.AppAddr()), pool: newAppTransport(c, false), fresh: newAppTransport(c, true)}
}

func newAppTransport(c *Config, noReuse bool) *http.Transport {
	return &http.Transport{
		// Never through HTTP_PROXY: the app is local, and the environment's proxy settings are
		// the app's business.
		Proxy:       nil,
		DialContext: dialApp,
		// One idle connection per concurrent invocation, plus the readiness check's.
		MaxIdleConnsPerHost: c.Function.MaxConcurrency + 1,
		IdleConnTimeout:     c.PoolIdleTimeout,
		// SnapStart: connections captured in a snapshot are dead after restore, and the idle
		// clock does not advance across the gap.
		DisableKeepAlives: noReuse || c.PoolIdleTimeout == 0 || c.SnapStart,
		// The event's Accept-Encoding goes to the app untouched, and its Content-Encoding comes
		// back untouched: the adapter must not negotiate on the client's behalf.
		DisableCompression: true,
		ReadBufferSize:     32 << 10,
		WriteBufferSize:    32 << 10,
	}
}

var appDialer = &net.Dialer{Timeout: 10 * time.Second}

func dialApp(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := appDialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return appConn{c}, nil
}

// appConn is a connection to the app that sends a request body held in memory with one write.
// net/http copies a body with a known length as io.LimitReader(body, length) into the
// connection; a *net.TCPConn then copies that through a fresh 32 KiB buffer, one write per
// 32 KiB. The decoded event body is a *bytes.Reader (event.Decode), so the whole rest of it can
// go straight from the event's memory to the socket.
type appConn struct{ net.Conn }

func (c appConn) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		if br, ok := lr.R.(*bytes.Reader); ok && int64(br.Len()) <= lr.N {
			n, err := br.WriteTo(c.Conn)
			lr.N -= n
			return n, err
		}
	}
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	return io.CopyBuffer(struct{ io.Writer }{c.Conn}, r, *buf)
}

// do sends req. A request that fails on a reused keep-alive connection before any response byte
// is retried once on a fresh connection when that is safe: the method is idempotent, or the
// request was never written (adapter.md §8). Stale pooled connections — the app closed them
// while they sat idle — are the classic source of intermittent 502s behind LWA.
//
// w records whether the transport is still writing the request: it may go on writing the body
// after the response arrived (an app that answers before reading it), and the body may alias
// memory the caller wants to reuse.
func (a *appClient) do(req *http.Request, w *writes) (*http.Response, error) {
	if a.direct.accepts(req) {
		resp, err := a.direct.roundTrip(req, w)
		stale, wrote := isStale(err)
		if !stale || req.Context().Err() != nil || !(idempotent(req.Method) || !wrote) {
			return resp, err
		}
		return a.retry(req, w, err)
	}
	var reused, wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		// Each attempt gets a connection, then writes; WroteRequest reports the end of every
		// write, failed or not.
		GotConn: func(i httptrace.GotConnInfo) {
			reused.Store(i.Reused)
			w.pending.Add(1)
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			wrote.Store(true)
			w.pending.Add(-1)
		},
	}
	ctx := req.Context()
	resp, err := a.pool.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	if err == nil || ctx.Err() != nil || !reused.Load() || !(idempotent(req.Method) || !wrote.Load()) {
		return resp, err
	}
	return a.retry(req, w, err)
}

// retry sends req once more on a fresh connection, after err on a stale one.
func (a *appClient) retry(req *http.Request, w *writes, err error) (*http.Response, error) {
	trace := &httptrace.ClientTrace{
		GotConn:      func(httptrace.GotConnInfo) { w.pending.Add(1) },
		WroteRequest: func(httptrace.WroteRequestInfo) { w.pending.Add(-1) },
	}
	ctx := req.Context()
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, err
		}
		body, berr := req.GetBody()
		if berr != nil {
			return nil, err
		}
		req = req.Clone(ctx)
		req.Body = body
	}
	return a.fresh.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
}

// writes counts the request writes in progress.
type writes struct{ pending atomic.Int32 }

// done reports whether no write of the request can still be reading its body. Call it once the
// response has been handled: no new attempt starts after that.
func (w *writes) done() bool { return w.pending.Load() == 0 }

// idempotent reports whether repeating method is harmless (RFC 9110 §9.2.2).
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// close drops idle connections.
func (a *appClient) close() {
	a.direct.close()
	a.pool.CloseIdleConnections()
	a.fresh.CloseIdleConnections()
}

// normalizePath makes an escaped request path safe and canonical URL-style, as LWA's URL library
// does (adapter.md §3): "\" becomes "/", a leading "/" is ensured, "." and ".." segments are
// resolved, and bytes that cannot appear literally in a path are percent-encoded while existing
// %XX escapes are kept (so normalising twice changes nothing).
func normalizePath(p string) string {
	if !needsNormalizing(p) {
		return p
	}
	var b strings.Builder
	b.Grow(len(p) + 8)
	if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, `\`) {
		b.WriteByte('/')
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			b.WriteByte('/')
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b.WriteByte('%')
		case shouldEscapePathByte(c):
			const hex = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return resolveDots(b.String())
}

func needsNormalizing(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return true
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' || shouldEscapePathByte(c) {
			return true
		}
		if c == '%' && !(i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2])) {
			return true
		}
		if c == '.' && (i == 0 || p[i-1] == '/') {
			rest := p[i:]
			if rest == "." || rest == ".." || strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
				return true
			}
		}
	}
	return false
}

func shouldEscapePathByte(c byte) bool {
	if c <= 0x20 || c >= 0x7f {
		return true
	}
	switch c {
	case '"', '<', '>', '`', '#', '?', '{', '}', '%':
		return true
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// resolveDots removes "." and ".." segments (RFC 3986 §5.2.4), keeping a trailing slash.
func resolveDots(p string) string {
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}
