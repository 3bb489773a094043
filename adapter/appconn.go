package adapter

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// directPool is the adapter's fast path to the app: a keep-alive pool on which each request is
// written, and its response read, by the invocation's own goroutine.
//
// Why not only http.Transport: a Transport round trip hands the request to the connection's
// writer goroutine and the response back from its reader goroutine. Each hand-off can wake an OS
// thread, and on a Lambda with one or two vCPUs those wake-ups are most of what the adapter adds
// to a small request (BenchmarkAdapterProcess: p50 393 → 317 µs with a 1 KiB body). The
// Transport stays for everything this path does not cover, and for the one retry after a stale
// connection.
//
// What the Transport's reader goroutine gave for free has to be done here on purpose:
//   - A connection the app closed while it sat idle is noticed before it is reused, by peeking
//     at the socket without blocking (connAlive), so a POST is not lost to the classic
//     keep-alive race; when the race is lost anyway, adapter.do retries under its usual rules.
//   - A request body of up to maxInlineBody bytes is written in full before the response is
//     read; loopback socket buffers hold that much even when the app answers without reading
//     it. A larger one is written by a goroutine of its own, beside the read.
//   - Cancellation (the invocation's deadline) closes the connection's I/O through a deadline in
//     the past.
type directPool struct {
	addr        string
	max         int           // idle connections kept
	idleTimeout time.Duration // an idle connection older than this is closed, not reused

	mu   sync.Mutex
	idle []*directConn // most recently used last
}

// pastDeadline unblocks every read and write on a connection at once.
var pastDeadline = time.Unix(1, 0)

type directConn struct {
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
}

// newDirectPool returns nil where the path cannot be used: no keep-alive, or no way to check an
// idle connection without reading from it.
func newDirectPool(c *Config, addr string) *directPool {
	if !canPeek || c.PoolIdleTimeout == 0 || c.SnapStart {
		return nil
	}
	return &directPool{addr: addr, max: max(c.Function.MaxConcurrency, 1), idleTimeout: c.PoolIdleTimeout}
}

// accepts reports whether req can go on the direct path.
func (p *directPool) accepts(req *http.Request) bool {
	if p == nil || req.URL.Host != p.addr || req.Close || !validHeader(req.Header) {
		return false
	}
	if req.Body == nil || req.Body == http.NoBody {
		return true
	}
	return req.GetBody != nil && req.ContentLength > 0 // in memory, so it can be sent again
}

// validHeader reports whether every field name is a token and no value holds a control byte
// other than tab. http.Request.Write would send such fields; the Transport refuses them with a
// clear error, so a request carrying one goes that way.
func validHeader(h http.Header) bool {
	for k, vv := range h {
		if k == "" {
			return false
		}
		for i := 0; i < len(k); i++ {
			if !isTokenByte(k[i]) {
				return false
			}
		}
		for _, v := range vv {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
					return false
				}
			}
		}
	}
	return true
}

// errStale marks a failure on a reused connection before any byte of the response: the app had
// closed it. The request may or may not have reached the app; wrote says whether it was written.
type errStale struct {
	err   error
	wrote bool
}

func (e *errStale) Error() string { return "stale keep-alive connection: " + e.err.Error() }
func (e *errStale) Unwrap() error { return e.err }

// roundTrip sends req and reads the head of the response. The body is read by the caller; the
// connection goes back to the pool once the body has been read to its end. w counts the write of
// a large body, which goes on beside the read.
func (p *directPool) roundTrip(req *http.Request, w *writes) (*http.Response, error) {
	ctx := req.Context()
	dc, reused := p.get()
	if dc == nil {
		c, err := dialApp(ctx, "tcp", p.addr)
		if err != nil {
			return nil, err
		}
		dc = &directConn{conn: c, br: bufio.NewReaderSize(c, 32<<10), bw: bufio.NewWriterSize(c, 32<<10)}
	}
	stop := context.AfterFunc(ctx, func() { dc.conn.SetDeadline(pastDeadline) })

	wr := &directWrite{done: make(chan struct{})}
	if req.ContentLength <= maxInlineBody {
		wr.write(dc, req)
	} else {
		// Written beside the read, so an app that answers before reading all of it is heard.
		w.pending.Add(1)
		go func() {
			defer w.pending.Add(-1)
			wr.write(dc, req)
		}()
	}
	resp, err := readResponse(dc.br, req)
	if err != nil {
		stop()
		dc.conn.Close() // also ends a write still in progress
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		written, werr := wr.result()
		if werr != nil {
			err = werr
		}
		if reused && dc.br.Buffered() == 0 {
			return nil, &errStale{err: err, wrote: written && werr == nil}
		}
		return nil, err
	}
	reusable := !resp.Close && resp.StatusCode != http.StatusSwitchingProtocols
	body := &directBody{pool: p, dc: dc, wr: wr, body: resp.Body, stop: stop, reusable: reusable}
	if resp.Body == http.NoBody {
		body.finish(true)
		return resp, nil
	}
	resp.Body = body
	return resp, nil
}

