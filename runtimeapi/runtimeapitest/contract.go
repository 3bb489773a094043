// Package runtimeapitest provides an in-process Lambda Runtime and Extensions API for tests and
// benchmarks of runtimes, like net/http/httptest does for HTTP handlers.
package runtimeapitest

// CONTRACT FILE — owned by the lib engineer; other packages' tests code against it. Replace with
// real files keeping every exported name and signature (additions are fine).

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// Server is a Runtime API (and Extensions API) on a loopback port. Invocations are queued with
// Invoke and handed to whichever runtime calls /next.
type Server struct {
	Addr string // host:port, the value for AWS_LAMBDA_RUNTIME_API
}

// NewServer starts a server. Close it when done.
func NewServer() *Server { return &Server{} }

// Close stops the server; pending /next calls get an error status.
func (s *Server) Close() {}

// InvokeOptions are the per-invocation values /next hands out.
type InvokeOptions struct {
	RequestID     string        // "" → a fresh UUID
	Timeout       time.Duration // deadline = now + Timeout (default 30s)
	TraceID       string        // "" → generated
	ClientContext string        // JSON
	TenantID      string
	FunctionARN   string // "" → arn:aws:lambda:us-east-1:123456789012:function:test
}

// Result is what the runtime posted for one invocation.
type Result struct {
	Body        []byte            // /response body (for a stream: everything streamed)
	Error       *runtimeapi.Error // /error body, or the mid-stream error from trailers
	ErrorHeader string            // Lambda-Runtime-Function-Error-Type of an /error post
	Streamed    bool
	Chunks      [][]byte    // for streams: the body as the chunks arrived
	Header      http.Header // request headers of the post
	Trailer     http.Header // trailers of a streamed post
}

// Invoke queues payload and waits for the runtime's answer (or ctx).
func (s *Server) Invoke(ctx context.Context, payload []byte, opts *InvokeOptions) (*Result, error) {
	return nil, errors.New("runtimeapitest: not implemented yet")
}

// InitError returns the error a runtime posted to /runtime/init/error, if any.
func (s *Server) InitError() *runtimeapi.Error { return nil }

// Extensions returns the names extensions registered under, in order.
func (s *Server) Extensions() []string { return nil }

// Shutdown sends SHUTDOWN to registered extensions subscribed to it.
func (s *Server) Shutdown(reason string) {}
