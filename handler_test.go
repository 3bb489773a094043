package slipway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// v2Event builds an HTTP API (payload 2.0) event.
func v2Event(method, path, query string, headers map[string]string, body []byte, base64Body bool) []byte {
	if headers == nil {
		headers = map[string]string{}
	}
	ev := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
		"headers": headers,
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "api1", "domainName": "api1.execute-api.us-east-1.amazonaws.com",
			"domainPrefix": "api1", "requestId": "rid", "routeKey": "$default", "stage": "$default",
			"time": "21/Apr/2020:15:08:21 +0000", "timeEpoch": 1587481701067,
			"http": map[string]any{"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "test"},
		},
		"isBase64Encoded": base64Body,
	}
	if body != nil {
		if base64Body {
			ev["body"] = base64.StdEncoding.EncodeToString(body)
		} else {
			ev["body"] = string(body)
		}
	}
	b, _ := json.Marshal(ev)
	return b
}

// v2Response is the HTTP API 2.0 result shape.
type v2Response struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Cookies         []string          `json:"cookies"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func decodeV2(t testing.TB, out []byte) v2Response {
	t.Helper()
	var r v2Response
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, out)
	}
	return r
}

func (r v2Response) header(name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (r v2Response) body(t testing.TB) []byte {
	if !r.IsBase64Encoded {
		return []byte(r.Body)
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func invoke(t testing.TB, h http.Handler, payload []byte, opts ...Option) ([]byte, error) {
	t.Helper()
	opts = append([]Option{WithLogger(quietLogger())}, opts...)
	return NewHandler(h, opts...).Invoke(context.Background(), payload)
}

func TestInvokeRequestAndResponse(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1; Path=/")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Add("X-Multi", "1")
		w.Header().Add("X-Multi", "2")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"ok":`)
		w.Write([]byte(`true}`))
	})
	out, err := invoke(t, h, v2Event("POST", "/items/42", "q=1&q=2", map[string]string{"x-req": "v"}, []byte("payload"), false))
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != "POST" || got.URL.Path != "/items/42" || got.URL.RawQuery != "q=1&q=2" || got.Header.Get("X-Req") != "v" || string(gotBody) != "payload" {
		t.Errorf("request %s %s?%s headers %v body %q", got.Method, got.URL.Path, got.URL.RawQuery, got.Header, gotBody)
	}
	r := decodeV2(t, out)
	if r.StatusCode != 201 || string(r.body(t)) != `{"ok":true}` || r.IsBase64Encoded || r.header("Content-Type") != "application/json" {
		t.Errorf("response %+v", r)
	}
	if r.header("X-Multi") != "1,2" || len(r.Cookies) != 2 || r.Cookies[0] != "a=1; Path=/" {
		t.Errorf("headers %v cookies %v", r.Headers, r.Cookies)
	}
}

func TestInvokeDefaults(t *testing.T) {
	for _, tc := range []struct {
		name       string
		h          http.HandlerFunc
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"nothing written", func(w http.ResponseWriter, r *http.Request) {}, 200, "", ""},
		{"html sniffed", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<!DOCTYPE html><p>hi") }, 200, "text/html; charset=utf-8", "<!DOCTYPE html><p>hi"},
		{"text sniffed", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain words") }, 200, "text/plain; charset=utf-8", "plain words"},
		{"explicit type kept", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/csv")
			io.WriteString(w, "<html>")
		}, 200, "text/csv", "<html>"},
		{"superfluous WriteHeader ignored", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			w.WriteHeader(500)
			io.WriteString(w, "x")
		}, 404, "text/plain; charset=utf-8", "x"},
		{"1xx ignored", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusAccepted)
		}, 202, "", ""},
		{"204 refuses a body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(204)
			if _, err := io.WriteString(w, "x"); !errors.Is(err, http.ErrBodyNotAllowed) {
				panic("write to a 204 succeeded")
			}
		}, 204, "", ""},
		{"flush and deadlines accepted", func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			if err := rc.SetWriteDeadline(time.Time{}); err != nil {
				panic(err)
			}
			if err := rc.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
				panic(err)
			}
			if err := rc.EnableFullDuplex(); err != nil {
				panic(err)
			}
			io.WriteString(w, "a")
			if err := rc.Flush(); err != nil {
				panic(err)
			}
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		}, 200, "text/plain; charset=utf-8", "ab"},
		{"trailers become headers", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Checksum")
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "body")
			w.Header().Set("X-Checksum", "abc")
			w.Header().Set(http.TrailerPrefix+"X-Late", "late")
		}, 200, "text/plain", "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := invoke(t, tc.h, v2Event("GET", "/", "", nil, nil, false))
			if err != nil {
				t.Fatal(err)
			}
			r := decodeV2(t, out)
			if r.StatusCode != tc.wantStatus || r.header("Content-Type") != tc.wantType || string(r.body(t)) != tc.wantBody {
				t.Errorf("got %d %q %q, want %d %q %q", r.StatusCode, r.header("Content-Type"), r.body(t), tc.wantStatus, tc.wantType, tc.wantBody)
			}
			if tc.name == "trailers become headers" {
				if r.header("X-Checksum") != "abc" || r.header("X-Late") != "late" || r.header("Trailer") != "" {
					t.Errorf("trailers: %v", r.Headers)
				}
			}
		})
	}
}

