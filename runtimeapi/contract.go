package runtimeapi

// CONTRACT FILE — the API other packages code against. The implementing helper replaces this file
// with real files (client.go, invocation.go, stream.go, extension.go, errors.go, serve.go …) keeping
// every exported name and signature below (additions are fine; changes need the lead's agreement).

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

var errUnimplemented = errors.New("runtimeapi: not implemented yet")

// Invocation is one event handed out by /next, with the context Lambda sends beside it.
type Invocation struct {
	RequestID          string
	Deadline           time.Time
	InvokedFunctionARN string
	TraceID            string
	ClientContext      json.RawMessage // nil when not sent
	CognitoIdentity    json.RawMessage // nil when not sent
	TenantID           string          // "" when the function is not tenant-isolated
	Payload            []byte
}

// NewContext returns ctx carrying inv and inv's deadline.
func NewContext(ctx context.Context, inv *Invocation) (context.Context, context.CancelFunc) {
	return ctx, func() {}
}

// FromContext returns the invocation ctx carries.
func FromContext(ctx context.Context) (*Invocation, bool) { return nil, false }

// FunctionInfo is what Lambda tells a function about itself through its environment.
type FunctionInfo struct {
	Name, Version, LogGroup, LogStream, Region string
	MemoryMB                                   int
	InitializationType                         string
	MaxConcurrency                             int // AWS_LAMBDA_MAX_CONCURRENCY, 1 when unset
}

// FunctionInfoFromEnv reads FunctionInfo from the process environment via getenv.
func FunctionInfoFromEnv(getenv func(string) string) (FunctionInfo, error) {
	return FunctionInfo{}, errUnimplemented
}

// ErrorTyper is implemented by errors that know the errorType Lambda should report for them.
// Errors without it are reported as ErrorTypeUnknown-style types chosen by the client.
type ErrorTyper interface{ ErrorType() string }

// Error is the JSON body of /error, /init/error and extension error posts, and what
// the server side decodes.
type Error struct {
	Message    string   `json:"errorMessage"`
	Type       string   `json:"errorType"`
	StackTrace []string `json:"stackTrace,omitempty"`
}

func (e *Error) Error() string     { return e.Type + ": " + e.Message }
func (e *Error) ErrorType() string { return e.Type }

// Client talks to the Runtime API. It is safe for concurrent use by many pollers.
type Client struct{}

// NewClient returns a client for addr ("host:port", optionally with "http://" and a path prefix).
// hc may be nil; /next calls never time out on the client side.
func NewClient(addr string, hc *http.Client) (*Client, error) { return nil, errUnimplemented }

// Next long-polls for the next invocation.
func (c *Client) Next(ctx context.Context) (*Invocation, error) { return nil, errUnimplemented }

// Respond posts a buffered result. Anything but 202 is an error (a 413 carries the platform's message).
func (c *Client) Respond(ctx context.Context, requestID string, body []byte) error {
	return errUnimplemented
}

// RespondError posts an invocation error; err's ErrorType() (if any) becomes errorType.
func (c *Client) RespondError(ctx context.Context, requestID string, err error) error {
	return errUnimplemented
}

// InitError reports a failed initialisation.
func (c *Client) InitError(ctx context.Context, err error) error { return errUnimplemented }

// Stream starts a streaming response (Lambda-Runtime-Function-Response-Mode: streaming, chunked,
// declared trailers). contentType is e.g. the HTTP-integration type from package event.
func (c *Client) Stream(ctx context.Context, requestID, contentType string) (*Stream, error) {
	return nil, errUnimplemented
}

// Stream is an in-progress streaming response. Each Write reaches the Runtime API as one chunk
// without waiting for the next; it is not safe for concurrent use.
type Stream struct{}

func (s *Stream) Write(p []byte) (int, error) { return 0, errUnimplemented }

// Close ends the stream successfully and waits for the server's 202.
func (s *Stream) Close() error { return errUnimplemented }

// CloseWithError ends the stream with the error trailers (type, base64 error JSON).
func (s *Stream) CloseWithError(err error) error { return errUnimplemented }

// HandlerFunc handles one invocation. It must finish it with exactly one of Respond, RespondError
// or a Stream; Serve reports a returned error via RespondError if nothing was posted yet.
type HandlerFunc func(ctx context.Context, c *Client, inv *Invocation) error

// Serve runs workers concurrent pollers (Next → h) until ctx ends or the Runtime API fails.
// ctx passed to h carries the invocation (FromContext) and its deadline.
func (c *Client) Serve(ctx context.Context, workers int, h HandlerFunc) error {
	return errUnimplemented
}

// ExtensionClient talks to the Extensions API.
type ExtensionClient struct{}

// NewExtensionClient returns a client for addr (same forms as NewClient).
func NewExtensionClient(addr string, hc *http.Client) (*ExtensionClient, error) {
	return nil, errUnimplemented
}

// Registration is the Extensions API's answer to register.
type Registration struct {
	ID              string // Lambda-Extension-Identifier
	FunctionName    string `json:"functionName"`
	FunctionVersion string `json:"functionVersion"`
	Handler         string `json:"handler"`
	AccountID       string `json:"accountId,omitempty"`
}

// ExtensionEvent is an INVOKE or SHUTDOWN event.
type ExtensionEvent struct {
	EventType          string `json:"eventType"`
	DeadlineMs         int64  `json:"deadlineMs"`
	RequestID          string `json:"requestId,omitempty"`
	InvokedFunctionARN string `json:"invokedFunctionArn,omitempty"`
	ShutdownReason     string `json:"shutdownReason,omitempty"`
	Tracing            *struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"tracing,omitempty"`
}

// Register registers the extension under name (the executable's file name) for events.
func (e *ExtensionClient) Register(ctx context.Context, name string, events []string) (*Registration, error) {
	return nil, errUnimplemented
}

// NextEvent blocks until the next extension event.
func (e *ExtensionClient) NextEvent(ctx context.Context, id string) (*ExtensionEvent, error) {
	return nil, errUnimplemented
}

// InitError and ExitError report an extension failure; the extension should exit afterwards.
func (e *ExtensionClient) InitError(ctx context.Context, id string, err error) error {
	return errUnimplemented
}
func (e *ExtensionClient) ExitError(ctx context.Context, id string, err error) error {
	return errUnimplemented
}
