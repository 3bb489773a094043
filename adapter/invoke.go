package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// hopHeaders describe one connection, not the message; they are not forwarded in either direction.
// Canonical spellings: they are deleted from canonical maps.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Upgrade"}

// maxErrorStatusBody bounds the app body copied into the errorMessage of a listed error status.
const maxErrorStatusBody = 256 << 10

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 8<<20 {
		return // let the rare huge one go
	}
	b.Reset()
	buffers.Put(b)
}

// handle serves one invocation: it is the runtimeapi.HandlerFunc of the adapter. Every failure is
// posted as an invocation error with a stable errorType; nothing here panics on input.
func (a *Adapter) handle(ctx context.Context, rc *runtimeapi.Client, inv *runtimeapi.Invocation) error {
	a.inflight.Add(1)
	defer a.inflight.Done()
	// The invocation runs to its own deadline even when the poll loop is stopped by SIGTERM.
	ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), inv.Deadline)
	defer cancel()
	log := invLog{a.log, inv.RequestID}

	if err := a.waitReady(ctx); err != nil {
		return a.fail(ctx, rc, inv, log, err)
	}

	// The payload is ours: a body with escapes is decoded over it, and once nothing reads the
	// request body any more (which aliases it) its memory goes back to the client for a later
	// event. Together that saves two allocations the size of the body per invocation.
	req, ev, err := a.dec.DecodeInPlace(ctx, inv.Payload)
	if err != nil {
		return a.fail(ctx, rc, inv, log, err)
	}
	var w writes
	defer func() {
		if w.done() {
			inv.ReleasePayload()
		}
	}()

	reqBody := getBuffer()
	defer putBuffer(reqBody)
	out, err := a.outgoing(ctx, req, ev, inv, reqBody, log)
	if err != nil {
		return a.fail(ctx, rc, inv, log, err)
	}
	if ev.Source != event.NonHTTP && a.isHookPath(out.URL) {
		// SnapStart hooks are for the adapter; a client must not trigger them, whatever
		// spelling of the path it uses.
		log.Warn("refused a request for a SnapStart hook path")
		return a.respondStatic(ctx, rc, inv, ev, http.StatusForbidden, "Forbidden")
	}
	if log.enabled(slog.LevelDebug) {
		log.Debug("sending request to app", "source", ev.Source.String(), "method", out.Method,
			"uri", out.URL.RequestURI(), "headers", redactedHeaders(out.Header), "body_bytes", out.ContentLength)
	}

	resp, err := a.app.do(out, &w)
	if err != nil {
		return a.fail(ctx, rc, inv, log, a.sendError(ctx, err))
	}
	defer resp.Body.Close()
	for _, h := range hopHeaders {
		delete(resp.Header, h)
	}
	delete(resp.Header, "Transfer-Encoding")
	if log.enabled(slog.LevelDebug) {
		log.Debug("app responded", "status", resp.StatusCode, "headers", redactedHeaders(resp.Header))
	}

	if a.cfg.ErrorStatus.Contains(resp.StatusCode) {
		return a.fail(ctx, rc, inv, log, a.errorStatus(ctx, resp))
	}
	if a.cfg.InvokeMode == InvokeStream && streamable(ev.Source) {
		return a.stream(ctx, rc, inv, ev, resp, log)
	}
	return a.buffered(ctx, rc, inv, ev, req, resp, log)
}

// streamable reports whether a source gets a streamed response in response_stream mode.
// HTTP API 2.0 is included because it shares the Function URL schema and only the domain tells
// them apart: a Function URL behind a custom or local domain must still stream. Sources AWS never
// streams (HTTP API 1.0, ALB, Lattice) and pass-through events get buffered results.
func streamable(s event.Source) bool { return s.Streams() || s == event.HTTPAPIV2 }

