package local

// CONTRACT FILE — the API the front doors (package frontdoor) and cmd/slipway code against. The
// implementing helper replaces this file with real files, keeping every exported name and
// signature below (additions are fine; changes need the lead's agreement).

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// Config describes the emulated function.
type Config struct {
	Name    string   // function name (default "function")
	Command []string // the web app (adapter mode) or, with Runtime, the runtime itself
	Runtime bool     // Command is a Lambda runtime (aws-lambda-go binary, slipway.Start, bootstrap)
	// AdapterCommand starts the adapter in front of Command when !Runtime, e.g.
	// {"/path/to/slipway", "run", "--"}; Command is appended.
	AdapterCommand []string
	ExtensionsDir  string // every executable here starts first as an external extension
	Dir            string // working directory of the processes (default: current)
	Env            []string
	Concurrency    int // environments (default 10)
	// PerEnvConcurrency > 1 sets AWS_LAMBDA_MAX_CONCURRENCY and lets each environment take that
	// many invocations at once (Managed Instances style).
	PerEnvConcurrency int
	Timeout           time.Duration // function timeout (default 30s)
	InitTimeout       time.Duration // default 10s
	IdleTimeout       time.Duration // idle environments are reaped after this (default 5m)
	ShutdownGrace     time.Duration // default 2s
	MemoryMB          int           // default 128… reported, and used for cost
	Arch              string        // "x86_64" or "arm64"
	Region, AccountID string        // default us-east-1, 123456789012
	MaxAsyncPayload   int           // Event invocations (default 1 MiB)
	Log               io.Writer     // CloudWatch-style log lines (default os.Stderr)
}

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
	StreamError func() error
	// Log returns the invocation's log lines (START … REPORT); complete once Body is drained.
	Log func() []byte
}

// Errors for invocations Lambda rejects without running them.
var (
	ErrThrottled       = errors.New("local: rate exceeded (all execution environments busy)")
	ErrRequestTooLarge = errors.New("local: request payload too large")
	ErrShuttingDown    = errors.New("local: shutting down")
)

// Function is an emulated Lambda function: its environments, Runtime API and logs.
type Function struct{}

// New validates cfg and prepares the function; environments start on demand.
func New(cfg Config) (*Function, error) { return nil, errors.New("local: not implemented yet") }

// ARN is the function's ARN (arn:aws:lambda:{region}:{account}:function:{name}).
func (f *Function) ARN() string { return "" }

// Invoke runs one invocation in a warm environment, a new one, or fails with ErrThrottled.
func (f *Function) Invoke(ctx context.Context, req *Request) (*Response, error) {
	return nil, errors.New("local: not implemented yet")
}

// Shutdown stops accepting invocations, lets in-flight ones finish (bounded by ctx), sends SHUTDOWN
// to extensions and SIGTERM to runtimes, then kills what is left. No process outlives it.
func (f *Function) Shutdown(ctx context.Context) error { return nil }

// InvokeAPI serves the Lambda Invoke API (/2015-03-31/functions/{name}/invocations …) for f.
func InvokeAPI(f *Function) http.Handler { return http.NotFoundHandler() }
