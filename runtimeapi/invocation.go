package runtimeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

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

	// state tracks, for Serve, whether the handler has posted a result. It is shared by
	// copies of the Invocation and nil outside Serve.
	state *invocationState
}

// invocationState is what Serve needs to know about an invocation once its handler returns.
type invocationState struct {
	mu       sync.Mutex
	posted   bool    // a /response or /error post was attempted
	stream   *Stream // the stream the handler opened, if any
	released bool    // the handler called ReleasePayload
}

// ReleasePayload tells Serve that nothing refers to Payload any more, so that once the handler
// returns its memory may carry a later event instead of becoming garbage. A handler that calls it
// must not touch Payload, or anything that aliases it, after returning. Without it Payload is
// left to the garbage collector, as always outside Serve.
func (inv *Invocation) ReleasePayload() {
	if inv.state == nil {
		return
	}
	inv.state.mu.Lock()
	inv.state.released = true
	inv.state.mu.Unlock()
}

// payloads recycles released event buffers for readBody. Buffers larger than maxPooledPayload
// are let go: rare events that size should not pin their memory.
var payloads sync.Pool

const maxPooledPayload = 1 << 20

func putPayload(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledPayload {
		return
	}
	b = b[:0]
	payloads.Put(&b)
}

// payloadBuffer returns a slice of length n, reusing a released buffer when one is big enough.
func payloadBuffer(n int) []byte {
	if n <= maxPooledPayload {
		if p, ok := payloads.Get().(*[]byte); ok {
			if cap(*p) >= n {
				return (*p)[:n]
			}
			payloads.Put(p) // a smaller event's buffer: keep it for one of those
		}
	}
	return make([]byte, n)
}

type invocationKey struct{}

// NewContext returns ctx carrying inv and inv's deadline. Cancel it when the invocation is over.
func NewContext(ctx context.Context, inv *Invocation) (context.Context, context.CancelFunc) {
	ctx = context.WithValue(ctx, invocationKey{}, inv)
	if inv.Deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, inv.Deadline)
}

// FromContext returns the invocation ctx carries.
func FromContext(ctx context.Context) (*Invocation, bool) {
	inv, ok := ctx.Value(invocationKey{}).(*Invocation)
	return inv, ok && inv != nil
}

// trackPost records, for Serve, that the handler of the invocation in ctx posted a result for
// requestID (directly or by opening stream s). Posts for other ids, or outside Serve, are not
// tracked.
func trackPost(ctx context.Context, requestID string, s *Stream) {
	inv, ok := FromContext(ctx)
	if !ok || inv.state == nil || inv.RequestID != requestID {
		return
	}
	inv.state.mu.Lock()
	inv.state.posted = true
	if s != nil {
		inv.state.stream = s
	}
	inv.state.mu.Unlock()
}

// parseInvocation builds the Invocation of a /next reply. Without a request id nothing can be
// reported, so that is a plain error; any other unusable header is a *MalformedInvocationError
// naming the id, so the invocation can be failed instead of lost.
func parseInvocation(h http.Header, payload []byte) (*Invocation, error) {
	inv := &Invocation{
		RequestID:          headerValue(h, HeaderRequestID),
		InvokedFunctionARN: headerValue(h, HeaderFunctionARN),
		TraceID:            headerValue(h, HeaderTraceID),
		TenantID:           headerValue(h, HeaderTenantID),
		Payload:            payload,
	}
	if inv.RequestID == "" {
		return nil, errors.New("runtimeapi: /next reply has no " + HeaderRequestID + " header")
	}
	bad := func(err error) (*Invocation, error) {
		return nil, &MalformedInvocationError{RequestID: inv.RequestID, Err: err}
	}

	ms := headerValue(h, HeaderDeadlineMs)
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n <= 0 {
		if ms == "" {
			return bad(errors.New("missing " + HeaderDeadlineMs + " header"))
		}
		return bad(fmt.Errorf("%s %q is not a time in epoch milliseconds", HeaderDeadlineMs, clip(ms)))
	}
	inv.Deadline = time.UnixMilli(n)

	if v := headerValue(h, HeaderClientContext); v != "" {
		if !json.Valid([]byte(v)) {
			return bad(errors.New(HeaderClientContext + " is not JSON"))
		}
		inv.ClientContext = json.RawMessage(v)
	}
	if v := headerValue(h, HeaderCognitoIdentity); v != "" {
		if !json.Valid([]byte(v)) {
			return bad(errors.New(HeaderCognitoIdentity + " is not JSON"))
		}
		inv.CognitoIdentity = json.RawMessage(v)
	}
	return inv, nil
}

// headerValue is h.Get for a name already in canonical form (every name in protocol.go is),
// which skips re-canonicalising it on every invocation.
func headerValue(h http.Header, canonicalName string) string {
	if v := h[canonicalName]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
