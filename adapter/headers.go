package adapter

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slipway-dev/slipway/event"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// LambdaContext is the JSON of event.HeaderLambdaContext, shaped like the Rust runtime's Context that
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

// contextHeaders writes the context headers; the per-function part of the Lambda context is
// encoded once.
type contextHeaders struct {
	env     LambdaEnvConfig
	envJSON []byte // `"env_config":{…}`
}

func newContextHeaders(env LambdaEnvConfig) contextHeaders {
	b, _ := json.Marshal(env)
	return contextHeaders{env: env, envJSON: append([]byte(`"env_config":`), b...)}
}

// apply removes every client-sent copy of the context headers from h (whose keys must be
// canonical, see canonicalHeader) and sets them from the invocation. requestContext is the
// event's raw requestContext (nil for pass-through events).
func (c *contextHeaders) apply(h http.Header, inv *runtimeapi.Invocation, requestContext json.RawMessage, buf *bytes.Buffer) {
	delete(h, canonicalRequestContext)
	delete(h, canonicalLambdaContext)
	delete(h, canonicalTenantID)
	delete(h, canonicalTraceID)

	// The request context goes as received; only line breaks, tabs and other control bytes
	// (which in valid JSON are insignificant whitespace or, for DEL, inside strings) force a
	// compaction.
	rc := "null"
	if len(requestContext) > 0 {
		if !hasControlByte(requestContext) {
			rc = string(requestContext)
		} else if buf.Reset(); json.Compact(buf, requestContext) == nil {
			rc = headerSafe(buf.Bytes())
		}
	}
	h[canonicalRequestContext] = []string{rc}
	buf.Reset()
	h[canonicalLambdaContext] = []string{headerSafe(c.appendLambdaContext(buf.AvailableBuffer(), inv))}
	if inv.TenantID != "" {
		h[canonicalTenantID] = []string{headerSafe([]byte(inv.TenantID))}
	}
	if inv.TraceID != "" {
		h[canonicalTraceID] = []string{headerSafe([]byte(inv.TraceID))}
	}
}

var (
	canonicalRequestContext = http.CanonicalHeaderKey(event.HeaderRequestContext)
	canonicalLambdaContext  = http.CanonicalHeaderKey(event.HeaderLambdaContext)
	canonicalTenantID       = http.CanonicalHeaderKey(event.HeaderTenantID)
	canonicalTraceID        = http.CanonicalHeaderKey(event.HeaderTraceID)
)

// appendLambdaContext appends the LambdaContext JSON of inv. Hand-written because it runs for
// every invocation: encoding/json costs several allocations for the same bytes.
func (c *contextHeaders) appendLambdaContext(dst []byte, inv *runtimeapi.Invocation) []byte {
	dst = append(dst, `{"request_id":`...)
	dst = appendJSONString(dst, inv.RequestID)
	dst = append(dst, `,"deadline":`...)
	dst = strconv.AppendInt(dst, inv.Deadline.UnixMilli(), 10)
	dst = append(dst, `,"invoked_function_arn":`...)
	dst = appendJSONString(dst, inv.InvokedFunctionARN)
	dst = append(dst, `,"xray_trace_id":`...)
	dst = appendJSONString(dst, inv.TraceID)
	dst = append(dst, `,"client_context":`...)
	dst = appendRawJSON(dst, inv.ClientContext)
	dst = append(dst, `,"identity":`...)
	dst = appendRawJSON(dst, inv.CognitoIdentity)
	dst = append(dst, ',')
	dst = append(dst, c.envJSON...)
	dst = append(dst, `,"tenant_id":`...)
	if inv.TenantID == "" {
		dst = append(dst, "null"...)
	} else {
		dst = appendJSONString(dst, inv.TenantID)
	}
	return append(dst, '}')
}

// appendRawJSON appends m compacted, or null when it is absent or not JSON.
func appendRawJSON(dst []byte, m json.RawMessage) []byte {
	if len(bytes.TrimSpace(m)) == 0 || !json.Valid(m) {
		return append(dst, "null"...)
	}
	if !hasControlByte(m) {
		return append(dst, m...)
	}
	var buf bytes.Buffer
	_ = json.Compact(&buf, m)
	return append(dst, buf.Bytes()...)
}

// hasControlByte reports whether b holds a byte that may not appear in a header value (< 0x20
// or DEL). It runs on every context header of every invocation, so it tests eight bytes at a
// time: a word has a byte below n when (x - n·0x01…) & ^x & 0x80… is not zero.
func hasControlByte(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		del := x ^ (0x7f * ones) // DEL bytes become zero
		if ((x-0x20*ones)&^x|(del-ones)&^del)&highs != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// appendJSONString appends s as a JSON string: quotes, backslashes and control bytes escaped,
// invalid UTF-8 replaced (as encoding/json does).
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// headerSafe returns b without control bytes (CR, LF, NUL, DEL…), which would otherwise break the
// request or make it fail validation. Compact JSON only contains them inside strings, where only
// DEL can occur unescaped, so JSON stays valid.
func headerSafe(b []byte) string {
	if !hasControlByte(b) {
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
