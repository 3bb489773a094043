package event

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var errorTypes = []string{ErrorTypeMalformedEvent, ErrorTypeInvalidBase64, ErrorTypePassThroughStatus, ErrorTypeResponseTooLarge}

// FuzzDecode feeds arbitrary payloads to the decoder: it must return a well-formed request or
// an *Error that says what is wrong, never panic, and agree with encoding/json on what JSON is.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	d, _ := NewDecoder(Options{BasePath: "/prod"})
	f.Fuzz(func(t *testing.T, payload []byte) {
		owned := bytes.Clone(payload)
		ri, evi, erri := d.DecodeInPlace(context.Background(), owned)
		r, ev, err := d.Decode(context.Background(), payload)
		checkSameDecoding(t, r, ev, err, ri, evi, erri)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !slices.Contains(errorTypes, e.Type) || e.Message == "" {
				t.Fatalf("error %#v is not a typed *Error", err)
			}
			syntax := strings.Contains(e.Message, "invalid JSON")
			if valid := json.Valid(payload); valid == syntax {
				t.Fatalf("json.Valid = %v but Decode says %q", valid, e.Message)
			}
			return
		}
		if !json.Valid(payload) && len(bytes.Trim(payload, " \t\r\n")) > 0 {
			t.Fatalf("invalid JSON decoded as %s", ev.Source)
		}
		body := checkRequest(t, r, ev)
		if ev.Source == NonHTTP {
			if r.Method != http.MethodPost || !bytes.Equal(body, payload) || r.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("pass-through request %s %q", r.Method, body)
			}
		}
		out, err := ev.AppendResponse(nil, 200, http.Header{"X": {"y"}}, []byte("ok"), nil)
		if err != nil || !json.Valid(out) {
			t.Fatalf("response %q, %v", out, err)
		}
	})
}

// checkRequest verifies what a handler relies on in any decoded request, and returns its body.
func checkRequest(t *testing.T, r *http.Request, ev *Event) []byte {
	t.Helper()
	if !validHeaderName(r.Method) || r.Proto != "HTTP/1.1" || r.ProtoMajor != 1 || r.ProtoMinor != 1 {
		t.Fatalf("method %q proto %q", r.Method, r.Proto)
	}
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		t.Fatalf("RequestURI %q: %v", r.RequestURI, err)
	}
	if u.Path != r.URL.Path || u.RawQuery != r.URL.RawQuery || !strings.HasPrefix(r.RequestURI, r.URL.EscapedPath()) {
		t.Fatalf("URL %q %q %q disagrees with RequestURI %q", r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.RequestURI)
	}
	if !strings.HasPrefix(r.URL.Path, "/") {
		t.Fatalf("path %q", r.URL.Path)
	}
	for k, vs := range r.Header {
		if !validHeaderName(k) || textproto.CanonicalMIMEHeaderKey(k) != k || k == "Host" || len(vs) == 0 {
			t.Fatalf("header name %q (%d values)", k, len(vs))
		}
		for _, v := range vs {
			if !validHeaderValue([]byte(v)) {
				t.Fatalf("header %s value %q", k, v)
			}
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil || int64(len(body)) != r.ContentLength {
		t.Fatalf("body %d bytes, ContentLength %d, %v", len(body), r.ContentLength, err)
	}
	if got, ok := FromContext(r.Context()); !ok || got != ev {
		t.Fatal("event not in the request context")
	}
	if ev.RequestContext != nil && !json.Valid(ev.RequestContext) {
		t.Fatalf("requestContext %q", ev.RequestContext)
	}
	return body
}

// FuzzAppendResponse encodes arbitrary responses for every source: the result must be valid
// JSON that reads back as the same status, headers (as the source's shape carries them) and
// body.
func FuzzAppendResponse(f *testing.F) {
	f.Add(uint8(HTTPAPIV2), 200, "Content-Type\nSet-Cookie\nSet-Cookie\nX-A\nX-A", "text/plain\na=1\nb=2\n1\n2", []byte("hello"))
	f.Add(uint8(ALB), 404, "Content-Type\nTransfer-Encoding", "image/png\nchunked", []byte{0, 0xff, 0x80})
	f.Add(uint8(RESTAPI), 0, "X-Ctl\nbad name\nset-cookie", "a\r\nb\x01\xff\nv\nc=1", []byte("caf\xe9 \"\\"))
	f.Add(uint8(ALBMultiValue), 302, "Location", "/x", []byte{})
	f.Add(uint8(LatticeV2), 500, "Content-Encoding", "gzip", []byte("\x1f\x8b"))
	f.Add(uint8(NonHTTP), 200, "", "", []byte(`{"batchItemFailures":[]}`))
	f.Add(uint8(NonHTTP), 200, "", "", []byte("not json"))
	f.Fuzz(func(t *testing.T, srcByte uint8, status int, names, values string, body []byte) {
		src := Source(srcByte % uint8(LatticeV2+1))
		if status < 0 || status > 999 {
			status = 200
		}
		h := http.Header{}
		vals := strings.Split(values, "\n")
		for i, n := range strings.Split(names, "\n") {
			if n != "" && i < len(vals) {
				h[n] = append(h[n], vals[i])
			}
		}
		out, err := (&Event{Source: src}).AppendResponse(nil, status, h, body, nil)
		if src == NonHTTP {
			checkPassThrough(t, status, body, out, err)
			return
		}
		if err != nil {
			t.Fatalf("AppendResponse: %v", err)
		}
		var res result
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("invalid JSON %q: %v", out, err)
		}
		wantStatus := status
		if status == 0 {
			wantStatus = 200
		}
		if res.StatusCode != wantStatus || !bytes.Equal(res.body(t), body) {
			t.Fatalf("status %d body %q, want %d %q", res.StatusCode, res.body(t), wantStatus, body)
		}
		checkResponseHeaders(t, src, h, res)
	})
}

