package event

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/slipway-dev/slipway/runtimeapi"
)

func TestDefaultIsBinary(t *testing.T) {
	cases := []struct {
		h      http.Header
		binary bool
	}{
		{nil, false}, // no Content-Type → text
		{http.Header{"Content-Type": {""}}, false},
		{http.Header{"Content-Type": {"text/html"}}, false},
		{http.Header{"Content-Type": {"TEXT/HTML; charset=utf-8"}}, false}, // case-insensitive
		{http.Header{"Content-Type": {"Application/JSON"}}, false},
		{http.Header{"Content-Type": {"application/json; charset=utf-8"}}, false},
		{http.Header{"Content-Type": {"application/javascript"}}, false},
		{http.Header{"Content-Type": {"application/xml"}}, false},
		{http.Header{"Content-Type": {"application/yaml"}}, false},
		{http.Header{"Content-Type": {"application/vnd.api+json; charset=utf-8"}}, false},
		{http.Header{"Content-Type": {"image/svg+XML"}}, false},
		{http.Header{"Content-Type": {"application/x-thing+yaml "}}, false},
		{http.Header{"Content-Type": {"application/octet-stream"}}, true},
		{http.Header{"Content-Type": {"image/png"}}, true},
		{http.Header{"Content-Type": {"application/pdf"}}, true},
		{http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, true},
		{http.Header{"Content-Type": {"application/graphql"}}, true},
		{http.Header{"Content-Type": {"application/jsonx+zip"}}, false}, // "starts with application/json"
		{http.Header{"Content-Type": {"text/html"}, "Content-Encoding": {"gzip"}}, true},
		{http.Header{"Content-Type": {"text/html"}, "Content-Encoding": {"identity"}}, true}, // any Content-Encoding
		{http.Header{"content-encoding": {"br"}}, true},                                      // hand-filled maps too
		{http.Header{"Content-Type": {"image/png"}, "X-Lambda-Http-Content-Encoding": {"text"}}, false},
		{http.Header{"Content-Type": {"image/png"}, "X-Lambda-Http-Content-Encoding": {"TEXT"}}, false},
		{http.Header{"Content-Type": {"image/png"}, "X-Lambda-Http-Content-Encoding": {"binary"}}, true},
		{http.Header{"Content-Encoding": {"gzip"}, "X-Lambda-Http-Content-Encoding": {"text"}}, true}, // first match wins
	}
	for _, c := range cases {
		if got := DefaultIsBinary(c.h); got != c.binary {
			t.Errorf("DefaultIsBinary(%v) = %v, want %v", c.h, got, c.binary)
		}
	}
}

