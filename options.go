package slipway

import (
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Option configures a Handler, Start and ListenAndServe.
type Option func(*options)

type options struct {
	basePath        string
	passThroughPath string
	isBinary        func(http.Header) bool
	streaming       bool
	logger          *slog.Logger
	shutdownTimeout time.Duration
	errs            []error // invalid options, reported by NewHandler's users
}

// DefaultShutdownTimeout bounds how long ListenAndServe waits for requests in flight when it
// is told to stop.
const DefaultShutdownTimeout = 10 * time.Second

func buildOptions(opts []Option) options {
	o := options{logger: slog.Default(), shutdownTimeout: DefaultShutdownTimeout}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

func (o *options) fail(format string, args ...any) {
	o.errs = append(o.errs, fmt.Errorf("slipway: "+format, args...))
}

// WithBasePath removes path once from the start of every request path on Lambda, on a segment
// boundary: with "/prod", "/prod/users" becomes "/users" and "/prod" becomes "/", and
// "/products" is left alone. Use it when an API Gateway stage or custom-domain mapping adds a
// prefix your routes do not have. The path must start with "/". It does not apply off Lambda,
// where requests arrive without the prefix.
func WithBasePath(path string) Option {
	return func(o *options) {
		if path != "" && !strings.HasPrefix(path, "/") {
			o.fail("WithBasePath(%q): the path must start with \"/\"", path)
			return
		}
		o.basePath = path
	}
}

// WithPassThroughPath sets where events that are not HTTP requests (SQS, SNS, S3,
// EventBridge, direct invocations…) are sent: as a POST of the raw event JSON to path. The
// default is "/events", as in AWS Lambda Web Adapter. A reply with a JSON body becomes the
// invocation's result; a 5xx reply fails the invocation (so SQS, for instance, redelivers).
func WithPassThroughPath(path string) Option {
	return func(o *options) {
		if path != "" && !strings.HasPrefix(path, "/") {
			o.fail("WithPassThroughPath(%q): the path must start with \"/\"", path)
			return
		}
		o.passThroughPath = path
	}
}

// WithBinary replaces the rule deciding which responses are sent base64-encoded (binary)
// rather than as text. The default (event.DefaultIsBinary) treats a response as text when it has
// no Content-Encoding and its type is text/*, JSON, JavaScript, XML or YAML. Bodies that are not
// valid UTF-8 are always sent base64-encoded, whatever the rule says, so bytes are never altered.
func WithBinary(isBinary func(http.Header) bool) Option {
	return func(o *options) { o.isBinary = isBinary }
}

// WithBinaryContentTypes makes exactly the responses whose media type matches one of types
// binary, like API Gateway's binaryMediaTypes: "image/png", "image/*" or "*/*". Responses with a
// Content-Encoding (compressed bytes) are binary too.
func WithBinaryContentTypes(types ...string) Option {
	return func(o *options) {
		exact := map[string]bool{}
		var prefixes []string
		all := false
		for _, t := range types {
			t = strings.ToLower(strings.TrimSpace(t))
			major, minor, ok := strings.Cut(t, "/")
			switch {
			case !ok || major == "" || minor == "" || strings.ContainsAny(t, " ;,"):
				o.fail("WithBinaryContentTypes(%q): want a media type such as \"image/png\" or \"image/*\"", t)
				return
			case t == "*/*":
				all = true
			case minor == "*":
				prefixes = append(prefixes, major+"/")
			default:
				exact[t] = true
			}
		}
		o.isBinary = func(h http.Header) bool {
			if len(h["Content-Encoding"]) > 0 || all {
				return true
			}
			mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
			if err != nil {
				return false
			}
			if exact[mt] {
				return true
			}
			for _, p := range prefixes {
				if strings.HasPrefix(mt, p) {
					return true
				}
			}
			return false
		}
	}
}

// WithResponseStreaming puts the function in response-streaming mode, for a Function URL whose
// invoke mode is RESPONSE_STREAM (or a REST API in STREAM transfer mode). Under Start, responses
// to those sources are streamed: the status and headers go out with the first flushed bytes,
// each Flush sends what was written so far, and a panic after the first bytes ends the stream
// with error trailers. Other sources, and Handler.Invoke, stay buffered.
//
// Whether a response streams is decided by the event's source (event.Source.Streams), not by
// the front door's configuration, which the event does not show: enable this only when every
// Function URL and REST API in front of the function is configured to stream.
func WithResponseStreaming() Option {
	return func(o *options) { o.streaming = true }
}

// WithLogger sets where panics, shutdown and unreportable errors are logged (default
// slog.Default()). Request headers are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithShutdownTimeout bounds how long ListenAndServe lets requests in flight finish after
// SIGTERM or SIGINT (default 10 s). Keep it below your platform's kill delay (ECS: 30 s).
func WithShutdownTimeout(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			o.fail("WithShutdownTimeout(%v): the timeout must be positive", d)
			return
		}
		o.shutdownTimeout = d
	}
}
