package runtimeapitest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	inv := runtimeapi.PathInvocation + "{id}"
	mux.HandleFunc("GET "+runtimeapi.PathNext, s.next)
	mux.HandleFunc("POST "+inv+runtimeapi.PathSuffixResponse, s.response)
	mux.HandleFunc("POST "+inv+runtimeapi.PathSuffixError, s.invocationError)
	mux.HandleFunc("POST "+runtimeapi.PathInitError, s.initError)
	mux.HandleFunc("POST "+runtimeapi.PathExtensionRegister, s.register)
	mux.HandleFunc("GET "+runtimeapi.PathExtensionNext, s.extensionNext)
	mux.HandleFunc("POST "+runtimeapi.PathExtensionInitError, s.extensionError)
	mux.HandleFunc("POST "+runtimeapi.PathExtensionExitError, s.extensionError)
	mux.HandleFunc("PUT "+runtimeapi.PathLogs, notSupported("Logs.NotSupported", "Logs API is not supported"))
	mux.HandleFunc("PUT "+runtimeapi.PathTelemetry, notSupported("Telemetry.NotSupported", "Telemetry API is not supported"))
	return mux
}

// writeError answers with the Runtime API's error body.
func writeError(w http.ResponseWriter, status int, errorType, message string) {
	b, _ := json.Marshal(runtimeapi.Error{Type: errorType, Message: message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

var statusOK = []byte(`{"status":"OK"}`)

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	w.Write(statusOK)
}

// next hands the next queued invocation to this poller.
func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.addWaiting(1)
	var inv *invocation
	for inv == nil {
		select {
		case inv = <-s.queue:
			if inv.ctx.Err() != nil {
				inv = nil // its caller gave up while it was queued: nobody wants the answer
			}
		case <-r.Context().Done():
			s.addWaiting(-1)
			return
		case <-s.closed:
			s.addWaiting(-1)
			writeError(w, http.StatusInternalServerError, "Runtime.ContainerError", "the Runtime API is shutting down")
			return
		}
	}
	s.addWaiting(-1)
	if r.Context().Err() != nil {
		// The poller left between our receive and now; give the invocation to another one.
		go s.requeue(inv)
		return
	}

	deadline := time.Now().Add(inv.opts.Timeout)
	deadlineMs := strconv.FormatInt(deadline.UnixMilli(), 10)
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h[runtimeapi.HeaderRequestID] = []string{inv.id}
	h[runtimeapi.HeaderDeadlineMs] = []string{deadlineMs}
	h[runtimeapi.HeaderFunctionARN] = []string{inv.opts.FunctionARN}
	h[runtimeapi.HeaderTraceID] = []string{inv.opts.TraceID}
	if inv.opts.ClientContext != "" {
		h[runtimeapi.HeaderClientContext] = []string{inv.opts.ClientContext}
	}
	if inv.opts.CognitoIdentity != "" {
		h[runtimeapi.HeaderCognitoIdentity] = []string{inv.opts.CognitoIdentity}
	}
	if inv.opts.TenantID != "" {
		h[runtimeapi.HeaderTenantID] = []string{inv.opts.TenantID}
	}
	for k, v := range inv.opts.Header {
		h[http.CanonicalHeaderKey(k)] = v
	}
	h["Content-Length"] = []string{strconv.Itoa(len(inv.payload))}

	s.mu.Lock()
	s.active[inv.id] = inv
	s.mu.Unlock()
	s.notifyInvoke(inv, deadline)

	w.WriteHeader(http.StatusOK)
	w.Write(inv.payload)
}

func (s *Server) requeue(inv *invocation) {
	select {
	case s.queue <- inv:
	case <-inv.ctx.Done():
	case <-s.closed:
	}
}

// claim takes the invocation id out of the active set for the one post that finishes it.
func (s *Server) claim(w http.ResponseWriter, r *http.Request) *invocation {
	id := r.PathValue("id")
	s.mu.Lock()
	inv := s.active[id]
	if inv != nil {
		delete(s.active, id)
	}
	s.mu.Unlock()
	if inv == nil {
		writeError(w, http.StatusBadRequest, runtimeapi.ErrorTypeInvalidRequestID, "Invalid request ID")
	}
	return inv
}

// response records a buffered or streamed result.
func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	mode := r.Header.Get(runtimeapi.HeaderResponseMode)
	if mode != "" && mode != runtimeapi.ResponseModeStreaming {
		writeError(w, http.StatusBadRequest, "InvalidResponseMode",
			"Invalid "+runtimeapi.HeaderResponseMode+": "+strconv.Quote(mode))
		return
	}
	inv := s.claim(w, r)
	if inv == nil {
		return
	}
	if mode == runtimeapi.ResponseModeStreaming {
		s.streamedResponse(w, r, inv)
		return
	}

	res := &Result{Header: r.Header, TransferEncoding: r.TransferEncoding}
	body, n, err := readLimited(r, runtimeapi.MaxResponseSize)
	switch {
	case err != nil:
		res.Error = truncated(err)
		inv.finish(res)
		writeError(w, http.StatusBadRequest, "InvalidRequest", "reading the body: "+err.Error())
		return
	case n > runtimeapi.MaxResponseSize:
		limit := strconv.Itoa(runtimeapi.MaxResponseSize)
		res.Error = &runtimeapi.Error{
			Type: runtimeapi.ErrorTypeResponseTooLarge,
			Message: "Response payload size (" + strconv.FormatInt(n, 10) +
				" bytes) exceeded maximum allowed payload size (" + limit + " bytes).",
		}
		inv.finish(res)
		writeError(w, http.StatusRequestEntityTooLarge, runtimeapi.ErrorTypeTooLarge,
			"Exceeded maximum allowed payload size ("+limit+" bytes).")
		return
	}
	res.Body = body
	// Chunked posts may end with error trailers even when not streaming (aws-lambda-go does
	// that when its reader fails).
	if len(r.Trailer) > 0 {
		res.Trailer = r.Trailer
		res.Error = trailerError(r.Trailer)
	}
	inv.finish(res)
	accepted(w)
}

