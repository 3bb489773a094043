package local

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// serveHTTP routes the Runtime, Extensions, Logs and Telemetry APIs of one environment.
func (e *environment) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == runtimeapi.PathNext:
		if allow(w, r, http.MethodGet) {
			e.serveNext(w, r)
		}
	case strings.HasPrefix(p, runtimeapi.PathInvocation):
		id, suffix, _ := strings.Cut(p[len(runtimeapi.PathInvocation):], "/")
		if !allow(w, r, http.MethodPost) {
			return
		}
		switch "/" + suffix {
		case runtimeapi.PathSuffixResponse:
			e.serveResponse(w, r, id)
		case runtimeapi.PathSuffixError:
			e.serveError(w, r, id)
		default:
			http.NotFound(w, r)
		}
	case p == runtimeapi.PathInitError:
		if allow(w, r, http.MethodPost) {
			e.serveInitError(w, r)
		}
	case p == runtimeapi.PathExtensionRegister:
		if allow(w, r, http.MethodPost) {
			e.serveRegister(w, r)
		}
	case p == runtimeapi.PathExtensionNext:
		if allow(w, r, http.MethodGet) {
			e.serveExtensionNext(w, r)
		}
	case p == runtimeapi.PathExtensionInitError:
		if allow(w, r, http.MethodPost) {
			e.serveExtensionError(w, r, true)
		}
	case p == runtimeapi.PathExtensionExitError:
		if allow(w, r, http.MethodPost) {
			e.serveExtensionError(w, r, false)
		}
	case p == runtimeapi.PathLogs:
		serveSubscribe(w, "Logs.NotSupported", "Logs")
	case p == runtimeapi.PathTelemetry:
		serveSubscribe(w, "Telemetry.NotSupported", "Telemetry")
	default:
		http.NotFound(w, r)
	}
}

func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	apiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" is not allowed here; use "+method)
	return false
}

// apiError writes the Runtime API's error body, {"errorMessage":…,"errorType":…}.
func apiError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(errorBody(errType, msg))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

var accepted = []byte(`{"status":"OK"}`)

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	w.Write(accepted)
}

// serveNext long-polls for the next invocation. Several /next calls may wait at once (a runtime
// with more pollers than invocations); each invocation goes to exactly one of them. A /next call
// after a response also tells the platform that the runtime is done with that invocation.
func (e *environment) serveNext(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.runtimeNexted = true
	e.waiting++
	var done []*invocation
	for _, inv := range e.inflight {
		if inv.responded && !inv.runtimeDone {
			inv.runtimeDone = true
			if e.doneLocked(inv) {
				done = append(done, inv)
			}
		}
	}
	e.notifyLocked()
	e.mu.Unlock()
	for _, inv := range done {
		e.complete(inv)
	}

	select {
	case inv := <-e.queue:
		e.mu.Lock()
		e.waiting--
		inv.handedOut = true
		e.mu.Unlock()
		h := w.Header()
		h.Set(runtimeapi.HeaderRequestID, inv.id)
		h.Set(runtimeapi.HeaderDeadlineMs, inv.deadlineMs())
		h.Set(runtimeapi.HeaderFunctionARN, e.f.arn)
		h.Set(runtimeapi.HeaderTraceID, inv.traceID)
		if inv.clientCx != "" {
			h.Set(runtimeapi.HeaderClientContext, inv.clientCx)
		}
		if inv.cognito != "" {
			h.Set(runtimeapi.HeaderCognitoIdentity, inv.cognito)
		}
		if inv.tenantID != "" {
			h.Set(runtimeapi.HeaderTenantID, inv.tenantID)
		}
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(inv.payload)
	case <-r.Context().Done():
		e.mu.Lock()
		e.waiting--
		e.mu.Unlock()
	}
}

// claim finds the invocation a runtime posts a result for and reserves the post; it answers
// 400 InvalidRequestID for unknown or already answered ids.
func (e *environment) claim(w http.ResponseWriter, id string) *invocation {
	e.mu.Lock()
	inv := e.inflight[id]
	ok := inv != nil && inv.handedOut && !inv.claimed && !inv.finished
	if ok {
		inv.claimed = true
	}
	e.mu.Unlock()
	if !ok {
		apiError(w, http.StatusBadRequest, runtimeapi.ErrorTypeInvalidRequestID, "Invalid request ID")
		return nil
	}
	return inv
}

