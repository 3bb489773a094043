package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// Invoke API paths (runtime-api.md §6).
const (
	InvokePathPrefix       = "/2015-03-31/functions/"
	StreamInvokePathPrefix = "/2021-11-15/functions/"
	invokeSuffix           = "/invocations"
	streamInvokeSuffix     = "/response-streaming-invocations"
)

// Invoke API request and response headers.
const (
	headerInvocationType  = "X-Amz-Invocation-Type"
	headerLogType         = "X-Amz-Log-Type"
	headerClientContext   = "X-Amz-Client-Context"
	headerTenantID        = "X-Amz-Tenant-Id"
	headerExecutedVersion = "X-Amz-Executed-Version"
	headerFunctionError   = "X-Amz-Function-Error"
	headerLogResult       = "X-Amz-Log-Result"
	headerAWSRequestID    = "X-Amzn-Requestid"
	headerErrorType       = "X-Amzn-Errortype"
	headerTraceID         = "X-Amzn-Trace-Id"
)

const (
	maxClientContext = 3583 // bytes of base64 in X-Amz-Client-Context
	maxTail          = 4096 // bytes of log in X-Amz-Log-Result
)

// InvokeAPI serves the Lambda Invoke API (/2015-03-31/functions/{name}/invocations …) for f.
func InvokeAPI(f *Function) http.Handler {
	return &invokeAPI{f: f}
}

type invokeAPI struct{ f *Function }

// apiFault is an Invoke API error: the X-Amzn-ErrorType code, the status and the JSON body.
type apiFault struct {
	status int
	code   string
	body   map[string]string
}

func fault(status int, code, msg string) *apiFault {
	return &apiFault{status: status, code: code, body: map[string]string{"Type": "User", "message": msg}}
}

func (a *invokeAPI) writeFault(w http.ResponseWriter, fl *apiFault) {
	b, _ := json.Marshal(fl.body)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(headerErrorType, fl.code)
	h.Set(headerAWSRequestID, runtimeapi.NewRequestID())
	w.WriteHeader(fl.status)
	w.Write(b)
}

func (a *invokeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var name string
	var streaming bool
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, InvokePathPrefix) && strings.HasSuffix(p, invokeSuffix):
		name = p[len(InvokePathPrefix) : len(p)-len(invokeSuffix)]
	case strings.HasPrefix(p, StreamInvokePathPrefix) && strings.HasSuffix(p, streamInvokeSuffix):
		name, streaming = p[len(StreamInvokePathPrefix):len(p)-len(streamInvokeSuffix)], true
	default:
		a.writeFault(w, fault(http.StatusNotFound, "UnknownOperationException", "Unknown operation "+r.Method+" "+p+": slipway local serves Invoke and InvokeWithResponseStream"))
		return
	}
	if r.Method != http.MethodPost {
		a.writeFault(w, fault(http.StatusMethodNotAllowed, "UnknownOperationException", "Invoke takes POST, not "+r.Method))
		return
	}
	req, invType, tail, fl := a.parse(r, name, streaming)
	if fl != nil {
		a.writeFault(w, fl)
		return
	}
	switch invType {
	case "DryRun":
		w.Header().Set(headerAWSRequestID, runtimeapi.NewRequestID())
		w.WriteHeader(http.StatusNoContent)
		return
	case "Event":
		// Lambda passes the client context to synchronous invocations only.
		req.Async, req.ClientContext = true, nil
	}
	resp, err := a.f.Invoke(r.Context(), req)
	if err != nil {
		if r.Context().Err() != nil {
			return // the caller is gone
		}
		a.writeFault(w, invokeFault(err))
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	h.Set(headerAWSRequestID, resp.RequestID)
	h.Set(headerExecutedVersion, resp.ExecutedVersion)
	if req.Async {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if streaming {
		a.writeStream(w, resp, tail)
		return
	}

	body, ferr := readResult(resp)
	if ferr != nil {
		h.Set(headerFunctionError, "Unhandled")
		body = ferr.Payload
	} else if resp.Failure != FailureNone {
		h.Set(headerFunctionError, "Unhandled")
	}
	if tail {
		h.Set(headerLogResult, tailLog(resp.Log()))
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// readResult reads a whole result, a streamed one too (Invoke buffers what the function
// streamed, within the buffered size limit); a stream that failed yields its error.
func readResult(resp *Response) ([]byte, *FunctionError) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, runtimeapi.MaxResponseSize+1))
	if err == nil && len(body) > runtimeapi.MaxResponseSize {
		n, _ := io.Copy(io.Discard, resp.Body)
		msg := fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", int64(len(body))+n, runtimeapi.MaxResponseSize)
		return nil, &FunctionError{Type: runtimeapi.ErrorTypeResponseTooLarge, Payload: errorBody(runtimeapi.ErrorTypeResponseTooLarge, msg)}
	}
	if resp.Streaming {
		var fe *FunctionError
		if errors.As(resp.StreamError(), &fe) {
			return nil, fe
		}
	}
	return body, nil
}