// result is a response as encoding/json reads it.
type result struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription *string             `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
	raw               map[string]json.RawMessage
}

func encode(t *testing.T, src Source, status int, h http.Header, body []byte, opts *ResponseOptions) result {
	t.Helper()
	out, err := (&Event{Source: src}).AppendResponse([]byte("prefix"), status, h, body, opts)
	if err != nil {
		t.Fatalf("AppendResponse: %v", err)
	}
	if !bytes.HasPrefix(out, []byte("prefix")) {
		t.Fatalf("AppendResponse did not append: %q", out)
	}
	out = out[len("prefix"):]
	var r result
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("invalid JSON %q: %v", out, err)
	}
	if err := json.Unmarshal(out, &r.raw); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r result) body(t *testing.T) []byte {
	if !r.IsBase64Encoded {
		return []byte(r.Body)
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	return b
}

func TestAppendResponseShapes(t *testing.T) {
	h := http.Header{
		"Content-Type":      {"text/plain"},
		"X-Multi":           {"a", "b"},
		"Set-Cookie":        {"a=1; Path=/", "b=2"},
		"Transfer-Encoding": {"chunked"},
		"Bad Name":          {"dropped"},
		"X-Newline":         {"a\r\nInjected: x"},
		"X-Empty":           {},
	}
	body := []byte("hi")

	// REST and HTTP API 1.0: complete multiValueHeaders, no headers map.
	for _, src := range []Source{RESTAPI, HTTPAPIV1} {
		r := encode(t, src, 201, h, body, nil)
		want := map[string][]string{"Content-Type": {"text/plain"}, "X-Multi": {"a", "b"},
			"Set-Cookie": {"a=1; Path=/", "b=2"}, "X-Newline": {"a  Injected: x"}}
		if !equalMulti(r.MultiValueHeaders, want) || r.raw["headers"] != nil || r.raw["cookies"] != nil {
			t.Errorf("%s: multiValueHeaders %v headers %s", src, r.MultiValueHeaders, r.raw["headers"])
		}
		if r.StatusCode != 201 || r.Body != "hi" || r.IsBase64Encoded || r.StatusDescription != nil {
			t.Errorf("%s: %+v", src, r)
		}
	}
	// HTTP API 2.0 and Function URL: comma-joined headers, every Set-Cookie in cookies.
	for _, src := range []Source{HTTPAPIV2, FunctionURL} {
		r := encode(t, src, 201, h, body, nil)
		want := map[string]string{"Content-Type": "text/plain", "X-Multi": "a,b", "X-Newline": "a  Injected: x"}
		if !equalMap(r.Headers, want) || strings.Join(r.Cookies, "|") != "a=1; Path=/|b=2" || r.raw["multiValueHeaders"] != nil {
			t.Errorf("%s: headers %v cookies %v", src, r.Headers, r.Cookies)
		}
	}
	// ALB multi-value mode.
	r := encode(t, ALBMultiValue, 201, h, body, nil)
	if r.StatusDescription == nil || *r.StatusDescription != "201 Created" || len(r.MultiValueHeaders["Set-Cookie"]) != 2 ||
		len(r.MultiValueHeaders["X-Multi"]) != 2 || r.raw["headers"] != nil {
		t.Errorf("alb-multi: %+v", r)
	}
	// ALB single-value mode and Lattice: joined values, first Set-Cookie only.
	for _, src := range []Source{ALB, LatticeV1, LatticeV2} {
		r := encode(t, src, 201, h, body, nil)
		want := map[string]string{"Content-Type": "text/plain", "X-Multi": "a, b", "Set-Cookie": "a=1; Path=/", "X-Newline": "a  Injected: x"}
		if !equalMap(r.Headers, want) || r.raw["multiValueHeaders"] != nil || r.raw["cookies"] != nil {
			t.Errorf("%s: headers %v", src, r.Headers)
		}
		if r.StatusDescription == nil || *r.StatusDescription != "201 Created" {
			t.Errorf("%s: statusDescription %v", src, r.StatusDescription)
		}
	}
	// Status 0 is 200; a status without reason phrase gets the bare code.
	if r := encode(t, ALB, 0, nil, nil, nil); r.StatusCode != 200 || *r.StatusDescription != "200 OK" {
		t.Errorf("status 0: %+v", r)
	}
	if r := encode(t, ALB, 299, nil, nil, nil); *r.StatusDescription != "299" {
		t.Errorf("status 299: %q", *r.StatusDescription)
	}
}

func TestAppendResponseBodies(t *testing.T) {
	invalidUTF8 := []byte("caf\xe9")
	cases := []struct {
		name   string
		h      http.Header
		body   []byte
		opts   *ResponseOptions
		base64 bool
	}{
		{"text", http.Header{"Content-Type": {"text/plain"}}, []byte("plain \"quoted\" \\ \n\t\x01 caf\u00e9 \u2028"), nil, false},
		{"binary type", http.Header{"Content-Type": {"image/png"}}, []byte{0, 1, 2, 0xff}, nil, true},
		{"text type, invalid UTF-8", http.Header{"Content-Type": {"text/plain"}}, invalidUTF8, nil, true},
		{"no type, invalid UTF-8", nil, invalidUTF8, nil, true},
		{"gzip", http.Header{"Content-Type": {"text/html"}, "Content-Encoding": {"gzip"}}, []byte("\x1f\x8b"), nil, true},
		{"forced text", http.Header{"Content-Type": {"image/png"}, "X-Lambda-Http-Content-Encoding": {"text"}}, []byte("abc"), nil, false},
		{"custom rule", http.Header{"Content-Type": {"text/plain"}}, []byte("abc"), &ResponseOptions{IsBinary: func(http.Header) bool { return true }}, true},
		{"custom rule, invalid UTF-8", nil, invalidUTF8, &ResponseOptions{IsBinary: func(http.Header) bool { return false }}, true},
		{"empty binary", http.Header{"Content-Type": {"image/png"}}, nil, nil, false},
		{"long text", nil, bytes.Repeat([]byte("abcdefg\u00e9\"\n"), 1000), nil, false},
	}
	for _, c := range cases {
		for _, src := range []Source{RESTAPI, HTTPAPIV2, ALB, ALBMultiValue, LatticeV2} {
			r := encode(t, src, 200, c.h, c.body, c.opts)
			if r.IsBase64Encoded != c.base64 {
				t.Errorf("%s/%s: isBase64Encoded %v, want %v", c.name, src, r.IsBase64Encoded, c.base64)
			}
			if got := r.body(t); !bytes.Equal(got, c.body) {
				t.Errorf("%s/%s: body %q, want %q", c.name, src, got, c.body)
			}
		}
	}
	// The forcing header is forwarded.
	r := encode(t, HTTPAPIV2, 200, http.Header{"X-Lambda-Http-Content-Encoding": {"text"}}, nil, nil)
	if r.Headers["X-Lambda-Http-Content-Encoding"] != "text" {
		t.Errorf("x-lambda-http-content-encoding not forwarded: %v", r.Headers)
	}
}

func TestAppendResponsePassThrough(t *testing.T) {
	ev := &Event{Source: NonHTTP}
	cases := []struct {
		status int
		body   string
		opts   *ResponseOptions
		want   string // result, or error type
	}{
		{200, `{"batchItemFailures":[{"itemIdentifier":"1"}]}`, nil, `{"batchItemFailures":[{"itemIdentifier":"1"}]}`},
		{200, " [1, 2]\n", nil, " [1, 2]\n"}, // JSON as is, whitespace included
		{200, `"already a string"`, nil, `"already a string"`},
		{200, "plain text", nil, `"plain text"`}, // other text becomes a JSON string
		{200, `{"broken":`, nil, `"{\"broken\":"`},
		{200, "caf\xe9", nil, `"caf` + "\ufffd" + `"`},
		{200, "", nil, `null`},
		{204, "", nil, `null`},
		{404, `{"error":"nope"}`, nil, `{"error":"nope"}`}, // 4xx is a result
		{500, `boom`, nil, ErrorTypePassThroughStatus},
		{503, ``, nil, ErrorTypePassThroughStatus},
		{500, `ok`, &ResponseOptions{PassThroughFailure: func(int) bool { return false }}, `"ok"`},
		{404, `x`, &ResponseOptions{PassThroughFailure: func(s int) bool { return s >= 400 }}, ErrorTypePassThroughStatus},
	}
	for _, c := range cases {
		out, err := ev.AppendResponse([]byte("p:"), c.status, http.Header{"Content-Type": {"text/plain"}}, []byte(c.body), c.opts)
		if strings.HasPrefix(c.want, "Slipway.") {
			var e *Error
			if !errors.As(err, &e) || e.Type != c.want || string(out) != "p:" {
				t.Errorf("%d %q: %q, %v; want %s and nothing appended", c.status, c.body, out, err, c.want)
				continue
			}
			var msg struct {
				StatusCode int    `json:"statusCode"`
				Body       string `json:"body"`
			}
			if json.Unmarshal([]byte(e.Message), &msg) != nil || msg.StatusCode != c.status || msg.Body != c.body {
				t.Errorf("%d: error message %q", c.status, e.Message)
			}
			continue
		}
		if err != nil || string(out) != "p:"+c.want {
			t.Errorf("%d %q: %q, %v; want %q", c.status, c.body, out, err, c.want)
		}
	}
	// A nil *Event encodes like a pass-through one.
	if out, err := (*Event)(nil).AppendResponse(nil, 200, nil, []byte("x"), nil); err != nil || string(out) != `"x"` {
		t.Errorf("nil event: %q %v", out, err)
	}
	// The error message carries at most 4 KiB of the body.
	_, err := ev.AppendResponse(nil, 500, nil, bytes.Repeat([]byte("x"), 10000), nil)
	if e := asError(err); len(e.Message) > maxErrorBody+100 {
		t.Errorf("error message of %d bytes", len(e.Message))
	}
}

func TestAppendResponseTooLarge(t *testing.T) {
	body := bytes.Repeat([]byte("a"), runtimeapi.MaxResponseSize)
	for _, src := range []Source{NonHTTP, HTTPAPIV2} {
		out, err := (&Event{Source: src}).AppendResponse([]byte("keep"), 200, nil, body, nil)
		var e *Error
		if !errors.As(err, &e) || e.Type != ErrorTypeResponseTooLarge || string(out) != "keep" {
			t.Fatalf("%s: %v, %d bytes", src, err, len(out))
		}
		if !strings.Contains(e.Message, "exceeded maximum allowed payload size (6291556 bytes)") {
			t.Errorf("message %q", e.Message)
		}
	}
	// Just under the limit is fine.
	body = body[:runtimeapi.MaxResponseSize-200]
	if _, err := (&Event{Source: HTTPAPIV2}).AppendResponse(nil, 200, nil, body, nil); err != nil {
		t.Errorf("under the limit: %v", err)
	}
}

func TestAppendStreamPrelude(t *testing.T) {
	h := http.Header{
		"Content-Type":      {"text/html"},
		"X-Multi":           {"a", "b"},
		"Set-Cookie":        {"a=1", "b=2"},
		"Transfer-Encoding": {"chunked"},
	}
	for _, c := range []struct {
		src  Source
		want string
	}{
		{FunctionURL, `{"statusCode":200,"headers":{"Content-Type":"text/html","X-Multi":["a","b"]},"cookies":["a=1","b=2"]}`},
		{RESTAPI, `{"statusCode":200,"multiValueHeaders":{"Content-Type":["text/html"],"X-Multi":["a","b"]},"cookies":["a=1","b=2"]}`},
	} {
		got := string((&Event{Source: c.src}).AppendStreamPrelude([]byte("x"), 0, h))
		if got != "x"+c.want+"\x00\x00\x00\x00\x00\x00\x00\x00" {
			t.Errorf("%s prelude %q", c.src, got)
		}
	}
	got := string((&Event{Source: FunctionURL}).AppendStreamPrelude(nil, 404, nil))
	if got != `{"statusCode":404,"headers":{}}`+streamDelimiter {
		t.Errorf("bare prelude %q", got)
	}
}

func TestSourceStrings(t *testing.T) {
	seen := map[string]bool{}
	for s := NonHTTP; s <= LatticeV2; s++ {
		name := s.String()
		if name == "" || name == "unknown" || seen[name] {
			t.Errorf("Source(%d).String() = %q", s, name)
		}
		seen[name] = true
		if s.Streams() != (s == FunctionURL || s == RESTAPI) {
			t.Errorf("%s.Streams() = %v", s, s.Streams())
		}
	}
	if Source(200).String() != "unknown" {
		t.Error("out-of-range source")
	}
}

func equalMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func equalMulti(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\x00") != strings.Join(b[k], "\x00") {
			return false
		}
	}
	return true
}
