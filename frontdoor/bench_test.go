package frontdoor

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slipway-dev/slipway/local"
)

// BenchmarkFrontDoor measures what a front door adds to each request: reading the request,
// building and encoding the event, parsing the result and writing the response. The function is
// an in-memory fake, so the number is the front door's own cost.
func BenchmarkFrontDoor(b *testing.B) {
	res := `{"statusCode":200,"headers":{"content-type":"application/json"},"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"cookies":["a=1","b=2"],"body":"{\"ok\":true}"}`
	for _, cfg := range allKinds {
		b.Run(kindName(cfg), func(b *testing.B) {
			fn := &benchFn{result: []byte(res)}
			cfg.Log = io.Discard
			h, err := New(cfg, fn)
			if err != nil {
				b.Fatal(err)
			}
			body := []byte(`{"name":"slipway","items":[1,2,3]}`)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodPost, "/prod/items/42?expand=true&x=1", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("User-Agent", "bench")
				req.Header.Set("Cookie", "session=abc; theme=dark")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkStreamRelay measures relaying a 1 MiB streamed response in 16 KiB chunks.
func BenchmarkStreamRelay(b *testing.B) {
	chunk := strings.Repeat("x", 16<<10)
	h, err := New(Config{Kind: URL, Streaming: true, Log: io.Discard}, &streamBenchFn{chunk: chunk, chunks: 64})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(chunk) * 64))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Body.Len() != len(chunk)*64 {
			b.Fatalf("relayed %d bytes", rec.Body.Len())
		}
	}
}

type benchFn struct{ result []byte }

func (f *benchFn) Invoke(_ context.Context, req *local.Request) (*local.Response, error) {
	return &local.Response{RequestID: "r", Body: io.NopCloser(bytes.NewReader(f.result))}, nil
}

type streamBenchFn struct {
	chunk  string
	chunks int
}

func (f *streamBenchFn) Invoke(_ context.Context, req *local.Request) (*local.Response, error) {
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, `{"statusCode":200,"headers":{"content-type":"text/plain"}}`+"\x00\x00\x00\x00\x00\x00\x00\x00")
		for i := 0; i < f.chunks; i++ {
			_, _ = io.WriteString(pw, f.chunk)
		}
		pw.Close()
	}()
	return &local.Response{RequestID: "r", Streaming: true, Body: pr}, nil
}