func TestInvokeHEADDiscardsBody(t *testing.T) {
	out, err := invoke(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if n, err := io.WriteString(w, "body of GET"); n != 11 || err != nil {
			panic("HEAD write failed")
		}
	}), v2Event("HEAD", "/", "", nil, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	if r := decodeV2(t, out); r.StatusCode != 200 || r.Body != "" {
		t.Errorf("HEAD response %+v", r)
	}
}

func TestInvokeBinary(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00binary\xff")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.URL.Query().Get("type"))
		w.Write(png)
	})
	for _, tc := range []struct {
		typ        string
		opts       []Option
		wantBase64 bool
	}{
		{"image/png", nil, true},
		{"image/png", []Option{WithBinaryContentTypes("image/*")}, true},
		{"application/x-custom", []Option{WithBinaryContentTypes("image/*", "application/x-custom")}, true},
		{"text/plain", []Option{WithBinaryContentTypes("*/*")}, true},
		{"image/png", []Option{WithBinary(func(http.Header) bool { return false })}, true}, // not UTF-8: base64 regardless
	} {
		out, err := invoke(t, h, v2Event("GET", "/", "type="+tc.typ, nil, nil, false), tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		r := decodeV2(t, out)
		if r.IsBase64Encoded != tc.wantBase64 || !bytes.Equal(r.body(t), png) {
			t.Errorf("%s: base64 %v, body %q", tc.typ, r.IsBase64Encoded, r.body(t))
		}
	}
	// A text type made binary by the option is base64-encoded even when it is valid UTF-8.
	out, _ := invoke(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello")
	}), v2Event("GET", "/", "", nil, nil, false), WithBinary(func(http.Header) bool { return true }))
	if r := decodeV2(t, out); !r.IsBase64Encoded || string(r.body(t)) != "hello" {
		t.Errorf("WithBinary(true): %+v", r)
	}
}

