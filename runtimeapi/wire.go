package runtimeapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The hot path of a runtime — /next and a buffered /response — speaks HTTP/1.1 itself on
// pooled keep-alive connections, in the calling goroutine. net/http's Transport hands every
// exchange to two goroutines of its own (one writes the request, one reads the reply), and on a
// loopback API that answers in microseconds those hand-offs, each a wake-up of a parked
// goroutine, cost more than the exchange: four of them per invocation, about one loopback round
// trip. It also writes a large body in 32 KiB pieces after the headers; here headers and body
// leave in one system call. Replies are parsed by net/http (http.ReadResponse), so every framing
// a server may use — Content-Length, chunked, connection close — is handled as before.
//
// Used only with NewClient's default HTTP client: a caller's own *http.Client (a proxy, a
// custom transport, a test double) carries every request as before.

// wireConn is one keep-alive connection to the API.
type wireConn struct {
	conn net.Conn
	br   *bufio.Reader
	hdr  []byte    // request head scratch
	used time.Time // when it last finished an exchange (zero: never)
}

// wire is the pool of idle connections, one per poller in steady state.
type wire struct {
	host   string // "host:port", the Host header and the dial address
	prefix string // path prefix of the API address, "" or "/p"
	dialer net.Dialer

	mu   sync.Mutex
	idle []*wireConn
}

// wireIdleLimit: a connection idle longer than this is not reused for a post. A server that
// closes idle connections does so after seconds; a post written into a connection it already
// closed cannot be told apart from one it received, so it must not be retried (it is not
// idempotent), and such a connection is best not used at all. /next is safe to retry and may
// reuse any connection.
var wireIdleLimit = 2 * time.Second

func (w *wire) get(ctx context.Context, forPost bool) (*wireConn, bool, error) {
	w.mu.Lock()
	for n := len(w.idle); n > 0; n = len(w.idle) {
		c := w.idle[n-1]
		w.idle = w.idle[:n-1]
		if forPost && time.Since(c.used) > wireIdleLimit {
			c.conn.Close()
			continue
		}
		w.mu.Unlock()
		return c, true, nil
	}
	w.mu.Unlock()
	conn, err := w.dialer.DialContext(ctx, "tcp", w.host)
	if err != nil {
		return nil, false, err
	}
	return &wireConn{conn: conn, br: bufio.NewReaderSize(conn, 16<<10)}, false, nil
}

func (w *wire) put(c *wireConn) {
	c.used = time.Now()
	w.mu.Lock()
	w.idle = append(w.idle, c)
	w.mu.Unlock()
}

// wireCopyMax is the largest body copied after the request head rather than sent with writev.
const wireCopyMax = 16 << 10

// errNoReply marks a failure before any byte of the reply arrived. On a reused connection that
// is what a server that closed it while it sat idle looks like.
var errNoReply = errors.New("connection closed before the reply")

// exchange sends one request (head built from method, path and the extra header lines, then
// body) and reads the reply's head. read consumes the reply body; it must read it to EOF for the
// connection to be reused, and its error is returned as is. Failures to exchange are returned
// as "runtimeapi: op: …". A /next (method GET) that fails with no reply on a reused connection
// is retried once on a new one.
func (w *wire) exchange(ctx context.Context, op, method, path, extra string, body []byte,
	read func(*http.Response) error) error {
	post := method != http.MethodGet
	for attempt := 0; ; attempt++ {
		c, reused, err := w.get(ctx, post)
		if err != nil {
			return fmt.Errorf("runtimeapi: %s: %w", op, err)
		}
		var readErr error
		err = w.roundTrip(ctx, c, method, path, extra, body, func(resp *http.Response) error {
			readErr = read(resp)
			return readErr
		})
		switch {
		case err == nil:
			return nil
		case readErr != nil:
			return readErr
		case errors.Is(err, errNoReply) && reused && !post && attempt == 0 && ctx.Err() == nil:
			continue
		}
		return fmt.Errorf("runtimeapi: %s: %w", op, err)
	}
}

func (w *wire) roundTrip(ctx context.Context, c *wireConn, method, path, extra string, body []byte,
	read func(*http.Response) error) (err error) {
	// A cancelled ctx interrupts a blocked write or read (a long poll) by expiring the
	// connection's deadline; the connection is then closed.
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	keep := false
	defer func() {
		if !stop() || !keep {
			c.conn.Close()
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return
		}
		w.put(c)
	}()

	h := append(c.hdr[:0], method...)
	h = append(h, ' ')
	h = append(h, w.prefix...)
	h = append(h, path...)
	h = append(h, " HTTP/1.1\r\nHost: "...)
	h = append(h, w.host...)
	h = append(h, "\r\nUser-Agent: "...)
	h = append(h, userAgent...)
	h = append(h, "\r\n"...)
	h = append(h, extra...)
	if method != http.MethodGet {
		h = append(h, "Content-Length: "...)
		h = strconv.AppendInt(h, int64(len(body)), 10)
		h = append(h, "\r\n"...)
	}
	h = append(h, "\r\n"...)
	// Head and body leave in one system call: a small body copied after the head, a large one
	// with writev, sparing the copy. The race detector learns of a write's ordering from
	// syscall.Write only, not from writev; under it every body is copied.
	var werr error
	if len(body) <= wireCopyMax || raceEnabled {
		h = append(h, body...)
		_, werr = c.conn.Write(h)
	} else {
		bufs := net.Buffers{h, body}
		_, werr = bufs.WriteTo(c.conn)
	}
	if cap(h) <= 2*wireCopyMax {
		c.hdr = h
	}
	if werr != nil {
		return errors.Join(errNoReply, werr)
	}
	if _, err := c.br.Peek(1); err != nil {
		return errors.Join(errNoReply, err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(c.br, nil) // an informational reply precedes the real one
	}
	if err != nil {
		return err
	}
	if err := read(resp); err != nil {
		return err
	}
	// Reuse only a connection whose reply was read to its end and that stays open.
	var one [1]byte
	if n, err := resp.Body.Read(one[:]); n == 0 && err == io.EOF && !resp.Close {
		keep = true
	}
	return nil
}
