package adapter

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// Headers the adapter adds to every request it sends to the app (adapter.md §3). Client-sent copies
// are always removed or overwritten, so an app can trust them.
const (
	// HeaderRequestContext is the event's requestContext JSON as received (camelCase), "null" for
	// pass-through events.
	HeaderRequestContext = "x-amzn-request-context"
	// HeaderLambdaContext is the invocation's context as JSON (snake_case): see LambdaContext.
	HeaderLambdaContext = "x-amzn-lambda-context"
	// HeaderTenantID is the invocation's tenant id; present only for tenant-isolated functions.
	HeaderTenantID = "x-amz-tenant-id"
	// HeaderTraceID is the invocation's Lambda-Runtime-Trace-Id (X-Ray).
	HeaderTraceID = "x-amzn-trace-id"
	// HeaderContentEncodingHint, set to "text" on a response, makes its body text even when it has
	// a binary content type; the header is forwarded too.
	HeaderContentEncodingHint = "x-lambda-http-content-encoding"
)

// LambdaContext is the JSON of HeaderLambdaContext, shaped like the Rust runtime's Context that
// LWA serialises: apps written for LWA read these names.
type LambdaContext struct {
	RequestID          string          `json:"request_id"`
	Deadline           int64           `json:"deadline"` // epoch milliseconds
	InvokedFunctionARN string          `json:"invoked_function_arn"`
	XRayTraceID        string          `json:"xray_trace_id"`
	ClientContext      json.RawMessage `json:"client_context"` // as Lambda sent it, or null
	Identity           json.RawMessage `json:"identity"`       // Cognito identity as sent, or null
	EnvConfig          LambdaEnvConfig `json:"env_config"`
	TenantID           *string         `json:"tenant_id"` // null unless tenant-isolated
}

// LambdaEnvConfig is the function's configuration inside LambdaContext.
type LambdaEnvConfig struct {
	FunctionName string `json:"function_name"`
	Memory       int    `json:"memory"`
	Version      string `json:"version"`
	LogStream    string `json:"log_stream"`
	LogGroup     string `json:"log_group"`
}

// sensitiveHeaders are never logged with their values (adapter.md §8).
var sensitiveHeaders = []string{"Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization"}

// contextHeaders holds the per-function part of the context headers, computed once.
type contextHeaders struct {
	env LambdaEnvConfig
}

// apply removes every client-sent copy of the context headers from h and sets them from the
// invocation. requestContext is the event's raw requestContext (nil for pass-through events).
func (c *contextHeaders) apply(h http.Header, inv *runtimeapi.Invocation, requestContext json.RawMessage, buf *bytes.Buffer) {
	for _, name := range [...]string{HeaderRequestContext, HeaderLambdaContext, HeaderTenantID, HeaderTraceID} {
		delHeader(h, name)
	}

	buf.Reset()
	if len(requestContext) == 0 || json.Compact(buf, requestContext) != nil {
		buf.Reset()
		buf.WriteString("null")
	}
	h[http.CanonicalHeaderKey(HeaderRequestContext)] = []string{headerSafe(buf.Bytes())}

	lc := LambdaContext{
		RequestID:          inv.RequestID,
		Deadline:           inv.Deadline.UnixMilli(),
		InvokedFunctionARN: inv.InvokedFunctionARN,
		XRayTraceID:        inv.TraceID,
		ClientContext:      rawOrNull(inv.ClientContext),
		Identity:           rawOrNull(inv.CognitoIdentity),
		EnvConfig:          c.env,
	}
	if inv.TenantID != "" {
		lc.TenantID = &inv.TenantID
	}
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(&lc); err != nil {
		// Only the raw client context or identity can be invalid JSON; drop them rather than
		// the whole header.
		lc.ClientContext, lc.Identity = nil, nil
		buf.Reset()
		_ = json.NewEncoder(buf).Encode(&lc)
	}
	h[http.CanonicalHeaderKey(HeaderLambdaContext)] = []string{headerSafe(bytes.TrimSpace(buf.Bytes()))}

	if inv.TenantID != "" {
		h[http.CanonicalHeaderKey(HeaderTenantID)] = []string{headerSafe([]byte(inv.TenantID))}
	}
	if inv.TraceID != "" {
		h[http.CanonicalHeaderKey(HeaderTraceID)] = []string{headerSafe([]byte(inv.TraceID))}
	}
}

func rawOrNull(m json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(m)) == 0 || !json.Valid(m) {
		return nil
	}
	var buf bytes.Buffer
	if json.Compact(&buf, m) != nil {
		return nil
	}
	return buf.Bytes()
}

// headerSafe returns b without control bytes (CR, LF, NUL, DEL…), which would otherwise break the
// request or make it fail validation. Compact JSON only contains them inside strings, where only
// DEL can occur unescaped, so JSON stays valid.
func headerSafe(b []byte) string {
	clean := true
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c == 0x7f:
			sb.WriteString(`\u007f`)
		case c < 0x20:
			// dropped
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// delHeader removes name from h whatever the case of the stored key: event headers keep the case
// the client sent, so h may hold non-canonical keys.
func delHeader(h http.Header, name string) {
	delete(h, http.CanonicalHeaderKey(name))
	for k := range h {
		if strings.EqualFold(k, name) {
			delete(h, k)
		}
	}
}

// takeHeader removes name from h (any case) and returns its values.
func takeHeader(h http.Header, name string) []string {
	var vals []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			vals = append(vals, v...)
			delete(h, k)
		}
	}
	return vals
}

// redactedHeaders renders h for debug logs with the values of credentials and cookies replaced.
func redactedHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[k] = v
		for _, s := range sensitiveHeaders {
			if strings.EqualFold(k, s) {
				out[k] = []string{"[redacted]"}
			}
		}
	}
	return out
}
