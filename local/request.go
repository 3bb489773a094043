package local

import (
	"encoding/json"
	"errors"
	"io"
)

// Request is one invocation.
type Request struct {
	Payload         []byte
	ClientContext   json.RawMessage // JSON, already base64-decoded by the caller; nil if none
	CognitoIdentity json.RawMessage
	TenantID        string
	TraceID         string // "" → generated
	Async           bool   // Event invocation: queued, Invoke returns at once with Status 202
}

// Failure classifies a failed invocation.
type Failure int

const (
	FailureNone             Failure = iota
	FailureFunction                 // the runtime posted /error (or an error trailer mid-stream)
	FailureTimeout                  // function timeout: environment killed and replaced
	FailureCrash                    // runtime exited: Runtime.ExitError, environment replaced
	FailureInit                     // init failed or timed out
	FailureResponseTooLarge         // result over runtimeapi.MaxResponseSize
	FailureInvalidResponse          // e.g. a stream without prelude/delimiter, seen by front doors
)

var failureNames = [...]string{"none", "function", "timeout", "crash", "init", "response-too-large", "invalid-response"}

func (f Failure) String() string {
	if int(f) < len(failureNames) {
		return failureNames[f]
	}
	return "unknown"
}

// Response is the outcome of one invocation.
type Response struct {
	RequestID       string
	ExecutedVersion string
	Failure         Failure
	ErrorType       string // errorType when Failure != FailureNone
	// Body is the result or, on failure, the error JSON. For a streaming function it yields the
	// bytes as the function posts them; read it to the end (or Close it) to finish.
	Body        io.ReadCloser
	Streaming   bool
	ContentType string // what the runtime posted (streaming HTTP: the HTTP-integration type)
	// StreamError is valid once Body returned io.EOF: the mid-stream error from trailers, or nil.
	// A function's error is a *FunctionError.
	StreamError func() error
	// Log returns the invocation's log lines (START … REPORT). It waits until the REPORT line is
	// written, which happens once the runtime and extensions are done with the invocation (at
	// the latest at its deadline), so call it after Body is drained.
	Log func() []byte
}

// FunctionError is an error a function reported in the middle of a streamed response (the
// Lambda-Runtime-Function-Error-Type and -Error-Body trailers) or a stream the platform cut.
type FunctionError struct {
	Type    string // errorType, e.g. "Runtime.Unknown"
	Payload []byte // the error JSON, {"errorMessage":…,"errorType":…}
}

func (e *FunctionError) Error() string {
	var body struct {
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal(e.Payload, &body) == nil && body.Message != "" {
		return e.Type + ": " + body.Message
	}
	return e.Type
}

// Errors for invocations Lambda rejects without running them.
var (
	ErrThrottled       = errors.New("local: rate exceeded (all execution environments busy)")
	ErrRequestTooLarge = errors.New("local: request payload too large")
	ErrShuttingDown    = errors.New("local: shutting down")
)

// limitError is an ErrRequestTooLarge with Lambda's message.
type limitError struct{ msg string }

func (e *limitError) Error() string { return ErrRequestTooLarge.Error() + ": " + e.msg }
func (e *limitError) Unwrap() error { return ErrRequestTooLarge }
