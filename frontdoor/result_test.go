package frontdoor

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestParseRESTResult(t *testing.T) {
	for _, tc := range []struct {
		name, raw, accept string
		types             []string
		status            int
		header            http.Header
		body              string
		invalid           bool
	}{
		{name: "minimal", raw: `{"statusCode":204}`, status: 204, header: http.Header{"Content-Type": {"application/json"}}},
		{name: "headers and multi merge, list wins",
			raw:    `{"statusCode":200,"headers":{"X-A":"single","x-b":"b","Content-Type":"text/plain"},"multiValueHeaders":{"x-a":["1","2"],"Set-Cookie":["a=1","b=2"]},"body":"hi"}`,
			status: 200, header: http.Header{"X-A": {"1", "2"}, "X-B": {"b"}, "Set-Cookie": {"a=1", "b=2"}, "Content-Type": {"text/plain"}}, body: "hi"},
		{name: "numbers and booleans as header values", raw: `{"statusCode":200,"headers":{"x-n":5,"x-b":true}}`,
			status: 200, header: http.Header{"X-N": {"5"}, "X-B": {"true"}, "Content-Type": {"application/json"}}},
		{name: "base64 without binary types stays text", raw: `{"statusCode":200,"headers":{"content-type":"image/png"},"body":"aGk=","isBase64Encoded":true}`,
			status: 200, header: http.Header{"Content-Type": {"image/png"}}, body: "aGk="},
		{name: "base64 with matching content type", raw: `{"statusCode":200,"headers":{"content-type":"image/png"},"body":"aGk=","isBase64Encoded":true}`,
			types: []string{"image/*"}, status: 200, header: http.Header{"Content-Type": {"image/png"}}, body: "hi"},
		{name: "base64 with matching Accept", raw: `{"statusCode":200,"body":"aGk=","isBase64Encoded":true}`, accept: "text/html, image/webp",
			types: []string{"image/webp"}, status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: "hi"},
		{name: "hop-by-hop headers dropped", raw: `{"statusCode":200,"headers":{"Connection":"close","Content-Length":"99","Transfer-Encoding":"chunked"}}`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}},
		{name: "null fields", raw: `{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":null,"isBase64Encoded":null}`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}},
		{name: "missing statusCode", raw: `{"body":"x"}`, invalid: true},
		{name: "string statusCode", raw: `{"statusCode":"200"}`, invalid: true},
		{name: "fractional statusCode", raw: `{"statusCode":200.5}`, invalid: true},
		{name: "status out of range", raw: `{"statusCode":99}`, invalid: true},
		{name: "informational status", raw: `{"statusCode":101}`, invalid: true},
		{name: "object body", raw: `{"statusCode":200,"body":{"a":1}}`, invalid: true},
		{name: "array result", raw: `[1]`, invalid: true},
		{name: "string result", raw: `"hi"`, invalid: true},
		{name: "not JSON", raw: `hello`, invalid: true},
		{name: "empty", raw: ``, invalid: true},
		{name: "bad base64", raw: `{"statusCode":200,"headers":{"content-type":"image/png"},"body":"!!","isBase64Encoded":true}`, types: []string{"*/*"}, invalid: true},
		{name: "string isBase64Encoded", raw: `{"statusCode":200,"isBase64Encoded":"true"}`, invalid: true},
		{name: "header value object", raw: `{"statusCode":200,"headers":{"a":{}}}`, invalid: true},
		{name: "header name with space", raw: `{"statusCode":200,"headers":{"a b":"1"}}`, invalid: true},
		{name: "header value with newline", raw: `{"statusCode":200,"headers":{"a":"1\r\nInjected: yes"}}`, invalid: true},
		{name: "multi value not a list", raw: `{"statusCode":200,"multiValueHeaders":{"a":"1"}}`, invalid: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := parseRESTResult([]byte(tc.raw), tc.types, tc.accept)
			checkReply(t, rep, err, tc.invalid, tc.status, tc.header, tc.body)
		})
	}
}

func TestParseV2Result(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		status    int
		header    http.Header
		body      string
		invalid   bool
	}{
		{name: "full", raw: `{"statusCode":201,"headers":{"x-a":"1,2","content-type":"text/html"},"cookies":["a=1; Path=/","b=2"],"body":"<p>","isBase64Encoded":false}`,
			status: 201, header: http.Header{"X-A": {"1,2"}, "Content-Type": {"text/html"}, "Set-Cookie": {"a=1; Path=/", "b=2"}}, body: "<p>"},
		{name: "multiValueHeaders ignored", raw: `{"statusCode":200,"multiValueHeaders":{"x-a":["1"]}}`, status: 200, header: http.Header{}},
		{name: "base64", raw: `{"statusCode":200,"body":"AP8=","isBase64Encoded":true}`, status: 200, header: http.Header{}, body: "\x00\xff"},
		{name: "object without statusCode", raw: `{"message":"hi"}`, status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `{"message":"hi"}`},
		{name: "object with body but no statusCode", raw: ` {"body":"x"} `, status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `{"body":"x"}`},
		{name: "string", raw: `"hello"`, status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `"hello"`},
		{name: "number", raw: `42`, status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `42`},
		{name: "null", raw: `null`, status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `null`},
		{name: "not JSON", raw: `hello`, invalid: true},
		{name: "empty", raw: ``, invalid: true},
		{name: "null statusCode", raw: `{"statusCode":null}`, invalid: true},
		{name: "bad cookies", raw: `{"statusCode":200,"cookies":"a=1"}`, invalid: true},
		{name: "multi-value headers in headers", raw: `{"statusCode":200,"headers":{"a":["1"]}}`, invalid: true},
		{name: "body number", raw: `{"statusCode":200,"body":5}`, invalid: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := parseV2Result([]byte(tc.raw))
			checkReply(t, rep, err, tc.invalid, tc.status, tc.header, tc.body)
		})
	}
}

