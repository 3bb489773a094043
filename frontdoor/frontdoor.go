package frontdoor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/slipway-dev/slipway/local"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// Invoker runs invocations; *local.Function implements it.
type Invoker interface {
	Invoke(ctx context.Context, req *local.Request) (*local.Response, error)
}

// door is one front door: its configuration, the ids that name its API, and the function.
type door struct {
	cfg         Config
	fn          Invoker
	apiID       string            // REST and HTTP API id: 10 lower-case alphanumerics
	urlID       string            // Function URL id: 32 lower-case alphanumerics
	resourceIDs map[string]string // REST resource path → 6-character resource id
	log         *log.Logger
	now         func() time.Time
}

// New returns the HTTP handler that turns each request into an event of cfg.Kind, invokes fn and
// turns the result (or failure) into the response that front door gives.
func New(cfg Config, fn Invoker) (http.Handler, error) {
	if fn == nil {
		return nil, errors.New("frontdoor: nil Invoker")
	}
	cfg.BinaryMediaTypes = append([]string(nil), cfg.BinaryMediaTypes...)
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	d := &door{
		cfg:         cfg,
		fn:          fn,
		apiID:       randomAlnum(10),
		urlID:       randomAlnum(32),
		resourceIDs: map[string]string{"/": randomAlnum(10)[:6], "/{proxy+}": randomAlnum(6)},
		now:         time.Now,
	}
	if d.cfg.Kind == ALB && d.cfg.TargetGroupARN == "" {
		d.cfg.TargetGroupARN = fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/slipway-local/%x",
			cfg.Region, cfg.AccountID, randomBytes(8))
	}
	out := cfg.Log
	if out == nil {
		out = os.Stderr
	}
	d.log = log.New(out, "", log.LstdFlags)
	return d, nil
}

// bodyLimit is the largest request body the front door forwards.
func (d *door) bodyLimit() int64 {
	if d.cfg.Kind == ALB {
		return MaxALBBody
	}
	return MaxGatewayBody
}

func (d *door) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in, err := readIncoming(r, d.bodyLimit(), d.now())
	if errors.Is(err, errBodyTooLarge) {
		d.fail(w, nil, failBodyTooLarge, fmt.Sprintf("request body over %d bytes, not invoked", d.bodyLimit()))
		return
	}
	if err != nil {
		// The client went away or sent a broken body: there is nobody to answer properly.
		http.Error(w, "bad request body", http.StatusBadRequest)
		return
	}
	payload, ids, err := d.buildEvent(in)
	if err != nil { // only unencodable values could cause this; strings are always encodable
		d.fail(w, nil, failFunction, "building the event: "+err.Error())
		return
	}
	extra := d.responseHeaders(ids, in)
	if len(payload) > runtimeapi.MaxRequestSize {
		d.fail(w, extra, failEventTooLarge, fmt.Sprintf("event is %d bytes, over Lambda's %d-byte limit, not invoked",
			len(payload), runtimeapi.MaxRequestSize))
		return
	}
	req := &local.Request{Payload: payload, TraceID: in.invTrace}
	// The function runs to its own end even if the client or the gateway gives up, as on AWS;
	// its environment is the platform's to bound, not the client's connection.
	ctx := context.WithoutCancel(r.Context())
	if d.cfg.Kind == URL && d.cfg.Streaming {
		d.serveStreaming(w, r, ctx, req, extra)
		return
	}
	d.serveBuffered(w, r, ctx, req, extra)
}

// responseHeaders are the ids a service puts on every response it gives.
func (d *door) responseHeaders(ids gatewayIDs, in *incoming) http.Header {
	switch d.cfg.Kind {
	case REST:
		return http.Header{"X-Amzn-Requestid": {ids.requestID}, "X-Amz-Apigw-Id": {ids.extendedRequestID},
			headerTraceID: {in.trace}}
	case HTTPAPI:
		return http.Header{"Apigw-Requestid": {ids.requestID}}
	case URL:
		return http.Header{headerTraceID: {in.trace}}
	}
	return nil
}