// responded marks inv's result complete, answers the runtime (ack), hands r (if any) to the
// caller and completes the invocation if the runtime is already waiting in another /next (or
// never freezes). The mark comes first, so a caller that invokes again at once finds the
// environment finishing, not busy; the runtime's answer goes out before the caller's, so the
// runtime's way back to /next overlaps the caller's round trip instead of following it.
func (e *environment) responded(inv *invocation, r *Response, ack func()) {
	e.mu.Lock()
	inv.responded = true
	if e.waiting > 0 {
		inv.runtimeDone = true
	}
	done := e.doneLocked(inv)
	e.mu.Unlock()
	ack()
	if r != nil {
		inv.deliver(r)
	}
	if done {
		e.complete(inv)
	}
}

// accept answers a post with 202 {"status":"OK"} at once (flushed, not at the handler's end).
func accept(w http.ResponseWriter) func() {
	return func() {
		writeAccepted(w)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
}

func (e *environment) serveResponse(w http.ResponseWriter, r *http.Request, id string) {
	mode := r.Header.Get(runtimeapi.HeaderResponseMode)
	if mode != "" && !strings.EqualFold(mode, runtimeapi.ResponseModeStreaming) {
		apiError(w, http.StatusBadRequest, "InvalidFunctionResponseMode", "Invalid function response mode")
		return
	}
	inv := e.claim(w, id)
	if inv == nil {
		return
	}
	if mode != "" {
		e.serveStream(w, r, inv)
		return
	}
	body, size, err := readLimited(r, runtimeapi.MaxResponseSize)
	switch {
	case err != nil:
		// The runtime's connection broke mid-body (killed, or it gave up): nothing to deliver.
		e.mu.Lock()
		inv.claimed = false
		e.mu.Unlock()
		apiError(w, http.StatusBadRequest, "TruncatedHTTPRequest", "HTTP request detected as truncated")
		return
	case size > runtimeapi.MaxResponseSize:
		msg := fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", size, runtimeapi.MaxResponseSize)
		e.mu.Lock()
		inv.failed, inv.errorType = FailureResponseTooLarge, runtimeapi.ErrorTypeResponseTooLarge
		e.mu.Unlock()
		e.responded(inv, failureResponse(FailureResponseTooLarge, runtimeapi.ErrorTypeResponseTooLarge, errorBody(runtimeapi.ErrorTypeResponseTooLarge, msg)), func() {
			apiError(w, http.StatusRequestEntityTooLarge, runtimeapi.ErrorTypeTooLarge,
				fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", runtimeapi.MaxResponseSize))
		})
		return
	}
	e.responded(inv, &Response{
		Body:        io.NopCloser(bytes.NewReader(body)),
		ContentType: r.Header.Get("Content-Type"),
	}, accept(w))
}

// readLimited reads a body of at most limit bytes; past it, it drains the rest to count it and
// returns the total size with a nil body.
func readLimited(r *http.Request, limit int64) ([]byte, int64, error) {
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n))
	}
	n, err := io.Copy(&buf, io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, n, err
	}
	if n <= limit {
		return buf.Bytes(), n, nil
	}
	rest, err := io.Copy(io.Discard, r.Body)
	return nil, n + rest, err
}

