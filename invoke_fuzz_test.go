package slipway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// FuzzInvoke feeds arbitrary payloads through the whole Invoke path with a handler that echoes
// what it received: Invoke must never panic, and every result it returns must be JSON.
func FuzzInvoke(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add(v2Event("POST", "/a%20b", "x=1&y", map[string]string{"content-type": "application/octet-stream"}, []byte{0, 1, 0xff}, true))
	f.Add([]byte(`{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},"body":"\u0000","isBase64Encoded":true}`))
	f.Add([]byte(`[]`))
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		for k, v := range r.Header {
			w.Header()["X-Echo-"+k] = v
		}
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		if r.URL.Query().Has("status") {
			w.WriteHeader(599)
		}
		w.Write([]byte(r.Method + " " + r.URL.String() + "\n"))
		w.Write(body)
	}), WithLogger(quietLogger()))
	f.Fuzz(func(t *testing.T, payload []byte) {
		out, err := h.Invoke(context.Background(), payload)
		if err == nil && !json.Valid(out) {
			t.Fatalf("Invoke returned invalid JSON for %q:\n%s", payload, out)
		}
	})
}