// parse validates an Invoke request the way the Lambda API does, in its order: function, then
// parameters, then the payload.
func (a *invokeAPI) parse(r *http.Request, name string, streaming bool) (*Request, string, bool, *apiFault) {
	if fl := a.resolve(name, r.URL.Query().Get("Qualifier")); fl != nil {
		return nil, "", false, fl
	}
	invType := r.Header.Get(headerInvocationType)
	switch invType {
	case "":
		invType = "RequestResponse"
	case "RequestResponse", "DryRun":
	case "Event":
		if !streaming {
			break
		}
		fallthrough
	default:
		allowed := "[Event, RequestResponse, DryRun]"
		if streaming {
			allowed = "[RequestResponse, DryRun]"
		}
		return nil, "", false, fault(http.StatusBadRequest, "ValidationException",
			fmt.Sprintf("1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: %s", invType, allowed))
	}
	logType := r.Header.Get(headerLogType)
	switch logType {
	case "", "None", "Tail":
	default:
		return nil, "", false, fault(http.StatusBadRequest, "ValidationException",
			fmt.Sprintf("1 validation error detected: Value '%s' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]", logType))
	}
	req := &Request{TenantID: r.Header.Get(headerTenantID), TraceID: r.Header.Get(headerTraceID)}
	if cc := r.Header.Get(headerClientContext); cc != "" {
		if len(cc) > maxClientContext {
			return nil, "", false, fault(http.StatusBadRequest, "InvalidRequestContentException",
				fmt.Sprintf("Client context must be at most %d bytes of base64", maxClientContext))
		}
		raw, err := base64.StdEncoding.DecodeString(cc)
		if err != nil || !isJSONObject(raw) {
			return nil, "", false, fault(http.StatusBadRequest, "InvalidRequestContentException",
				"Client context must be a valid Base64-encoded JSON object.")
		}
		req.ClientContext = raw
	}
	if ct := r.Header.Get("Content-Type"); !acceptedContentType(ct) {
		return nil, "", false, fault(http.StatusUnsupportedMediaType, "UnsupportedMediaTypeException",
			"The content type of the Invoke request body is not JSON: "+ct)
	}

	limit := runtimeapi.MaxRequestSize
	if invType == "Event" {
		limit = a.f.cfg.MaxAsyncPayload
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, "", false, fault(http.StatusBadRequest, "InvalidRequestContentException", "Could not read the request body: "+err.Error())
	}
	if len(payload) > limit {
		n, _ := io.Copy(io.Discard, r.Body)
		size := int64(len(payload)) + n
		msg := fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", runtimeapi.MaxRequestSize)
		if invType == "Event" {
			msg = fmt.Sprintf("%d byte payload is too large for the Event invocation type (limit %d bytes)", size, limit)
		}
		return nil, "", false, fault(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", msg)
	}
	if len(bytes.TrimSpace(payload)) > 0 {
		if err := json.Unmarshal(payload, new(json.RawMessage)); err != nil {
			return nil, "", false, fault(http.StatusBadRequest, "InvalidRequestContentException",
				"Could not parse request body into json: Could not parse payload into json: "+err.Error())
		}
	}
	req.Payload = payload
	return req, invType, logType == "Tail" && invType == "RequestResponse", nil
}

func isJSONObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

// acceptedContentType admits what SDKs and tools send with an event (the AWS SDKs send
// application/octet-stream; curl sends form encoding): the body is checked as JSON anyway.
// Types that cannot carry a JSON document are refused.
func acceptedContentType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch {
	case mt == "application/json", strings.HasSuffix(mt, "+json"), strings.HasPrefix(mt, "application/x-amz-json"),
		mt == "application/octet-stream", mt == "binary/octet-stream", mt == "text/plain",
		mt == "application/x-www-form-urlencoded":
		return true
	}
	return false
}

