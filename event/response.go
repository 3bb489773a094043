package event

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// ResponseOptions configure response encoding.
type ResponseOptions struct {
	// IsBinary reports whether a body with these response headers is sent base64-encoded.
	// nil means DefaultIsBinary. Text bodies that are not valid UTF-8 are base64-encoded regardless.
	IsBinary func(h http.Header) bool
	// PassThroughFailure reports whether a pass-through (non-HTTP) reply with this status fails
	// the invocation. nil means status >= 500.
	PassThroughFailure func(status int) bool
}

// AppendResponse appends the JSON result the event's source expects for a handler's response
// (events.md §3; adapter.md §4 and §8). For NonHTTP it appends the pass-through result (JSON body
// as is, other text as a JSON string, empty as null) and returns an *Error when PassThroughFailure
// says the status fails the invocation.
//
// Shapes per source, header names as in h, sorted so that equal responses encode equally:
//   - REST API and HTTP API 1.0: statusCode, multiValueHeaders (every value of every header,
//     Set-Cookie included), body, isBase64Encoded. No "headers" map: API Gateway merges the two
//     maps with multiValueHeaders winning, so a second copy would only add bytes, and a
//     single-value copy of a repeated header cannot be right.
//   - HTTP API 2.0 and Function URL: statusCode, headers (repeated values joined with ","),
//     cookies (every Set-Cookie), body, isBase64Encoded.
//   - ALB in multi-value mode: statusCode, statusDescription, multiValueHeaders, body,
//     isBase64Encoded.
//   - ALB in single-value mode and VPC Lattice: statusCode, statusDescription, headers, body,
//     isBase64Encoded. A single-value map cannot carry a repeated header, so repeated values
//     are joined with ", " (RFC 9110 §5.3), except Set-Cookie, which cannot be joined: only the
//     first Set-Cookie is sent, the one Header.Get returns.
//
// Status 0 means 200. Transfer-Encoding is dropped; header names that are not tokens are
// dropped and CR/LF in values become spaces, as a net/http server does. A result larger than
// the 6,291,556 bytes Lambda accepts is an *Error of type Function.ResponseSizeTooLarge.
func (e *Event) AppendResponse(dst []byte, status int, h http.Header, body []byte, opts *ResponseOptions) ([]byte, error) {
	if status == 0 {
		status = http.StatusOK
	}
	start := len(dst)
	src := NonHTTP
	if e != nil {
		src = e.Source
	}
	if src == NonHTTP {
		return appendPassThroughResult(dst, status, body, opts)
	}
	binary := isBinary(h, body, opts)
	keys := sortedKeys(h)
	defer keys.release()

	dst = append(dst, `{"statusCode":`...)
	dst = appendStatus(dst, status)
	switch src {
	case RESTAPI, HTTPAPIV1:
		dst = append(dst, `,"multiValueHeaders":`...)
		dst = appendMultiValueHeaders(dst, h, keys.s, true)
	case HTTPAPIV2, FunctionURL:
		dst = append(dst, `,"headers":`...)
		dst = appendJoinedHeaders(dst, h, keys.s, ",", false)
		dst = appendCookies(dst, h, keys.s)
	case ALBMultiValue:
		dst = appendStatusDescription(dst, status)
		dst = append(dst, `,"multiValueHeaders":`...)
		dst = appendMultiValueHeaders(dst, h, keys.s, true)
	default: // ALB, LatticeV1, LatticeV2
		dst = appendStatusDescription(dst, status)
		dst = append(dst, `,"headers":`...)
		dst = appendJoinedHeaders(dst, h, keys.s, ", ", true)
	}
	dst = append(dst, `,"body":`...)
	if binary {
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, body)
		dst = append(dst, '"')
	} else {
		dst = appendJSONBytes(dst, body, true) // isBinary made sure it is UTF-8
	}
	if binary && len(body) > 0 {
		dst = append(dst, `,"isBase64Encoded":true}`...)
	} else {
		dst = append(dst, `,"isBase64Encoded":false}`...)
	}
	return checkSize(dst, start)
}

// isBinary decides whether the body goes base64-encoded: the configured rule, and always when
// the body is not valid UTF-8, because JSON text cannot carry arbitrary bytes unaltered.
func isBinary(h http.Header, body []byte, opts *ResponseOptions) bool {
	rule := DefaultIsBinary
	if opts != nil && opts.IsBinary != nil {
		rule = opts.IsBinary
	}
	return rule(h) || !utf8.Valid(body)
}

func checkSize(dst []byte, start int) ([]byte, error) {
	if n := len(dst) - start; n > runtimeapi.MaxResponseSize {
		return dst[:start], &Error{Type: ErrorTypeResponseTooLarge, Message: "Response payload size (" +
			strconv.Itoa(n) + " bytes) exceeded maximum allowed payload size (" +
			strconv.Itoa(runtimeapi.MaxResponseSize) + " bytes)."}
	}
	return dst, nil
}