// readLimited reads a post's body whole, keeping at most limit bytes, and returns how many bytes
// there were. A declared length is read into one exact allocation: the benchmarks of runtimes
// run this server in their own process, so its allocations show up in theirs.
func readLimited(r *http.Request, limit int64) ([]byte, int64, error) {
	if n := r.ContentLength; n >= 0 && n <= limit {
		body := make([]byte, n)
		_, err := io.ReadFull(r.Body, body)
		return body, n, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	n := int64(len(body))
	if err != nil {
		return nil, n, err
	}
	if n <= limit {
		return body, n, nil
	}
	rest, err := io.Copy(io.Discard, r.Body)
	return nil, n + rest, err
}

func truncated(err error) *runtimeapi.Error {
	return &runtimeapi.Error{
		Type:    runtimeapi.ErrorTypeUnknown,
		Message: "the runtime's post ended early: " + err.Error(),
	}
}

// streamedResponse records a streamed body chunk by chunk, as each arrives.
func (s *Server) streamedResponse(w http.ResponseWriter, r *http.Request, inv *invocation) {
	res := &Result{Header: r.Header, TransferEncoding: r.TransferEncoding, Streamed: true}
	var sizes []int // of each read; Chunks are cut from Body at the end, sparing a copy
	buf := make([]byte, 32<<10)
	fail := func(e *runtimeapi.Error, status int, errorType string) {
		res.Error = e
		res.Chunks = cutChunks(res.Body, sizes)
		inv.finish(res)
		writeError(w, status, errorType, e.Message)
	}
	for {
		n, err := r.Body.Read(buf)
		if n > 0 {
			if int64(len(res.Body)+n) > runtimeapi.MaxStreamSize {
				fail(&runtimeapi.Error{
					Type: runtimeapi.ErrorTypeResponseTooLarge,
					Message: "Response payload size exceeded maximum allowed payload size (" +
						strconv.Itoa(runtimeapi.MaxStreamSize) + " bytes).",
				}, http.StatusRequestEntityTooLarge, runtimeapi.ErrorTypeTooLarge)
				return
			}
			res.Body = append(res.Body, buf[:n]...)
			sizes = append(sizes, n)
			if inv.opts.OnChunk != nil {
				inv.opts.OnChunk(buf[:n])
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			e := truncated(err)
			fail(e, http.StatusBadRequest, "InvalidRequest")
			return
		}
	}
	res.Chunks = cutChunks(res.Body, sizes)
	res.Trailer = r.Trailer
	res.Error = trailerError(r.Trailer)
	inv.finish(res)
	accepted(w)
}

// cutChunks slices body into consecutive pieces of the given sizes.
func cutChunks(body []byte, sizes []int) [][]byte {
	chunks := make([][]byte, len(sizes))
	off := 0
	for i, n := range sizes {
		chunks[i] = body[off : off+n : off+n]
		off += n
	}
	return chunks
}

// trailerError decodes the mid-stream error trailers, if any.
func trailerError(t http.Header) *runtimeapi.Error {
	typ := t.Get(runtimeapi.HeaderFunctionErrorType)
	body := t.Get(runtimeapi.HeaderFunctionErrorBody)
	if typ == "" && body == "" {
		return nil
	}
	e := &runtimeapi.Error{}
	if raw, err := base64.StdEncoding.DecodeString(body); err == nil && json.Unmarshal(raw, e) == nil {
		if e.Type == "" {
			e.Type = typ
		}
		return e
	}
	return &runtimeapi.Error{Type: typ, Message: body}
}

// decodeErrorBody reads an /error or /init/error post: the JSON body when there is one, else the
// body as the message and the header as the type (Lambda builds the error from the header when
// the body is not the standard JSON).
func decodeErrorBody(r *http.Request) (*runtimeapi.Error, string, error) {
	header := r.Header.Get(runtimeapi.HeaderFunctionErrorType)
	body, n, err := readLimited(r, runtimeapi.MaxResponseSize)
	if err != nil {
		return nil, header, err
	}
	if n > runtimeapi.MaxResponseSize {
		return nil, header, errors.New("error body larger than " + strconv.Itoa(runtimeapi.MaxResponseSize) + " bytes")
	}
	e := &runtimeapi.Error{}
	if json.Unmarshal(body, e) != nil || (e.Type == "" && e.Message == "") {
		e = &runtimeapi.Error{Message: string(body)}
	}
	if e.Type == "" {
		e.Type = header
	}
	if e.Type == "" {
		e.Type = runtimeapi.ErrorTypeUnknown
	}
	return e, header, nil
}

func (s *Server) invocationError(w http.ResponseWriter, r *http.Request) {
	inv := s.claim(w, r)
	if inv == nil {
		return
	}
	e, header, err := decodeErrorBody(r)
	if err != nil {
		inv.finish(&Result{Header: r.Header, Error: truncated(err), ErrorHeader: header})
		writeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	inv.finish(&Result{Header: r.Header, Error: e, ErrorHeader: header})
	accepted(w)
}

func (s *Server) initError(w http.ResponseWriter, r *http.Request) {
	e, header, err := decodeErrorBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	s.mu.Lock()
	first := s.initErr == nil
	s.initErr, s.initHdr = e, header
	s.mu.Unlock()
	if first {
		close(s.initErrC)
	}
	accepted(w)
}