// maxInlineBody is the largest request body written before the response is read, on the
// invocation's goroutine; loopback socket buffers hold it even when the app never reads it.
const maxInlineBody = 64 << 10

// directWrite is the writing of one request.
type directWrite struct {
	done chan struct{} // closed when the write has ended
	err  error
}

func (wr *directWrite) write(dc *directConn, req *http.Request) {
	err := req.Write(dc.bw)
	if err == nil {
		err = dc.bw.Flush()
	}
	wr.err = err
	close(wr.done)
}

// result returns the write's error once it has ended; written is false while it goes on.
func (wr *directWrite) result() (written bool, err error) {
	select {
	case <-wr.done:
		return true, wr.err
	default:
		return false, nil
	}
}

// readResponse reads the final response, skipping informational ones (100 Continue, 103 Early
// Hints) as the Transport does.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols || resp.StatusCode < 100 {
			return resp, nil
		}
	}
}

// get takes the most recently used live idle connection, closing the ones that are too old or
// that the app has closed.
func (p *directPool) get() (*directConn, bool) {
	now := time.Now()
	for {
		p.mu.Lock()
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			return nil, false
		}
		dc := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if now.Sub(dc.idleAt) < p.idleTimeout && dc.br.Buffered() == 0 && connAlive(dc.conn) {
			return dc, true
		}
		dc.conn.Close()
	}
}

// put returns a connection whose last response was read to its end.
func (p *directPool) put(dc *directConn) {
	dc.idleAt = time.Now()
	p.mu.Lock()
	if len(p.idle) >= p.max {
		// Keep the newest: drop the one idle the longest.
		old := p.idle[0]
		copy(p.idle, p.idle[1:])
		p.idle[len(p.idle)-1] = dc
		p.mu.Unlock()
		old.conn.Close()
		return
	}
	p.idle = append(p.idle, dc)
	p.mu.Unlock()
}

// close closes the idle connections.
func (p *directPool) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, dc := range idle {
		dc.conn.Close()
	}
}

// directBody is a response body read from a direct connection. Read to its end, it hands the
// connection back to the pool; closed early, it closes the connection (what is left of the
// response could be anything up to the whole body).
type directBody struct {
	pool     *directPool
	dc       *directConn
	wr       *directWrite
	body     io.ReadCloser
	stop     func() bool
	reusable bool

	mu   sync.Mutex
	done bool
}

func (b *directBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.finish(true)
	}
	return n, err
}

func (b *directBody) Close() error {
	b.finish(false)
	return nil
}

// finish releases the connection once: to the pool after a clean end, closed otherwise.
func (b *directBody) finish(atEOF bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.done = true
	b.body.Close()
	// stop reports false when the deadline already fired and poisoned the connection. A write
	// still going on (the app answered without reading the whole body) leaves the connection
	// mid-request: closing it ends that write.
	written, werr := b.wr.result()
	if b.stop() && atEOF && b.reusable && written && werr == nil {
		b.pool.put(b.dc)
		return
	}
	b.dc.conn.Close()
}

// isStale reports whether err is a direct-path failure on a reused connection, and whether the
// request had been written.
func isStale(err error) (stale, wrote bool) {
	var s *errStale
	if errors.As(err, &s) {
		return true, s.wrote
	}
	return false, false
}
