package slipway

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// responseWriter collects a handler's response in memory for one buffered invocation. It is
// pooled: its header map and body buffer serve invocation after invocation.
type responseWriter struct {
	header      http.Header
	body        []byte
	status      int
	wroteHeader bool
	head        bool  // the request is HEAD: the body is discarded, as net/http does
	written     int64 // body bytes the handler wrote, kept or not
	tooLarge    bool
}

var responseWriters = sync.Pool{New: func() any {
	return &responseWriter{header: make(http.Header, 8)}
}}

// maxPooledBody is the largest body buffer worth keeping for the next invocation.
const maxPooledBody = runtimeapi.MaxResponseSize

func newResponseWriter(req *http.Request) *responseWriter {
	w := responseWriters.Get().(*responseWriter)
	w.head = req.Method == http.MethodHead
	return w
}

func (w *responseWriter) release() {
	clear(w.header)
	if cap(w.body) > maxPooledBody {
		w.body = nil
	}
	w.body = w.body[:0]
	w.status, w.wroteHeader, w.head, w.written, w.tooLarge = 0, false, false, 0, false
	responseWriters.Put(w)
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return // superfluous, as in net/http
	}
	checkWriteHeaderCode(code)
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return // informational responses cannot travel through Lambda; the final one follows
	}
	w.status, w.wroteHeader = code, true
}

func (w *responseWriter) Write(p []byte) (int, error) { return bufferBody(w, p) }

func (w *responseWriter) WriteString(s string) (int, error) { return bufferBody(w, s) }

// bufferBody is Write and WriteString: one body of rules for both, without converting a string.
func bufferBody[T string | []byte](w *responseWriter, p T) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.head {
		return len(p), nil
	}
	w.written += int64(len(p))
	if w.tooLarge || len(w.body)+len(p) > runtimeapi.MaxResponseSize {
		// No encoding of this body can fit in a Lambda response: stop buffering it, and
		// let Invoke report the size rather than hold megabytes for nothing.
		w.tooLarge = true
		w.body = w.body[:0]
		return 0, errResponseTooLarge
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// Flush is a no-op: a buffered response is sent whole when the handler returns.
func (w *responseWriter) Flush() {}

// FlushError is what http.ResponseController.Flush calls.
func (w *responseWriter) FlushError() error { return nil }

// SetReadDeadline and SetWriteDeadline accept any deadline and do nothing: the whole request is
// already in memory, the response is sent by the runtime, and the invocation's own deadline
// bounds both. Accepting them keeps handlers that lift a server's write timeout for long
// responses working.
func (w *responseWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *responseWriter) SetWriteDeadline(time.Time) error { return nil }

// EnableFullDuplex is accepted: the request body is in memory and can be read while writing.
func (w *responseWriter) EnableFullDuplex() error { return nil }

// finish completes the response once the handler has returned: the default status, a sniffed
// Content-Type as net/http would send, and trailers folded into the headers (a buffered Lambda
// response has no trailers, but everything is known by now).
func (w *responseWriter) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	h := w.header
	if _, ok := h["Content-Type"]; !ok && len(w.body) > 0 && len(h["Transfer-Encoding"]) == 0 {
		n := min(len(w.body), sniffLen)
		h["Content-Type"] = []string{http.DetectContentType(w.body[:n])}
	}
	foldTrailers(h)
}

// sniffLen is how much of a body http.DetectContentType looks at.
const sniffLen = 512

// foldTrailers turns declared trailers and http.TrailerPrefix entries into plain headers.
func foldTrailers(h http.Header) {
	delete(h, "Trailer")
	for k, v := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			delete(h, k)
			if name := http.CanonicalHeaderKey(k[len(http.TrailerPrefix):]); name != "" {
				h[name] = append(h[name], v...)
			}
		}
	}
}

// checkWriteHeaderCode panics on a status no HTTP response can carry, exactly like net/http
// (the panic then becomes a 500 for this invocation).
func checkWriteHeaderCode(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
}

// bodyAllowedForStatus reports whether a response with status may have a body (RFC 9110).
func bodyAllowedForStatus(status int) bool {
	switch {
	case status >= 100 && status <= 199:
		return false
	case status == http.StatusNoContent, status == http.StatusNotModified:
		return false
	}
	return true
}