func TestParseALBResult(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		multi     bool
		status    int
		header    http.Header
		body      string
		invalid   bool
	}{
		{name: "single", raw: `{"statusCode":200,"statusDescription":"200 OK","headers":{"content-type":"text/plain","set-cookie":"a=1"},"multiValueHeaders":{"x-no":["1"]},"body":"hi","isBase64Encoded":false}`,
			status: 200, header: http.Header{"Content-Type": {"text/plain"}, "Set-Cookie": {"a=1"}}, body: "hi"},
		{name: "multi", multi: true, raw: `{"statusCode":404,"statusDescription":"404 Not Found","headers":{"x-no":"1"},"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"body":"aGk=","isBase64Encoded":true}`,
			status: 404, header: http.Header{"Set-Cookie": {"a=1", "b=2"}}, body: "hi"},
		{name: "missing statusCode", raw: `{"body":"x"}`, invalid: true},
		{name: "statusDescription not a string", raw: `{"statusCode":200,"statusDescription":200}`, invalid: true},
		{name: "over 1 MB", raw: `{"statusCode":200,"body":"` + strings.Repeat("a", MaxALBResult) + `"}`, invalid: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := parseALBResult([]byte(tc.raw), tc.multi)
			checkReply(t, rep, err, tc.invalid, tc.status, tc.header, tc.body)
		})
	}
}

func TestParseStreamPrelude(t *testing.T) {
	rep, err := parseStreamPrelude([]byte(`{"headers":{"a":"1","b":["2","3"]},"cookies":["c=1"]}`))
	checkReply(t, rep, err, false, 200, http.Header{"A": {"1"}, "B": {"2", "3"}, "Set-Cookie": {"c=1"}}, "")
	for _, bad := range []string{``, `[]`, `{"statusCode":"x"}`, `{"headers":5}`, `{"cookies":[1]}`, `{"headers":{"a":[{}]}}`} {
		if _, err := parseStreamPrelude([]byte(bad)); !isInvalid(err) {
			t.Errorf("%q: err = %v, want an invalid response", bad, err)
		}
	}
}

func isInvalid(err error) bool {
	var inv *invalidResult
	return errors.As(err, &inv)
}

func checkReply(t *testing.T, rep *reply, err error, wantInvalid bool, status int, header http.Header, body string) {
	t.Helper()
	if wantInvalid {
		if !isInvalid(err) {
			t.Fatalf("err = %v, want an invalid response", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if rep.status != status {
		t.Errorf("status %d, want %d", rep.status, status)
	}
	if string(rep.body) != body {
		t.Errorf("body %q, want %q", rep.body, body)
	}
	if len(rep.header) != len(header) {
		t.Errorf("headers %v, want %v", rep.header, header)
	}
	for k, want := range header {
		got := rep.header.Values(k)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
}

// FuzzParseResult: whatever bytes a function returns, each front door's parser yields a response
// that can go on the wire or the documented invalid-response error; it never panics.
func FuzzParseResult(f *testing.F) {
	for _, seed := range []string{okResult, `{"statusCode":200,"multiValueHeaders":{"a":["1",2,null]}}`,
		`{"statusCode":200,"cookies":["a"],"body":"AA==","isBase64Encoded":true}`, `"x"`, `{`, `null`, `[]`,
		`{"statusCode":1e3}`, `{"headers":{"a":"b"}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		check := func(name string, rep *reply, err error) {
			if err != nil {
				if !isInvalid(err) {
					t.Fatalf("%s: error %v is not an invalid-response error", name, err)
				}
				return
			}
			if rep.status < 200 || rep.status > 599 {
				t.Fatalf("%s: status %d", name, rep.status)
			}
			for k, vs := range rep.header {
				if !validHeaderName(k) {
					t.Fatalf("%s: header name %q", name, k)
				}
				for _, v := range vs {
					if strings.ContainsAny(v, "\r\n\x00") {
						t.Fatalf("%s: header value %q", name, v)
					}
				}
			}
		}
		rep, err := parseRESTResult(raw, []string{"*/*"}, "*/*")
		check("rest", rep, err)
		rep, err = parseV2Result(raw)
		check("v2", rep, err)
		rep, err = parseALBResult(raw, false)
		check("alb", rep, err)
		rep, err = parseALBResult(raw, true)
		check("alb-multi", rep, err)
		rep, err = parseStreamPrelude(raw)
		check("prelude", rep, err)
		if prelude, _, err := readPrelude(bytes.NewReader(raw)); err == nil {
			rep, err = parseStreamPrelude(prelude)
			check("stream", rep, err)
		} else if !errors.Is(err, errNoPrelude) {
			t.Fatalf("readPrelude: %v", err)
		}
	})
}
