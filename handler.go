package slipway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// Error types of invocation errors this package reports itself. Malformed events are reported
// with the event package's types (Slipway.MalformedEvent, …).
const (
	// ErrorTypeResponseTooLarge: the response cannot fit in a Lambda result (6,291,556 bytes).
	ErrorTypeResponseTooLarge = runtimeapi.ErrorTypeResponseTooLarge
	// ErrorTypeHandlerAborted: the handler panicked with http.ErrAbortHandler.
	ErrorTypeHandlerAborted = "Slipway.HandlerAborted"
)

// errResponseTooLarge is what writes past the limit return to the handler.
var errResponseTooLarge = errors.New("slipway: response larger than the " +
	strconv.Itoa(runtimeapi.MaxResponseSize) + " bytes a Lambda response can hold")

// errAborted is the invocation error for http.ErrAbortHandler.
var errAborted = &runtimeapi.Error{
	Type:    ErrorTypeHandlerAborted,
	Message: "the handler aborted the response (http.ErrAbortHandler)",
}

// Handler serves a net/http handler as a Lambda function.
type Handler struct {
	h        http.Handler
	opts     options
	dec      *event.Decoder
	respOpts event.ResponseOptions
	err      error // invalid options: every Invoke fails with it
}

// NewHandler wraps h. It never panics: invalid options (see Option) make every Invoke return
// the same error, which Start and ListenAndServe return before serving anything.
func NewHandler(h http.Handler, opts ...Option) *Handler {
	o := buildOptions(opts)
	hd := &Handler{h: h, opts: o, respOpts: event.ResponseOptions{IsBinary: o.isBinary}}
	if h == nil {
		o.errs = append(o.errs, errors.New("slipway: nil http.Handler"))
	}
	if len(o.errs) > 0 {
		hd.err = errors.Join(o.errs...)
		return hd
	}
	dec, err := event.NewDecoder(event.Options{BasePath: o.basePath, PassThroughPath: o.passThroughPath})
	if err != nil {
		hd.err = fmt.Errorf("slipway: %w", err)
		return hd
	}
	hd.dec = dec
	return hd
}

// Err returns the configuration error of the handler's options, or nil.
func (h *Handler) Err() error { return h.err }

// Invoke converts one invocation payload to a request, runs the handler and returns the response
// in the shape the event's source expects. It satisfies aws-lambda-go's lambda.Handler, so
// lambda.Start(slipway.NewHandler(mux)) works too.
//
// A malformed event fails the invocation with the event package's *event.Error. A handler panic
// becomes a 500 response (logged with its stack) and the process goes on; a panic with
// http.ErrAbortHandler fails the invocation. A response too large for Lambda fails it with
// Function.ResponseSizeTooLarge. Invoke always buffers; streaming happens only under Start.
// It is safe for concurrent use.
//
// Under Start, an error's ErrorType() becomes the reported errorType. aws-lambda-go's runtime
// ignores that method and reports the Go type name instead (e.g. "Error").
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if h.err != nil {
		return nil, h.err
	}
	req, ev, err := h.dec.Decode(ctx, payload)
	if err != nil {
		return nil, err
	}
	return h.respond(req, ev, nil)
}

// respond runs the handler for a decoded request and encodes its buffered response, appending
// to dst (a fresh, right-sized slice when dst is nil).
func (h *Handler) respond(req *http.Request, ev *event.Event, dst []byte) ([]byte, error) {
	w := newResponseWriter(req)
	defer w.release()
	if err := h.serve(w, req); err != nil {
		return nil, err
	}
	if w.tooLarge {
		return nil, responseTooLarge(w.written, "body")
	}
	w.finish()
	if dst == nil {
		dst = make([]byte, 0, h.estimate(w))
	}
	out, err := ev.AppendResponse(dst, w.status, w.header, w.body, &h.respOpts)
	if err != nil {
		return nil, err
	}
	if len(out) > runtimeapi.MaxResponseSize {
		return nil, responseTooLarge(int64(len(out)), "encoded")
	}
	return out, nil
}

