package event

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Options configure a Decoder.
type Options struct {
	BasePath        string // removed once from the start of HTTP paths, on a segment boundary
	PassThroughPath string // non-HTTP events become POST to this path; "" = DefaultPassThroughPath
}

// Decoder turns invocation payloads into HTTP requests. Safe for concurrent use.
// The zero Decoder uses no base path and DefaultPassThroughPath.
type Decoder struct {
	basePath string // normalised, without trailing slash; "" = nothing to remove
	// The pass-through request target, precomputed: decoded path, encoded path when net/url
	// needs it, and the request URI.
	passPath, passRawPath, passURI string
}

// NewDecoder validates opts (paths must start with "/").
func NewDecoder(opts Options) (*Decoder, error) {
	d := &Decoder{}
	if opts.BasePath != "" {
		p, err := optionPath("BasePath", opts.BasePath)
		if err != nil {
			return nil, err
		}
		d.basePath = strings.TrimRight(p, "/")
	}
	if opts.PassThroughPath != "" {
		p, err := optionPath("PassThroughPath", opts.PassThroughPath)
		if err != nil {
			return nil, err
		}
		d.setPassThrough(p)
	}
	return d, nil
}

// optionPath validates and normalises a path option.
func optionPath(name, p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("event: Options.%s %q must start with \"/\"", name, p)
	}
	if strings.ContainsAny(p, "?#") {
		return "", fmt.Errorf("event: Options.%s %q must be a path without query or fragment", name, p)
	}
	return string(appendNormalizedPath(nil, []byte(p))), nil
}

func (d *Decoder) setPassThrough(enc string) {
	d.passURI = enc
	dec := string(appendUnescapedPath(nil, []byte(enc)))
	d.passPath = dec
	if rawPathNeeded([]byte(dec), []byte(enc)) {
		d.passRawPath = enc
	}
}

// Event is what a payload was, beyond the request built from it. RequestContext aliases the
// payload, like the request body: both stay valid while the payload is left unchanged.
type Event struct {
	Source         Source
	RequestContext json.RawMessage // the event's requestContext exactly as received; nil if none
}

// FromContext returns the Event a decoded request's context carries.
func FromContext(ctx context.Context) (*Event, bool) {
	ev, ok := ctx.Value(eventKey{}).(*Event)
	return ev, ok
}

// DecodeRequestContext unmarshals the raw requestContext into v (e.g. *APIGatewayV2RequestContext).
func (e *Event) DecodeRequestContext(v any) error {
	if len(e.RequestContext) == 0 {
		return errors.New("event: the " + e.Source.String() + " event has no requestContext")
	}
	return json.Unmarshal(e.RequestContext, v)
}

// Decode recognises payload's source in one pass and builds the request a net/http server would
// hand a handler: Method, URL (Path/RawPath/RawQuery), RequestURI, Proto HTTP/1.1, Header (every
// value, in order), Host, RemoteAddr (source IP, "ip:0"), Body/ContentLength (base64 undone).
// Non-HTTP payloads become POST PassThroughPath with the raw JSON as body. The request's context
// is ctx plus the Event (see FromContext). Malformed input → an *Error, never a panic.
// The request body may alias payload; payload must not change while the request is in use.
//
// Like a net/http server, Decode moves the Host header to Request.Host and keeps every other
// header, including X-Forwarded-* exactly as the source sent them. RequestURI is set, so a
// client forwarding the request must clear it.
func (d *Decoder) Decode(ctx context.Context, payload []byte) (*http.Request, *Event, error) {
	return d.decode(ctx, payload, false)
}

// DecodeInPlace is Decode for a caller that owns payload and has no further use for it as an
// event: a text body with JSON escapes is unescaped over the body's own bytes in payload (that
// only ever shrinks it) instead of into a copy, so a large body costs no allocation. Bytes of
// payload outside the body member are left as they were; the request body and
// Event.RequestContext alias payload as with Decode.
func (d *Decoder) DecodeInPlace(ctx context.Context, payload []byte) (*http.Request, *Event, error) {
	return d.decode(ctx, payload, true)
}

func (d *Decoder) decode(ctx context.Context, payload []byte, inPlace bool) (*http.Request, *Event, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if len(payload) > maxPayload {
		return nil, nil, malformed("payload", "larger than 2 GiB")
	}
	b := builderPool.Get().(*builder)
	defer b.release()
	b.sc.reset(payload)
	b.f = fields{}
	b.inPlace = inPlace
	if err := b.sc.scanEvent(&b.f); err != nil {
		return nil, nil, err
	}
	src := b.sc.recognise(&b.f)
	if src == NonHTTP {
		r, ev := d.passThrough(ctx, payload)
		return r, ev, nil
	}
	return b.build(ctx, d, src)
}

var builderPool = sync.Pool{New: func() any { return new(builder) }}

// maxPooledBuffer bounds the scratch a pooled builder keeps, so one large event does not pin
// megabytes for the life of the process.
const maxPooledBuffer = 64 << 10

func (b *builder) release() {
	b.sc.data = nil
	if cap(b.buf) > maxPooledBuffer {
		b.buf = nil
	}
	if cap(b.tmp) > maxPooledBuffer {
		b.tmp = nil
	}
	if cap(b.sc.nodes) > maxPooledBuffer/16 {
		b.sc.nodes = nil
	}
	if cap(b.hdrs) > 1024 {
		b.hdrs = nil
	}
	b.sc.kbuf = b.sc.kbuf[:0]
	builderPool.Put(b)
}

// eventKey is the context key of the *Event.
type eventKey struct{}

// eventContext carries the *Event without the extra allocation of context.WithValue: it lives
// in the same allocation as the request.
type eventContext struct {
	context.Context
	ev *Event
}

func (c *eventContext) Value(key any) any {
	if key == (eventKey{}) {
		return c.ev
	}
	return c.Context.Value(key)
}

func (c *eventContext) String() string { return "event.WithEvent" }