// resolve checks that name (plain, name:qualifier, full or partial ARN) and the Qualifier
// parameter designate this function's $LATEST.
func (a *invokeAPI) resolve(name, qualifier string) *apiFault {
	c := &a.f.cfg
	fn, qual := name, ""
	parts := strings.Split(name, ":")
	region, account := c.Region, c.AccountID
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function":
		region, account, fn = parts[3], parts[4], parts[6]
		if len(parts) == 8 {
			qual = parts[7]
		} else if len(parts) > 8 {
			fn = name
		}
	case len(parts) >= 3 && parts[1] == "function":
		account, fn = parts[0], parts[2]
		if len(parts) == 4 {
			qual = parts[3]
		} else if len(parts) > 4 {
			fn = name
		}
	case len(parts) == 2:
		fn, qual = parts[0], parts[1]
	case len(parts) > 2:
		fn = name
	}
	if qual != "" && qualifier != "" && qual != qualifier {
		return fault(http.StatusBadRequest, "InvalidParameterValueException",
			"The derived qualifier from the function name does not match the specified qualifier.")
	}
	if qual == "" {
		qual = qualifier
	}
	if fn == c.Name && region == c.Region && account == c.AccountID && (qual == "" || qual == latest) {
		return nil
	}
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, fn)
	if qual != "" {
		arn += ":" + qual
	}
	return &apiFault{status: http.StatusNotFound, code: "ResourceNotFoundException",
		body: map[string]string{"Type": "User", "Message": "Function not found: " + arn}}
}

// invokeFault maps Invoke's errors to the Lambda API's.
func invokeFault(err error) *apiFault {
	switch {
	case errors.Is(err, ErrThrottled):
		fl := fault(http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
		fl.body["Reason"] = "ReservedFunctionConcurrentInvocationLimitExceeded"
		return fl
	case errors.Is(err, ErrRequestTooLarge):
		msg := err.Error()
		var le *limitError
		if errors.As(err, &le) {
			msg = le.msg
		}
		return fault(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", msg)
	case errors.Is(err, ErrShuttingDown):
		return &apiFault{status: http.StatusServiceUnavailable, code: "ServiceException",
			body: map[string]string{"Type": "Service", "message": "The function is shutting down."}}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &apiFault{status: http.StatusGatewayTimeout, code: "ServiceException",
			body: map[string]string{"Type": "Service", "message": err.Error()}}
	}
	return &apiFault{status: http.StatusInternalServerError, code: "ServiceException",
		body: map[string]string{"Type": "Service", "message": err.Error()}}
}

// tailLog is the X-Amz-Log-Result value: base64 of the last 4 KB of the invocation's log.
func tailLog(log []byte) string {
	if len(log) > maxTail {
		log = log[len(log)-maxTail:]
	}
	return base64.StdEncoding.EncodeToString(log)
}

// writeStream answers InvokeWithResponseStream: each piece of the result as a PayloadChunk event,
// flushed as it arrives, then InvokeComplete with the error (if any) and the log tail.
func (a *invokeAPI) writeStream(w http.ResponseWriter, resp *Response, tail bool) {
	h := w.Header()
	h.Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	// A failed buffered invocation has no payload: its error goes into InvokeComplete.
	failed := resp.Failure != FailureNone && !resp.Streaming
	var errPayload []byte
	if failed {
		errPayload, _ = io.ReadAll(resp.Body)
	}
	buf := make([]byte, 32<<10)
	var msg []byte
	for !failed {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			msg = appendEvent(msg[:0], "PayloadChunk", "application/octet-stream", buf[:n])
			if _, werr := w.Write(msg); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			break
		}
	}
	var complete struct {
		ErrorCode    string `json:"ErrorCode,omitempty"`
		ErrorDetails string `json:"ErrorDetails,omitempty"`
		LogResult    string `json:"LogResult,omitempty"`
	}
	var fe *FunctionError
	if errors.As(resp.StreamError(), &fe) {
		complete.ErrorCode, complete.ErrorDetails = fe.Type, string(fe.Payload)
	} else if failed {
		complete.ErrorCode, complete.ErrorDetails = resp.ErrorType, string(errPayload)
	}
	if tail {
		complete.LogResult = tailLog(resp.Log())
	}
	payload, _ := json.Marshal(complete)
	w.Write(appendEvent(nil, "InvokeComplete", "application/json", payload))
}
