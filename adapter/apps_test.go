package adapter

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/event"

	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// TestApps runs every scenario the brief lists against the real Go, Node (Express) and Python
// apps, through the adapter and an in-process Runtime API.
func TestApps(t *testing.T) {
	for _, app := range testApps {
		t.Run(app.name, func(t *testing.T) {
			_, port := startApp(t, app)
			buffered := startAdapter(t, port, nil, env{"AWS_LWA_ERROR_STATUS_CODES": "500-599"})

			t.Run("methods query repeated headers", func(t *testing.T) {
				for _, method := range []string{"GET", "POST", "PUT", "DELETE"} {
					var body []byte
					if method != "GET" {
						body = []byte(`{"n":1,"method":"` + method + `"}`)
					}
					r := parseResult(t, buffered.invoke(restEvent(method, "/echo",
						[][2]string{{"a", "1"}, {"a", "2"}, {"q", "x y&z"}},
						[][2]string{{"X-Rep", "one"}, {"X-Rep", "two"}, {"Content-Type", "application/json"}, {"Host", "api.example.com"}},
						body, false), nil))
					if r.StatusCode != 200 {
						t.Fatalf("%s: status %d", method, r.StatusCode)
					}
					e := parseEcho(t, r)
					q, err := url.ParseQuery(e.Query)
					if e.Method != method || e.Path != "/echo" || err != nil || strings.Join(q["a"], ",") != "1,2" || q.Get("q") != "x y&z" ||
						!strings.HasPrefix(e.Query, "a=1&a=2&q=") {
						t.Errorf("%s: app saw %s %s ? %s", method, e.Method, e.Path, e.Query)
					}
					if got := e.header("X-Rep"); strings.Join(got, ",") != "one,two" {
						t.Errorf("%s: repeated header arrived as %q", method, got)
					}
					if got := e.header("Host"); len(got) != 1 || got[0] != "api.example.com" {
						t.Errorf("%s: Host %q, want the public host", method, got)
					}
					if !bytes.Equal(e.bodyBytes(t), body) {
						t.Errorf("%s: body %q", method, e.bodyBytes(t))
					}
					for _, h := range []string{event.HeaderRequestContext, event.HeaderLambdaContext, event.HeaderTraceID} {
						if len(e.header(h)) != 1 {
							t.Errorf("%s: %s: %q", method, h, e.header(h))
						}
					}
				}
			})

			t.Run("cookies both ways", func(t *testing.T) {
				r := parseResult(t, buffered.invoke(urlEvent("GET", "/cookies", "", nil, []string{"x=1", "y=2"}, nil, false), nil))
				if got := string(r.body(t)); got != "x=1; y=2" {
					t.Errorf("app saw Cookie %q", got)
				}
				if strings.Join(r.Cookies, "|") != "a=1; Path=/|b=2; Path=/; HttpOnly" {
					t.Errorf("result cookies %q", r.Cookies)
				}
			})

			t.Run("binary upload", func(t *testing.T) {
				payload := make([]byte, 300<<10)
				rand.New(rand.NewSource(1)).Read(payload)
				sum := sha256.Sum256(payload)
				r := parseResult(t, buffered.invoke(urlEvent("POST", "/upload", "", map[string]string{"content-type": "application/octet-stream"}, nil, payload, true), nil))
				var got struct {
					Size   int    `json:"size"`
					SHA256 string `json:"sha256"`
				}
				if err := json.Unmarshal(r.body(t), &got); err != nil {
					t.Fatal(err)
				}
				if got.Size != len(payload) || got.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("app received %d bytes %s, want %d %x", got.Size, got.SHA256, len(payload), sum)
				}
			})

			t.Run("binary download", func(t *testing.T) {
				r := parseResult(t, buffered.invoke(urlEvent("GET", "/binary", "n=200000", nil, nil, nil, false), nil))
				if !r.IsBase64Encoded {
					t.Fatal("octet-stream body not base64-encoded")
				}
				b := r.body(t)
				if len(b) != 200000 {
					t.Fatalf("%d bytes", len(b))
				}
				for i, c := range b {
					if c != byte(i%251) {
						t.Fatalf("byte %d is %d, want %d", i, c, i%251)
					}
				}
			})

			t.Run("error status fails the invocation", func(t *testing.T) {
				res := buffered.invoke(urlEvent("GET", "/fail", "", nil, nil, nil, false), nil)
				if res.Error == nil {
					t.Fatalf("a listed 500 succeeded: %s", res.Body)
				}
				if res.Error.Type != ErrorTypeErrorStatus || res.Error.Message != `{"statusCode":500,"body":"boom"}` {
					t.Errorf("error %s: %s", res.Error.Type, res.Error.Message)
				}
			})

			t.Run("pass-through", func(t *testing.T) {
				res := buffered.invoke(sqsEvent("hello"), nil)
				if res.Error != nil {
					t.Fatalf("%s: %s", res.Error.Type, res.Error.Message)
				}
				var got struct {
					Received struct {
						Records []struct {
							Body string `json:"body"`
						}
					} `json:"received"`
				}
				if err := json.Unmarshal(res.Body, &got); err != nil || len(got.Received.Records) != 1 || got.Received.Records[0].Body != "hello" {
					t.Errorf("pass-through result %s (%v)", res.Body, err)
				}
			})

			t.Run("streamed response", func(t *testing.T) {
				streaming := startAdapter(t, port, nil, env{"AWS_LWA_INVOKE_MODE": "response_stream"})
				var mu sync.Mutex
				var arrivals []time.Time
				var pieces []string
				res := streaming.invoke(urlEvent("GET", "/stream", "", nil, nil, nil, false), &runtimeapitest.InvokeOptions{
					OnChunk: func(p []byte) {
						mu.Lock()
						defer mu.Unlock()
						arrivals = append(arrivals, time.Now())
						pieces = append(pieces, string(p))
					},
				})
				if res.Error != nil || !res.Streamed {
					t.Fatalf("streamed=%v error=%v", res.Streamed, res.Error)
				}
				prelude, body, ok := bytes.Cut(res.Body, make([]byte, 8))
				if !ok {
					t.Fatalf("no 8-NUL delimiter in %q", res.Body)
				}
				var p struct {
					StatusCode int               `json:"statusCode"`
					Headers    map[string]string `json:"headers"`
				}
				err := json.Unmarshal(prelude, &p)
				ct := ""
				for k, v := range p.Headers {
					if strings.EqualFold(k, "content-type") {
						ct = v
					}
				}
				if err != nil || p.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("prelude %s (%v)", prelude, err)
				}
				if string(body) != "chunk-0\nchunk-1\nchunk-2\n" {
					t.Errorf("body %q", body)
				}
				// The app sleeps 100 ms between chunks: if the adapter forwarded them as they came,
				// the first body chunk reached the Runtime API well before the last one.
				mu.Lock()
				defer mu.Unlock()
				first, last := -1, -1
				for i, s := range pieces {
					if strings.Contains(s, "chunk-0") && first < 0 {
						first = i
					}
					if strings.Contains(s, "chunk-2") {
						last = i
					}
				}
				if first < 0 || last <= first || arrivals[last].Sub(arrivals[first]) < 150*time.Millisecond {
					t.Errorf("chunks were not forwarded as they were written: %q", pieces)
				}
			})
		})
	}
}