// maxErrorBody bounds how much of a failing pass-through reply goes into the error message.
const maxErrorBody = 4 << 10

// appendPassThroughResult encodes a non-HTTP reply (adapter.md §8): a JSON body is the result,
// other text becomes a JSON string, an empty body null. A failing status returns an *Error
// whose message is {"statusCode":…,"body":"…"} (body cut at 4 KiB) and appends nothing.
func appendPassThroughResult(dst []byte, status int, body []byte, opts *ResponseOptions) ([]byte, error) {
	fails := status >= 500
	if opts != nil && opts.PassThroughFailure != nil {
		fails = opts.PassThroughFailure(status)
	}
	if fails {
		b := body
		if len(b) > maxErrorBody {
			b = b[:maxErrorBody]
		}
		msg := append([]byte(`{"statusCode":`), strconv.Itoa(status)...)
		msg = append(msg, `,"body":`...)
		msg = appendJSONBytes(msg, b, false)
		msg = append(msg, '}')
		return dst, &Error{Type: ErrorTypePassThroughStatus, Message: string(msg)}
	}
	start := len(dst)
	switch {
	case len(body) == 0:
		dst = append(dst, "null"...)
	case validJSON(body):
		dst = append(dst, body...)
	default:
		dst = appendJSONBytes(dst, body, false)
	}
	return checkSize(dst, start)
}

func appendStatusDescription(dst []byte, status int) []byte {
	dst = append(dst, `,"statusDescription":"`...)
	dst = appendStatus(dst, status)
	if text := http.StatusText(status); text != "" {
		dst = append(dst, ' ')
		dst = append(dst, text...)
	}
	return append(dst, '"')
}

// keyList is a pooled, sorted list of the header names to send.
type keyList struct{ s []string }

var keyListPool = sync.Pool{New: func() any { return new(keyList) }}

func (k *keyList) release() {
	clear(k.s)
	k.s = k.s[:0]
	keyListPool.Put(k)
}

// sortedKeys lists the names of h that are sent: not Transfer-Encoding, valid tokens, with at
// least one value.
func sortedKeys(h http.Header) *keyList {
	k := keyListPool.Get().(*keyList)
	for name, v := range h {
		if len(v) == 0 || !validHeaderName(name) || strings.EqualFold(name, "Transfer-Encoding") {
			continue
		}
		k.s = append(k.s, name)
	}
	slices.Sort(k.s)
	return k
}

func isSetCookie(name string) bool {
	return name == "Set-Cookie" || len(name) == len("Set-Cookie") && strings.EqualFold(name, "Set-Cookie")
}

// appendHeaderValue appends a header value as a JSON string, with CR and LF turned into spaces
// as net/http does when it writes headers.
func appendHeaderValue(dst []byte, v string) []byte {
	dst = append(dst, '"')
	dst = appendJSONContent(dst, v, true)
	return append(dst, '"')
}

// appendJoinedValues appends the values as one JSON string, separated by sep.
func appendJoinedValues(dst []byte, vals []string, sep string) []byte {
	dst = append(dst, '"')
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, sep...)
		}
		dst = appendJSONContent(dst, v, true)
	}
	return append(dst, '"')
}

// appendMultiValueHeaders appends {"Name":["v1","v2"],…}.
func appendMultiValueHeaders(dst []byte, h http.Header, keys []string, cookies bool) []byte {
	dst = append(dst, '{')
	first := true
	for _, k := range keys {
		if !cookies && isSetCookie(k) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONStr(dst, k)
		dst = append(dst, ':', '[')
		for i, v := range h[k] {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendHeaderValue(dst, v)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// appendJoinedHeaders appends {"Name":"v1<sep>v2",…}. Set-Cookie is left for the cookies list,
// or, with firstCookie, sent with its first value only.
func appendJoinedHeaders(dst []byte, h http.Header, keys []string, sep string, firstCookie bool) []byte {
	dst = append(dst, '{')
	first := true
	for _, k := range keys {
		vals := h[k]
		if isSetCookie(k) {
			if !firstCookie {
				continue
			}
			vals = vals[:1]
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONStr(dst, k)
		dst = append(dst, ':')
		dst = appendJoinedValues(dst, vals, sep)
	}
	return append(dst, '}')
}

// appendCookies appends ,"cookies":[…] with every Set-Cookie value, when there is any.
func appendCookies(dst []byte, h http.Header, keys []string) []byte {
	first := true
	for _, k := range keys {
		if !isSetCookie(k) {
			continue
		}
		for _, v := range h[k] {
			if first {
				dst = append(dst, `,"cookies":[`...)
				first = false
			} else {
				dst = append(dst, ',')
			}
			dst = appendHeaderValue(dst, v)
		}
	}
	if !first {
		dst = append(dst, ']')
	}
	return dst
}