// estimate guesses the encoded size of w's response so that it is encoded into one allocation:
// the body (a third more if it goes base64) plus room for the status and headers.
func (h *Handler) estimate(w *responseWriter) int {
	n := 128 + len(w.body)
	for k, vv := range w.header {
		for _, v := range vv {
			n += len(k) + len(v) + 8
		}
	}
	isBinary := h.respOpts.IsBinary
	if isBinary == nil {
		isBinary = event.DefaultIsBinary
	}
	if isBinary(w.header) {
		n += len(w.body)/3 + 4
	} else {
		n += len(w.body) / 16 // escapes
	}
	return n
}

func responseTooLarge(n int64, what string) error {
	msg := "Response payload size (" + strconv.FormatInt(n, 10) + " bytes) exceeded maximum allowed payload size (" +
		strconv.Itoa(runtimeapi.MaxResponseSize) + " bytes)."
	if what == "body" {
		msg = "Response payload size exceeded maximum allowed payload size (" + strconv.Itoa(runtimeapi.MaxResponseSize) +
			" bytes): the handler wrote a " + strconv.FormatInt(n, 10) + "-byte body."
	}
	return &runtimeapi.Error{Type: ErrorTypeResponseTooLarge, Message: msg}
}

// panicking is a ResponseWriter that can replace a panicked response with a 500.
type panicking interface {
	http.ResponseWriter
	// resetForError discards what the handler wrote, if nothing was sent yet, and reports
	// whether a fresh response can still be written.
	resetForError() bool
}

func (w *responseWriter) resetForError() bool {
	clear(w.header)
	w.body = w.body[:0]
	w.status, w.wroteHeader, w.written, w.tooLarge = 0, false, 0, false
	return true
}

// serve runs the handler. A panic is logged with its stack and answered with a 500 when nothing
// was sent yet; http.ErrAbortHandler, or a panic after bytes were sent, is returned as the
// invocation's error.
func (h *Handler) serve(w panicking, req *http.Request) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if e, ok := v.(error); ok && errors.Is(e, http.ErrAbortHandler) {
			err = errAborted
			return
		}
		h.logPanic(req, v)
		if !w.resetForError() {
			err = runtimeapi.PanicError(v)
			return
		}
		hdr := w.Header()
		hdr["Content-Type"] = []string{"text/plain; charset=utf-8"}
		hdr["X-Content-Type-Options"] = []string{"nosniff"}
		w.WriteHeader(http.StatusInternalServerError)
		w.Write(internalServerError)
	}()
	h.h.ServeHTTP(w, req)
	return nil
}

var internalServerError = []byte("Internal Server Error\n")

// logPanic logs a handler panic with its stack; never request headers.
func (h *Handler) logPanic(req *http.Request, v any) {
	attrs := []any{"panic", fmt.Sprint(v), "method", req.Method, "path", req.URL.Path}
	if inv, ok := runtimeapi.FromContext(req.Context()); ok {
		attrs = append(attrs, "requestId", inv.RequestID)
	}
	attrs = append(attrs, "stack", string(debug.Stack()))
	h.opts.logger.Error("slipway: panic serving request", attrs...)
}

// outBuffers holds encoded responses between encoding and the post under Start, where the
// bytes are not handed to anyone else.
var outBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// handleInvocation is the runtimeapi.HandlerFunc of Start.
func (h *Handler) handleInvocation(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
	req, ev, err := h.dec.Decode(ctx, inv.Payload)
	if err != nil {
		return err
	}
	if h.opts.streaming && ev.Source.Streams() {
		return h.stream(ctx, c, inv, req, ev)
	}
	bp := outBuffers.Get().(*[]byte)
	out, err := h.respond(req, ev, (*bp)[:0])
	if err != nil {
		outBuffers.Put(bp)
		return err
	}
	if err := c.Respond(ctx, inv.RequestID, out); err != nil {
		// A refused post may still be reading out (net/http closes request bodies
		// asynchronously), so this buffer is not reused.
		return err
	}
	if cap(out) <= maxPooledBody*2 {
		*bp = out[:0]
		outBuffers.Put(bp)
	}
	return nil
}
