package slipway

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// streamChunkSize is how many bytes a streamed response collects before it sends them without
// waiting for a Flush: 16 KiB, a few TCP segments. The first chunk carries the prelude, which
// API Gateway wants within its first 16 KB.
const streamChunkSize = 16 << 10

// stream serves one invocation as a streamed HTTP-integration response.
func (h *Handler) stream(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation, req *http.Request, ev *event.Event) error {
	w := &streamWriter{
		ctx:       ctx,
		c:         c,
		requestID: inv.RequestID,
		ev:        ev,
		header:    make(http.Header),
		head:      req.Method == http.MethodHead,
	}
	return w.finish(h.serve(w, req))
}

// streamWriter is the ResponseWriter of a streamed invocation. Like net/http's, it freezes the
// status and headers at the first Write (or Flush), collects small writes, and sends what it
// has on Flush or once streamChunkSize bytes are waiting. The Runtime API post starts with the
// first bytes sent, so until then a failure can still become a plain /error or a 500.
type streamWriter struct {
	ctx       context.Context
	c         *runtimeapi.Client
	requestID string
	ev        *event.Event

	header      http.Header
	status      int
	wroteHeader bool
	head        bool
	started     bool               // status and headers are frozen into the prelude
	stream      *runtimeapi.Stream // open once the first bytes are sent
	pending     []byte             // prelude and body bytes not sent yet
	err         error              // first failure to send; later writes return it
}

func (w *streamWriter) Header() http.Header { return w.header }

func (w *streamWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	checkWriteHeaderCode(code)
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return
	}
	w.status, w.wroteHeader = code, true
}

func (w *streamWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.err != nil {
		return 0, w.err
	}
	if !w.started {
		w.start(p)
	}
	if w.head {
		return len(p), nil
	}
	switch {
	case len(w.pending)+len(p) < streamChunkSize:
		w.pending = append(w.pending, p...)
		return len(p), nil
	case len(p) < streamChunkSize:
		w.pending = append(w.pending, p...)
		if err := w.push(); err != nil {
			return 0, err
		}
	default:
		// A large write goes out as its own chunk, without being copied.
		if err := w.push(); err != nil {
			return 0, err
		}
		if err := w.send(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush sends everything written so far, starting the response if needed.
func (w *streamWriter) Flush() { w.FlushError() }

// FlushError is Flush for http.ResponseController, reporting a failure to send.
func (w *streamWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.started {
		w.start(nil)
	}
	if w.err != nil {
		return w.err
	}
	return w.push()
}

// SetReadDeadline and SetWriteDeadline accept and ignore deadlines, as in buffered mode: the
// invocation deadline bounds the stream.
func (w *streamWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *streamWriter) SetWriteDeadline(time.Time) error { return nil }
func (w *streamWriter) EnableFullDuplex() error          { return nil }

// start freezes the status and headers into the prelude; p is the first body bytes, for
// Content-Type sniffing as net/http does.
func (w *streamWriter) start(p []byte) {
	w.started = true
	h := w.header
	// Hop-by-hop and trailer declarations mean nothing once the body is framed by Lambda.
	delete(h, "Transfer-Encoding")
	delete(h, "Trailer")
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			delete(h, k)
		}
	}
	if _, ok := h["Content-Type"]; !ok && len(p) > 0 && !w.head {
		h["Content-Type"] = []string{http.DetectContentType(p[:min(len(p), sniffLen)])}
	}
	w.pending = w.ev.AppendStreamPrelude(w.pending[:0], w.status, h)
}

// push sends the pending bytes as one chunk.
func (w *streamWriter) push() error {
	if len(w.pending) == 0 {
		return nil
	}
	err := w.send(w.pending)
	w.pending = w.pending[:0]
	return err
}

// send writes b as one chunk, opening the stream first if needed.
func (w *streamWriter) send(b []byte) error {
	if w.stream == nil {
		s, err := w.c.Stream(w.ctx, w.requestID, event.StreamContentType)
		if err != nil {
			w.err = err
			return err
		}
		w.stream = s
	}
	if _, err := w.stream.Write(b); err != nil {
		w.err = err
		return err
	}
	return nil
}

// resetForError discards the response for a 500 if nothing has been sent yet.
func (w *streamWriter) resetForError() bool {
	if w.stream != nil {
		return false
	}
	clear(w.header)
	w.status, w.wroteHeader, w.started, w.err = 0, false, false, nil
	w.pending = w.pending[:0]
	return true
}

// finish ends the invocation once the handler has returned with serveErr. Before the first byte
// was sent, an error is returned for Serve to post to /error; after it, the stream ends with the
// error as trailers. A complete response is sent and the stream closed.
func (w *streamWriter) finish(serveErr error) error {
	if serveErr != nil {
		if w.stream == nil {
			return serveErr
		}
		return w.stream.CloseWithError(serveErr)
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.started {
		w.start(nil)
	}
	if w.err == nil {
		w.push()
	}
	if w.stream == nil {
		return w.err
	}
	// After a failed write (such as the 200 MB limit) Close ends the stream with that error.
	return w.stream.Close()
}