func TestInvokePanicBecomes500(t *testing.T) {
	var logs bytes.Buffer
	hd := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Partial", "1")
		io.WriteString(w, "partial")
		if r.URL.Path == "/panic" {
			panic("kaboom")
		}
	}), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	secret := "Bearer s3cr3t-token"
	out, err := hd.Invoke(context.Background(), v2Event("GET", "/panic", "", map[string]string{"authorization": secret, "cookie": "session=abc"}, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	r := decodeV2(t, out)
	if r.StatusCode != 500 || r.Body != "Internal Server Error\n" || r.header("X-Partial") != "" {
		t.Errorf("panic response %+v", r)
	}
	l := logs.String()
	if !strings.Contains(l, "kaboom") || !strings.Contains(l, "TestInvokePanicBecomes500") || !strings.Contains(l, `"path":"/panic"`) {
		t.Errorf("panic log lacks the value, stack or path: %s", l)
	}
	if strings.Contains(l, "s3cr3t") || strings.Contains(l, "session=abc") {
		t.Errorf("panic log leaks credentials: %s", l)
	}
	// The handler goes on serving.
	out, err = hd.Invoke(context.Background(), v2Event("GET", "/fine", "", nil, nil, false))
	if r := decodeV2(t, out); err != nil || r.StatusCode != 200 || r.Body != "partial" || r.header("X-Partial") != "1" {
		t.Errorf("after the panic: %+v %v", r, err)
	}
}

func TestInvokeErrors(t *testing.T) {
	big := bytes.Repeat([]byte("a"), runtimeapi.MaxResponseSize+1)
	for _, tc := range []struct {
		name     string
		h        http.HandlerFunc
		payload  []byte
		wantType string
		wantMsg  string
	}{
		{"ErrAbortHandler", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "half")
			panic(http.ErrAbortHandler)
		}, nil, ErrorTypeHandlerAborted, "ErrAbortHandler"},
		{"body too large", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			if _, err := w.Write(big); err == nil {
				panic("oversize write succeeded")
			}
		}, nil, ErrorTypeResponseTooLarge, "6291557-byte body"},
		{"body too large in small writes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			chunk := bytes.Repeat([]byte("b"), 1<<20)
			for range 7 {
				w.Write(chunk)
			}
		}, nil, ErrorTypeResponseTooLarge, "7340032-byte body"},
		{"encoded too large", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(bytes.Repeat([]byte{0xff}, 5<<20)) // fits raw, not in base64
		}, nil, ErrorTypeResponseTooLarge, "exceeded maximum allowed payload size (6291556 bytes)"},
		{"malformed event", func(w http.ResponseWriter, r *http.Request) {}, []byte(`{"version":"2.0",`), event.ErrorTypeMalformedEvent, ""},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) {}, []byte(`hello`), event.ErrorTypeMalformedEvent, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := tc.payload
			if payload == nil {
				payload = v2Event("GET", "/", "", nil, nil, false)
			}
			out, err := invoke(t, tc.h, payload)
			if err == nil {
				t.Fatalf("no error; result %.200s", out)
			}
			if got := runtimeapi.ErrorTypeOf(err); got != tc.wantType || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q of type %q, want type %q containing %q", err, got, tc.wantType, tc.wantMsg)
			}
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	h := http.NotFoundHandler()
	for _, tc := range []struct {
		opt  Option
		want string
	}{
		{WithBasePath("prod"), `WithBasePath("prod"): the path must start with "/"`},
		{WithPassThroughPath("events"), `WithPassThroughPath("events")`},
		{WithShutdownTimeout(0), "WithShutdownTimeout(0s)"},
		{WithShutdownTimeout(-time.Second), "must be positive"},
		{WithBinaryContentTypes("png"), `WithBinaryContentTypes("png")`},
	} {
		hd := NewHandler(h, tc.opt)
		_, err := hd.Invoke(context.Background(), v2Event("GET", "/", "", nil, nil, false))
		if err == nil || !strings.Contains(err.Error(), tc.want) || hd.Err() == nil {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
		if err := ListenAndServe("127.0.0.1:0", h, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ListenAndServe: %v", err)
		}
	}
	if _, err := NewHandler(nil).Invoke(context.Background(), []byte(`{}`)); err == nil {
		t.Error("nil handler accepted")
	}
	// Valid forms.
	if hd := NewHandler(h, WithBasePath("/prod/"), WithPassThroughPath("/sqs"), WithShutdownTimeout(time.Second), WithBinaryContentTypes("image/*", "*/*"), nil); hd.Err() != nil {
		t.Error(hd.Err())
	}
}