// outcome is a finished buffered invocation.
type outcome struct {
	resp   *local.Response
	result []byte
	err    error
}

// call invokes and reads the whole result; the read is part of what the integration timeout bounds.
func (d *door) call(ctx context.Context, req *local.Request) outcome {
	resp, err := d.fn.Invoke(ctx, req)
	if err != nil {
		return outcome{err: err}
	}
	if resp.Body == nil {
		return outcome{resp: resp}
	}
	defer resp.Body.Close()
	// The platform enforces the 6 MB result limit; this bound only keeps a misbehaving Invoker
	// from exhausting memory.
	result, err := io.ReadAll(io.LimitReader(resp.Body, runtimeapi.MaxStreamSize+1))
	return outcome{resp: resp, result: result, err: err}
}

func (d *door) serveBuffered(w http.ResponseWriter, r *http.Request, ctx context.Context, req *local.Request, extra http.Header) {
	var o outcome
	if d.cfg.IntegrationTimeout > 0 {
		done := make(chan outcome, 1)
		go func() { done <- d.call(ctx, req) }()
		timer := time.NewTimer(d.cfg.IntegrationTimeout)
		select {
		case o = <-done:
			timer.Stop()
		case <-timer.C:
			d.fail(w, extra, failIntegrationTimeout, fmt.Sprintf("no result after %s", d.cfg.IntegrationTimeout))
			return
		}
	} else {
		o = d.call(ctx, req)
	}
	if f, why, ok := classify(o.resp, o.err); !ok {
		d.fail(w, extra, f, why)
		return
	}
	if o.resp.Streaming && d.cfg.Kind == URL {
		// A streaming function behind a BUFFERED URL: Lambda buffers the stream and the URL reads
		// prelude, delimiter and body as one result, which is not JSON.
		d.fail(w, extra, failFunction, "the function streamed its response but the Function URL is BUFFERED (invalid result)")
		return
	}
	var rep *reply
	var err error
	switch d.cfg.Kind {
	case REST:
		rep, err = parseRESTResult(o.result, d.cfg.BinaryMediaTypes, r.Header.Get(headerAccept))
	case ALB:
		rep, err = parseALBResult(o.result, d.cfg.ALBMultiValue)
	default:
		rep, err = parseV2Result(o.result)
	}
	if err != nil {
		d.fail(w, extra, failFunction, err.Error()+" (request "+o.resp.RequestID+")")
		return
	}
	rep.write(w, extra)
}

// classify turns an invocation's error or failure into the front door's failure class; ok is
// true for a successful invocation.
func classify(resp *local.Response, err error) (f failure, why string, ok bool) {
	switch {
	case errors.Is(err, local.ErrRequestTooLarge):
		return failEventTooLarge, err.Error(), false
	case err != nil:
		// Throttling, shutdown and any other refusal: Lambda did not run the function.
		return failRejected, "invoke: " + err.Error(), false
	case resp == nil:
		return failRejected, "invoke returned no response", false
	case resp.Failure != local.FailureNone:
		return failFunction, fmt.Sprintf("function failed: %s (request %s)", resp.ErrorType, resp.RequestID), false
	}
	return 0, "", true
}

// fail answers with kind's error for f and logs why, as the service's execution log would.
func (d *door) fail(w http.ResponseWriter, extra http.Header, f failure, why string) {
	e := errorFor(d.cfg.Kind, f)
	d.log.Printf("%s front door: %d (%s): %s", d.cfg.Kind, e.status, f, why)
	e.write(w, extra)
}

// write sends a function's response. Content-Type is never sniffed: a response without one goes
// out without one (REST has already defaulted it to application/json).
func (rep *reply) write(w http.ResponseWriter, extra http.Header) {
	h := w.Header()
	for k, vs := range extra {
		h[k] = vs
	}
	for k, vs := range rep.header {
		h[k] = vs
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil
	}
	if bodyAllowed(rep.status) {
		h.Set("Content-Length", itoa(len(rep.body)))
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// bodyAllowed reports whether a response with this status may have a body (RFC 9110 §6.4.1).
func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && status >= 200
}