// serveStream forwards a streamed response chunk by chunk to the invocation's caller, then reads
// the error trailers. The caller's Body is a pipe, so a slow reader slows the runtime down, as
// it would on Lambda.
func (e *environment) serveStream(w http.ResponseWriter, r *http.Request, inv *invocation) {
	pr, pw := io.Pipe()
	inv.streamMu.Lock()
	inv.streamW = pw
	inv.streamMu.Unlock()
	if !inv.deliver(&Response{
		Body:        pr,
		Streaming:   true,
		ContentType: r.Header.Get("Content-Type"),
		StreamError: inv.streamError,
	}) {
		// Already failed (timed out while the post began).
		inv.endStream(nil)
		apiError(w, http.StatusBadRequest, runtimeapi.ErrorTypeInvalidRequestID, "Invalid request ID")
		return
	}

	var streamErr error
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := r.Body.Read(buf)
		if n > 0 {
			total += int64(n)
			if total > runtimeapi.MaxStreamSize {
				msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", runtimeapi.MaxStreamSize)
				streamErr = &FunctionError{Type: runtimeapi.ErrorTypeResponseTooLarge, Payload: errorBody(runtimeapi.ErrorTypeResponseTooLarge, msg)}
				io.Copy(io.Discard, r.Body)
				break
			}
			if _, werr := pw.Write(buf[:n]); werr != nil {
				// The caller stopped reading (or the invocation failed): let the runtime finish.
				io.Copy(io.Discard, r.Body)
				break
			}
		}
		if errors.Is(err, io.EOF) {
			if t := r.Trailer.Get(runtimeapi.HeaderFunctionErrorType); t != "" {
				payload, derr := base64.StdEncoding.DecodeString(r.Trailer.Get(runtimeapi.HeaderFunctionErrorBody))
				if derr != nil || len(payload) == 0 {
					payload = errorBody(t, "")
				}
				streamErr = &FunctionError{Type: t, Payload: payload}
			}
			break
		}
		if err != nil {
			streamErr = &FunctionError{Type: "Runtime.TruncatedResponse", Payload: errorBody("Runtime.TruncatedResponse", "the response stream ended early: "+err.Error())}
			break
		}
	}
	if fe, ok := streamErr.(*FunctionError); ok {
		e.mu.Lock()
		if inv.failed == FailureNone {
			inv.failed, inv.errorType = FailureFunction, fe.Type
		}
		e.mu.Unlock()
	}
	inv.endStream(streamErr)
	e.responded(inv, nil, accept(w))
}

func (e *environment) serveError(w http.ResponseWriter, r *http.Request, id string) {
	inv := e.claim(w, id)
	if inv == nil {
		return
	}
	body, size, err := readLimited(r, runtimeapi.MaxResponseSize)
	if err != nil {
		e.mu.Lock()
		inv.claimed = false
		e.mu.Unlock()
		apiError(w, http.StatusBadRequest, "TruncatedHTTPRequest", "HTTP request detected as truncated")
		return
	}
	if size > runtimeapi.MaxResponseSize {
		body = nil
	}
	errType, payload := functionError(r.Header.Get(runtimeapi.HeaderFunctionErrorType), body)
	e.mu.Lock()
	inv.failed, inv.errorType = FailureFunction, errType
	e.mu.Unlock()
	e.responded(inv, failureResponse(FailureFunction, errType, payload), accept(w))
}

// functionError derives the errorType and the error JSON a caller gets from an /error or
// /init/error post: the body as posted when it is a JSON object, else one built around it.
func functionError(headerType string, body []byte) (string, []byte) {
	var parsed struct {
		Type string `json:"errorType"`
	}
	isObject := len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '{' && json.Unmarshal(body, &parsed) == nil
	errType := parsed.Type
	if errType == "" {
		errType = headerType
	}
	if errType == "" {
		errType = runtimeapi.ErrorTypeUnknown
	}
	if isObject {
		return errType, body
	}
	return errType, errorBody(errType, string(body))
}

func (e *environment) serveInitError(w http.ResponseWriter, r *http.Request) {
	body, _, err := readLimited(r, runtimeapi.MaxResponseSize)
	if err != nil {
		apiError(w, http.StatusBadRequest, "TruncatedHTTPRequest", "HTTP request detected as truncated")
		return
	}
	errType, payload := functionError(r.Header.Get(runtimeapi.HeaderFunctionErrorType), body)
	e.mu.Lock()
	if e.state != envStarting || e.initFail != nil {
		e.mu.Unlock()
		apiError(w, http.StatusForbidden, runtimeapi.ErrorTypeInvalidState, "init/error is only valid once, during init")
		return
	}
	e.failInitLocked(&initFailure{errorType: errType, body: payload})
	e.mu.Unlock()
	writeAccepted(w)
}