func TestInvokeBasePathAndPassThrough(t *testing.T) {
	var paths []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		if r.URL.Path == "/queue" {
			body, _ := io.ReadAll(r.Body)
			if !json.Valid(body) || !bytes.Contains(body, []byte(`"Records"`)) {
				w.WriteHeader(400)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"batchItemFailures":[]}`)
			return
		}
		if r.URL.Path == "/fail" {
			w.WriteHeader(503)
		}
	})
	hd := NewHandler(h, WithBasePath("/prod"), WithPassThroughPath("/queue"), WithLogger(quietLogger()))
	if _, err := hd.Invoke(context.Background(), v2Event("GET", "/prod/users", "", nil, nil, false)); err != nil {
		t.Fatal(err)
	}
	if _, err := hd.Invoke(context.Background(), v2Event("GET", "/products", "", nil, nil, false)); err != nil {
		t.Fatal(err)
	}
	out, err := hd.Invoke(context.Background(), readEvent(t, "sqs-event.json"))
	if err != nil || string(out) != `{"batchItemFailures":[]}` {
		t.Errorf("pass-through result %s, %v", out, err)
	}
	want := []string{"GET /users", "GET /products", "POST /queue"}
	if strings.Join(paths, ",") != strings.Join(want, ",") {
		t.Errorf("paths %v, want %v", paths, want)
	}
	// A 5xx from the pass-through route fails the invocation (so SQS redelivers).
	hd = NewHandler(h, WithPassThroughPath("/fail"), WithLogger(quietLogger()))
	if _, err := hd.Invoke(context.Background(), readEvent(t, "sqs-event.json")); err == nil {
		t.Error("pass-through 503 did not fail the invocation")
	}
}

func TestInvokeSamples(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := EventFromContext(r.Context())
		if !ok {
			panic("no event in the request context")
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, ev.Source.String()+" "+r.Method+" "+r.URL.Path)
	})
	for file, want := range map[string]string{
		"apigw-request.json":                          "/hello/world",
		"apigw-v2-request-no-authorizer.json":         "GET /",
		"alb-lambda-target-request-headers-only.json": "GET /",
		"lambda-urls-request.json":                    "POST /my/path",
	} {
		out, err := invoke(t, h, readEvent(t, file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		var r struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if json.Unmarshal(out, &r) != nil || r.StatusCode != 200 || !strings.Contains(r.Body, want) {
			t.Errorf("%s: result %s, want a body containing %q", file, out, want)
		}
	}
}

func TestInvokeContext(t *testing.T) {
	deadline := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	type key struct{}
	ctx = context.WithValue(ctx, key{}, "from the runtime")
	var sawDeadline time.Time
	var sawValue any
	var sawInvocation bool
	var rc struct {
		Stage string `json:"stage"`
		HTTP  struct {
			SourceIP string `json:"sourceIp"`
		} `json:"http"`
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawDeadline, _ = r.Context().Deadline()
		sawValue = r.Context().Value(key{})
		_, sawInvocation = InvocationFromContext(r.Context())
		ev, _ := EventFromContext(r.Context())
		if err := ev.DecodeRequestContext(&rc); err != nil {
			panic(err)
		}
	})
	if _, err := NewHandler(h).Invoke(ctx, v2Event("GET", "/", "", nil, nil, false)); err != nil {
		t.Fatal(err)
	}
	if !sawDeadline.Equal(deadline) || sawValue != "from the runtime" || sawInvocation {
		t.Errorf("deadline %v value %v invocation %v", sawDeadline, sawValue, sawInvocation)
	}
	if rc.Stage != "$default" || rc.HTTP.SourceIP != "1.2.3.4" {
		t.Errorf("request context %+v", rc)
	}
}

// TestPooledWritersStartClean checks that nothing of one response leaks into the next.
func TestPooledWritersStartClean(t *testing.T) {
	hd := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/first" {
			w.Header().Set("X-First", "1")
			w.WriteHeader(418)
			io.WriteString(w, "first body")
			return
		}
		io.WriteString(w, "2")
	}))
	for range 50 {
		hd.Invoke(context.Background(), v2Event("GET", "/first", "", nil, nil, false))
		out, err := hd.Invoke(context.Background(), v2Event("GET", "/second", "", nil, nil, false))
		r := decodeV2(t, out)
		if err != nil || r.StatusCode != 200 || r.Body != "2" || r.header("X-First") != "" {
			t.Fatalf("second response %+v %v", r, err)
		}
	}
}

// A client cannot hand the handler a forged Lambda context through the headers the adapter uses:
// the library drops them, and the real context comes only from EventFromContext/InvocationFromContext.
func TestInvokeDropsForgedContextHeaders(t *testing.T) {
	var got http.Header
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() })
	forged := map[string]string{
		"x-amzn-request-context": `{"authorizer":{"claims":{"admin":"true"}}}`,
		"x-amzn-lambda-context":  `{"request_id":"forged"}`,
		"x-amz-tenant-id":        "someone-else",
		"x-visible":              "kept",
	}
	if _, err := NewHandler(h).Invoke(context.Background(), v2Event("GET", "/", "", forged, nil, false)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{event.HeaderRequestContext, event.HeaderLambdaContext, event.HeaderTenantID} {
		if v := got.Values(name); len(v) > 0 {
			t.Errorf("forged %s reached the handler: %q", name, v)
		}
	}
	if got.Get("X-Visible") != "kept" {
		t.Errorf("ordinary header lost: %v", got)
	}
}
