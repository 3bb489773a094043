package adapter

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// FuzzInvocation feeds arbitrary payloads through the whole invocation path (decode, request to
// an app, result encoding). Every payload must end in exactly one posted result or error, and the
// adapter must keep serving: bad input costs one invocation, never the environment.
func FuzzInvocation(f *testing.F) {
	for _, seed := range [][]byte{
		urlEvent("POST", "/a b", "x=1", map[string]string{"content-type": "text/plain"}, []string{"c=1"}, []byte("hi"), false),
		restEvent("GET", "/r", [][2]string{{"q", "v"}}, [][2]string{{"X", "1"}, {"X", "2"}}, nil, false),
		sqsEvent("m"),
		[]byte(`{"requestContext":{"elb":{}},"httpMethod":"GET","path":"/","headers":{},"body":"","isBase64Encoded":true}`),
		[]byte(`{"version":"2.0","rawPath":"/../..\\x","requestContext":{"http":{"method":"GET"}},"body":"%%%","isBase64Encoded":true}`),
		[]byte(`null`), []byte(`[]`), []byte(`{"httpMethod":1}`), []byte("\xff\xfe"),
	} {
		f.Add(seed)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header()["X-Path"] = []string{r.URL.Path}
		w.Write([]byte(r.URL.RawQuery))
	})
	h := startAdapter(f, inProcessApp(f, app), nil, env{"AWS_LAMBDA_LOG_LEVEL": "error"})
	f.Fuzz(func(t *testing.T, payload []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := h.srv.Invoke(ctx, payload, nil)
		if err != nil {
			t.Fatalf("no result: %v", err)
		}
		if res.Error == nil && !json.Valid(res.Body) {
			t.Fatalf("result is not JSON: %q", res.Body)
		}
		if res.Error != nil && (res.Error.Type == "" || res.Error.Message == "") {
			t.Fatalf("error without type or message: %+v", res.Error)
		}
	})
}
