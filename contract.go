package slipway

// CONTRACT FILE — the public API. The implementing helper replaces this file with real files
// (doc.go, handler.go, options.go, start.go, server.go, context.go …) keeping every exported name
// and signature below (additions are fine; changes need the lead's agreement).

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// Handler serves a net/http handler as a Lambda function.
type Handler struct{}

// NewHandler wraps h.
func NewHandler(h http.Handler, opts ...Option) *Handler { return &Handler{} }

// Invoke converts one invocation payload to a request, runs the handler and returns the response
// in the shape the event's source expects. It satisfies aws-lambda-go's lambda.Handler.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return nil, errors.New("slipway: not implemented yet")
}

// Start runs h as a Lambda function against the Runtime API until the process is stopped.
func Start(h http.Handler, opts ...Option) error { return errors.New("slipway: not implemented yet") }

// ListenAndServe runs h as a Lambda function when AWS_LAMBDA_RUNTIME_API is set (see Start), and
// otherwise as an HTTP server on addr with production timeouts that shuts down gracefully on
// SIGTERM or SIGINT.
func ListenAndServe(addr string, h http.Handler, opts ...Option) error {
	return errors.New("slipway: not implemented yet")
}

// Option configures a Handler, Start and ListenAndServe.
type Option func(*options)

type options struct{}

func WithBasePath(path string) Option                   { return func(*options) {} }
func WithPassThroughPath(path string) Option            { return func(*options) {} }
func WithBinary(isBinary func(http.Header) bool) Option { return func(*options) {} }
func WithResponseStreaming() Option                     { return func(*options) {} }
func WithLogger(l *slog.Logger) Option                  { return func(*options) {} }
func WithShutdownTimeout(d time.Duration) Option        { return func(*options) {} }

// EventFromContext returns the decoded event (source, raw request context) of the request
// being served on Lambda.
func EventFromContext(ctx context.Context) (*event.Event, bool) { return event.FromContext(ctx) }

// InvocationFromContext returns the invocation (request id, deadline, ARN, trace and tenant id).
func InvocationFromContext(ctx context.Context) (*runtimeapi.Invocation, bool) {
	return runtimeapi.FromContext(ctx)
}
