package event

// CONTRACT FILE — the API other packages code against. The implementing helper replaces this file
// with real files (source.go, decode.go, request.go, response.go, stream.go, binary.go, errors.go,
// requestcontext.go …) keeping every exported name and signature below (additions are fine; changes
// need the lead's agreement).

import (
	"context"
	"encoding/json"
	"net/http"
)

// Source is the kind of invocation payload.
type Source uint8

const (
	NonHTTP       Source = iota // SQS, SNS, S3, EventBridge, WebSocket, direct invokes…: pass-through
	RESTAPI                     // API Gateway REST API (payload 1.0)
	HTTPAPIV1                   // API Gateway HTTP API, payload 1.0
	HTTPAPIV2                   // API Gateway HTTP API, payload 2.0
	FunctionURL                 // Lambda Function URL (2.0 schema, *.lambda-url.* domain)
	ALB                         // ALB target group, single-value headers
	ALBMultiValue               // ALB target group with multi-value headers on
	LatticeV1                   // VPC Lattice, event version 1
	LatticeV2                   // VPC Lattice, event version 2
)

// String names the source for logs ("rest", "http-v2", "alb-multi", …).
func (s Source) String() string { return "" }

// Streams reports whether the source can receive a streamed HTTP-integration response
// (Function URL in RESPONSE_STREAM mode, REST API in STREAM transfer mode).
func (s Source) Streams() bool { return false }

// DefaultPassThroughPath is where non-HTTP events are POSTed unless configured otherwise.
const DefaultPassThroughPath = "/events"

// StreamContentType is the Content-Type of a streamed HTTP-integration response.
const StreamContentType = "application/vnd.awslambda.http-integration-response"

// Options configure a Decoder.
type Options struct {
	BasePath        string // removed once from the start of HTTP paths, on a segment boundary
	PassThroughPath string // non-HTTP events become POST to this path; "" = DefaultPassThroughPath
}

// Decoder turns invocation payloads into HTTP requests. Safe for concurrent use.
type Decoder struct{ opts Options }

// NewDecoder validates opts (paths must start with "/").
func NewDecoder(opts Options) (*Decoder, error) { return &Decoder{opts: opts}, nil }

// Event is what a payload was, beyond the request built from it.
type Event struct {
	Source         Source
	RequestContext json.RawMessage // the event's requestContext exactly as received; nil if none
}

// Decode recognises payload's source in one pass and builds the request a net/http server would
// hand a handler: Method, URL (Path/RawPath/RawQuery), RequestURI, Proto HTTP/1.1, Header (every
// value, in order), Host, RemoteAddr (source IP, "ip:0"), Body/ContentLength (base64 undone).
// Non-HTTP payloads become POST PassThroughPath with the raw JSON as body. The request's context
// is ctx plus the Event (see FromContext). Malformed input → an *Error, never a panic.
// The request body may alias payload; payload must not change while the request is in use.
func (d *Decoder) Decode(ctx context.Context, payload []byte) (*http.Request, *Event, error) {
	return nil, nil, &Error{Type: ErrorTypeMalformedEvent, Message: "not implemented yet"}
}

// FromContext returns the Event a decoded request's context carries.
func FromContext(ctx context.Context) (*Event, bool) { return nil, false }

// DecodeRequestContext unmarshals the raw requestContext into v (e.g. *APIGatewayV2RequestContext).
func (e *Event) DecodeRequestContext(v any) error { return json.Unmarshal(e.RequestContext, v) }

// ResponseOptions configure response encoding.
type ResponseOptions struct {
	// IsBinary reports whether a body with these response headers is sent base64-encoded.
	// nil means DefaultIsBinary. Text bodies that are not valid UTF-8 are base64-encoded regardless.
	IsBinary func(h http.Header) bool
	// PassThroughFailure reports whether a pass-through (non-HTTP) reply with this status fails
	// the invocation. nil means status >= 500.
	PassThroughFailure func(status int) bool
}

// DefaultIsBinary applies the text/binary rules of adapter.md §4.
func DefaultIsBinary(h http.Header) bool { return false }

// AppendResponse appends the JSON result the event's source expects for a handler's response
// (events.md §3; adapter.md §4 and §8). For NonHTTP it appends the pass-through result (JSON body
// as is, other text as a JSON string, empty as null) and returns an *Error when PassThroughFailure
// says the status fails the invocation.
func (e *Event) AppendResponse(dst []byte, status int, h http.Header, body []byte, opts *ResponseOptions) ([]byte, error) {
	return dst, &Error{Type: ErrorTypeMalformedEvent, Message: "not implemented yet"}
}

// AppendStreamPrelude appends the HTTP-integration prelude JSON (statusCode, headers with repeated
// names as arrays, cookies from Set-Cookie) and the 8-NUL delimiter. Body bytes follow raw.
func (e *Event) AppendStreamPrelude(dst []byte, status int, h http.Header) []byte { return dst }

// Error is a failure to decode an event or encode a response. Type is the stable errorType
// reported to Lambda; Message says what is wrong and never contains header values.
type Error struct {
	Type    string
	Message string
}

func (e *Error) Error() string     { return e.Message }
func (e *Error) ErrorType() string { return e.Type }

// Error types of this package (documented for users in the README's error table).
const (
	ErrorTypeMalformedEvent    = "Slipway.MalformedEvent"
	ErrorTypeInvalidBase64     = "Slipway.InvalidBase64"
	ErrorTypePassThroughStatus = "Slipway.PassThroughStatus"
	ErrorTypeResponseTooLarge  = "Function.ResponseSizeTooLarge"
)