// outgoing turns the decoded request into the request to the app (adapter.md §3), in place: the
// decoder's request already carries ctx, and reusing it saves a copy per invocation.
func (a *Adapter) outgoing(ctx context.Context, in *http.Request, ev *event.Event, inv *runtimeapi.Invocation,
	body *bytes.Buffer, log invLog) (*http.Request, error) {
	h := canonicalHeader(in.Header)
	for _, name := range hopHeaders {
		delete(h, name)
	}
	if ev.Source != event.NonHTTP && a.cfg.AuthorizationSource != "" {
		if vals := takeHeader(h, a.cfg.AuthorizationSource); len(vals) > 0 {
			h["Authorization"] = vals
		} else {
			log.Warn("authorization source header not found; request left unchanged", "header", a.cfg.AuthorizationSource)
		}
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""} // no Go-http-client default: the app sees what the client sent
	}
	a.ctxHeaders.apply(h, inv, ev.RequestContext, body)
	body.Reset()

	u := in.URL
	p := normalizePath(u.EscapedPath())
	u.Scheme, u.Host, u.User, u.Fragment, u.RawFragment, u.ForceQuery = "http", a.appAddr, nil, "", "", false
	if !strings.HasPrefix(p, "//") {
		u.Opaque, u.Path, u.RawPath = p, "", "" // sent byte-exact
	} else {
		// Opaque would turn "//host/x" into an absolute URI; use Path, which Go escapes itself.
		u.Opaque, u.RawPath = "", p
		u.Path, _ = url.PathUnescape(p)
	}
	if ev.Source == event.NonHTTP || in.Host == "" {
		in.Host = a.appAddr
	}
	in.Header = h
	in.RequestURI = "" // a client request must not have one
	in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	in.Close, in.TransferEncoding, in.Trailer = false, nil, nil
	if in.Context() != ctx && in.Context().Done() != ctx.Done() {
		in = in.WithContext(ctx) // only if the decoder did not derive its context from ctx
	}
	if in.GetBody != nil && in.ContentLength >= 0 {
		// The decoder's body is replayable without a copy.
		if in.ContentLength == 0 {
			in.Body = http.NoBody
		}
		return in, nil
	}
	if in.Body != nil && in.Body != http.NoBody {
		if in.ContentLength > 0 {
			body.Grow(int(min(in.ContentLength, runtimeapi.MaxRequestSize)))
		}
		if _, err := body.ReadFrom(in.Body); err != nil {
			return nil, newFailure(event.ErrorTypeMalformedEvent, err, "cannot read the event body")
		}
		in.Body.Close()
	}
	if n := body.Len(); n > 0 {
		b := body.Bytes()
		in.ContentLength = int64(n)
		in.Body = io.NopCloser(bytes.NewReader(b))
		in.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	} else {
		in.ContentLength = 0
		in.Body = http.NoBody
		in.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	return in, nil
}

// canonicalHeader returns h with canonical keys, so the transport's own handling of Host,
// User-Agent and Content-Length is not bypassed by a lower-case copy.
func canonicalHeader(h http.Header) http.Header {
	canonical := true
	for k := range h {
		if http.CanonicalHeaderKey(k) != k {
			canonical = false
			break
		}
	}
	if canonical && h != nil {
		return h
	}
	out := make(http.Header, len(h))
	for k, v := range h {
		ck := http.CanonicalHeaderKey(k)
		out[ck] = append(out[ck], v...)
	}
	return out
}

// isHookPath reports whether u, as sent to the app, names a SnapStart hook path. Matching is as
// lenient as common routers (Express ignores case and a trailing slash by default), so no
// variant reaches the hook.
func (a *Adapter) isHookPath(u *url.URL) bool {
	p := u.Path
	if u.Opaque != "" {
		p, _ = url.PathUnescape(u.Opaque)
	}
	p = strings.TrimRight(p, "/")
	for _, hook := range [...]string{a.cfg.BeforeCheckpointPath, a.cfg.AfterRestorePath} {
		if hook != "" && strings.EqualFold(p, strings.TrimRight(hook, "/")) {
			return true
		}
	}
	return false
}

// exitGrace is how long a connection failure waits for the supervisor to learn whether the app
// died: the kernel closes the app's sockets before its parent can reap it.
const exitGrace = 200 * time.Millisecond

// appExitedSoon reports whether the supervised app has exited or exits within exitGrace.
func (a *Adapter) appExitedSoon() bool {
	if a.proc == nil {
		return false
	}
	select {
	case <-a.proc.Done():
		return true
	case <-time.After(exitGrace):
		return false
	}
}

// sendError classifies a failure to get a response from the app.
func (a *Adapter) sendError(ctx context.Context, err error) error {
	switch {
	case a.appExitedSoon():
		return newFailure(ErrorTypeAppExited, nil, "the app exited: %s", a.proc.describeExit())
	case ctx.Err() != nil:
		return newFailure(ErrorTypeAppTimeout, nil, "the app did not respond before the invocation deadline")
	}
	return newFailure(ErrorTypeAppUnreachable, err, "cannot reach the app at %s", a.appAddr)
}

// bodyError classifies a failure while reading the app's response body.
func (a *Adapter) bodyError(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return newFailure(ErrorTypeAppTimeout, nil, "the app did not finish its response body before the invocation deadline")
	case a.appExitedSoon():
		return newFailure(ErrorTypeAppExited, err, "the app exited while sending its response body (%s)", a.proc.describeExit())
	}
	return newFailure(ErrorTypeAppResponse, err, "the app's response body was truncated or failed")
}

// errorStatus builds the failure for a status listed in AWS_LWA_ERROR_STATUS_CODES: errorMessage
// is {"statusCode":N,"body":"…"} as LWA reports it.
func (a *Adapter) errorStatus(ctx context.Context, resp *http.Response) error {
	buf := getBuffer()
	defer putBuffer(buf)
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxErrorStatusBody))
	if err != nil && ctx.Err() != nil {
		return a.bodyError(ctx, err)
	}
	msg, _ := json.Marshal(struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}{resp.StatusCode, buf.String()})
	return &failure{typ: ErrorTypeErrorStatus, msg: string(msg)}
}