func checkPassThrough(t *testing.T, status int, body, out []byte, err error) {
	if status >= 500 {
		if e := asError(err); e.Type != ErrorTypePassThroughStatus || len(out) != 0 {
			t.Fatalf("status %d: %q, %v", status, out, err)
		}
		return
	}
	if err != nil || !json.Valid(out) {
		t.Fatalf("pass-through result %q, %v", out, err)
	}
	switch {
	case len(body) == 0:
		if string(out) != "null" {
			t.Fatalf("empty body gave %q", out)
		}
	case json.Valid(body):
		if !bytes.Equal(out, body) {
			t.Fatalf("JSON body %q became %q", body, out)
		}
	default:
		var s string
		if json.Unmarshal(out, &s) != nil || s != validPerByte(string(body)) {
			t.Fatalf("text body %q became %q", body, out)
		}
	}
}

// sentValue is a header value as the JSON carries it: CR and LF as spaces, bytes that are not
// UTF-8 as U+FFFD.
func sentValue(v string) string {
	return validPerByte(strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
}

func validPerByte(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for an invalid byte, n == 1
		i += n
	}
	return b.String()
}

func checkResponseHeaders(t *testing.T, src Source, h http.Header, res result) {
	t.Helper()
	wantMulti := map[string][]string{}
	wantJoined := map[string]string{}
	var wantCookies []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		vs := h[k]
		if len(vs) == 0 || !validHeaderName(k) || strings.EqualFold(k, "Transfer-Encoding") {
			continue
		}
		sent := make([]string, len(vs))
		for i, v := range vs {
			sent[i] = sentValue(v)
		}
		cookie := strings.EqualFold(k, "Set-Cookie")
		wantMulti[k] = sent
		switch {
		case cookie && (src == HTTPAPIV2 || src == FunctionURL):
			wantCookies = append(wantCookies, sent...)
		case cookie:
			wantJoined[k] = sent[0]
		case src == HTTPAPIV2 || src == FunctionURL:
			wantJoined[k] = sentValue(strings.Join(vs, ","))
		default:
			wantJoined[k] = sentValue(strings.Join(vs, ", "))
		}
	}
	switch src {
	case RESTAPI, HTTPAPIV1, ALBMultiValue:
		if !equalMulti(res.MultiValueHeaders, wantMulti) {
			t.Fatalf("multiValueHeaders %q, want %q", res.MultiValueHeaders, wantMulti)
		}
	default:
		if !equalMap(res.Headers, wantJoined) || strings.Join(res.Cookies, "\x00") != strings.Join(wantCookies, "\x00") {
			t.Fatalf("headers %q cookies %q, want %q %q", res.Headers, res.Cookies, wantJoined, wantCookies)
		}
	}
}

// checkSameDecoding requires DecodeInPlace to give what Decode gives.
func checkSameDecoding(t *testing.T, r *http.Request, ev *Event, err error, ri *http.Request, evi *Event, erri error) {
	t.Helper()
	if (err == nil) != (erri == nil) || err != nil && err.Error() != erri.Error() {
		t.Fatalf("Decode error %v, DecodeInPlace error %v", err, erri)
	}
	if err != nil {
		return
	}
	if r.Method != ri.Method || r.URL.String() != ri.URL.String() || r.Host != ri.Host || r.RemoteAddr != ri.RemoteAddr ||
		!reflect.DeepEqual(r.Header, ri.Header) || ev.Source != evi.Source || !bytes.Equal(ev.RequestContext, evi.RequestContext) {
		t.Fatalf("DecodeInPlace differs from Decode:\n%s %s %v %s\n%s %s %v %s", r.Method, r.URL, r.Header, ev.RequestContext,
			ri.Method, ri.URL, ri.Header, evi.RequestContext)
	}
	b, _ := r.GetBody()
	bi, _ := ri.GetBody()
	want, _ := io.ReadAll(b)
	got, _ := io.ReadAll(bi)
	if !bytes.Equal(want, got) || r.ContentLength != ri.ContentLength {
		t.Fatalf("DecodeInPlace body %q (%d), Decode body %q (%d)", got, ri.ContentLength, want, r.ContentLength)
	}
}