// fail posts err as the invocation's error.
func (a *Adapter) fail(ctx context.Context, rc *runtimeapi.Client, inv *runtimeapi.Invocation, log invLog, err error) error {
	lerr := asLambdaError(err)
	log.Error("invocation failed", "errorType", lerr.Type, "error", lerr.Message)
	// The invocation's deadline may have passed (that may be the failure): report it anyway,
	// Lambda decides about timeouts.
	if perr := rc.RespondError(context.WithoutCancel(ctx), inv.RequestID, lerr); perr != nil {
		log.Error("cannot post the invocation error", "error", perr)
	}
	var f *failure
	if errors.As(err, &f) && (f.typ == ErrorTypeReadinessTimeout || f.typ == ErrorTypeAppExited) {
		a.fatal(err) // the environment cannot serve any more: let Lambda replace it
	}
	return nil
}

// buffered reads the whole app response and posts the result the event's source expects.
func (a *Adapter) buffered(ctx context.Context, rc *runtimeapi.Client, inv *runtimeapi.Invocation, ev *event.Event,
	req *http.Request, resp *http.Response, log invLog) error {
	body := getBuffer()
	defer putBuffer(body)

	coding := ""
	if a.cfg.Compression && ev.Source != event.NonHTTP && req.Method != http.MethodHead {
		if c := negotiateCoding(headerValues(req.Header, "Accept-Encoding")); c != "" && compressible(resp.Header, resp.ContentLength) {
			coding = c
		}
	}
	// The result can never be smaller than the body, so reading past the limit is wasted memory.
	var err error
	if coding != "" {
		w := &limitedWriter{w: body, n: runtimeapi.MaxResponseSize + 1}
		err = compressTo(w, resp.Body, coding)
		if w.exceeded {
			return a.fail(ctx, rc, inv, log, tooLarge(-1))
		}
	} else {
		if resp.ContentLength > 0 {
			// One allocation of the right size instead of doubling; +1 so ReadFrom sees EOF
			// without growing.
			body.Grow(int(min(resp.ContentLength, runtimeapi.MaxResponseSize)) + 1)
		}
		_, err = body.ReadFrom(io.LimitReader(resp.Body, runtimeapi.MaxResponseSize+1))
		if body.Len() > runtimeapi.MaxResponseSize {
			return a.fail(ctx, rc, inv, log, tooLarge(-1))
		}
	}
	if err != nil {
		return a.fail(ctx, rc, inv, log, a.bodyError(ctx, err))
	}
	if coding != "" {
		markCompressed(resp.Header, coding)
	}

	result := getBuffer()
	defer putBuffer(result)
	result.Grow(body.Len()*4/3 + 512)
	out, err := ev.AppendResponse(result.AvailableBuffer(), resp.StatusCode, resp.Header, body.Bytes(), a.respOpts)
	if err != nil {
		return a.fail(ctx, rc, inv, log, err)
	}
	if len(out) > runtimeapi.MaxResponseSize {
		return a.fail(ctx, rc, inv, log, tooLarge(len(out)))
	}
	if err := rc.Respond(ctx, inv.RequestID, out); err != nil {
		log.Error("cannot post the response", "error", err)
	}
	return nil
}

// respondStatic answers an HTTP event without asking the app.
func (a *Adapter) respondStatic(ctx context.Context, rc *runtimeapi.Client, inv *runtimeapi.Invocation, ev *event.Event,
	status int, text string) error {
	h := http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
	out, err := ev.AppendResponse(nil, status, h, []byte(text), a.respOpts)
	if err != nil {
		return a.fail(ctx, rc, inv, invLog{a.log, inv.RequestID}, err)
	}
	return rc.Respond(ctx, inv.RequestID, out)
}

func tooLarge(n int) error {
	if n < 0 {
		return newFailure(ErrorTypeResponseTooLarge, nil,
			"Response payload size exceeded maximum allowed payload size (%d bytes).", runtimeapi.MaxResponseSize)
	}
	return newFailure(ErrorTypeResponseTooLarge, nil,
		"Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", n, runtimeapi.MaxResponseSize)
}

// headerValues returns every value of name in h, whatever the case of the stored key.
func headerValues(h http.Header, name string) []string {
	if v, ok := h[http.CanonicalHeaderKey(name)]; ok {
		return v
	}
	var vals []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			vals = append(vals, v...)
		}
	}
	return vals
}

// limitedWriter accepts at most n bytes and records whether more were offered.
type limitedWriter struct {
	w        io.Writer
	n        int
	exceeded bool
}

var errLimit = errors.New("response exceeds the size limit")

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		l.exceeded = true
		return 0, errLimit
	}
	l.n -= len(p)
	return l.w.Write(p)
}
