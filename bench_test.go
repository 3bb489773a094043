package slipway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// trivialHandler is the benchmarks' app: a small text body and one header.
var trivialHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "Hello, world!")
})

// benchEvents are the aws-lambda-go samples plus an HTTP API event with a 256 KiB body.
func benchEvents(b *testing.B) []struct {
	name    string
	payload []byte
} {
	return []struct {
		name    string
		payload []byte
	}{
		{"v1", readEvent(b, "apigw-request.json")},
		{"v2", readEvent(b, "apigw-v2-request-no-authorizer.json")},
		{"alb", readEvent(b, "alb-lambda-target-request-headers-only.json")},
		{"url", readEvent(b, "lambda-urls-request.json")},
		{"v2-256KiB", v2Event("POST", "/upload", "", map[string]string{"content-type": "text/plain"}, bytes.Repeat([]byte("x"), 256<<10), false)},
	}
}

// BenchmarkInvoke measures Handler.Invoke: bytes in, the handler, bytes out.
func BenchmarkInvoke(b *testing.B) {
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // a real app reads the body
		trivialHandler(w, r)
	}))
	ctx := context.Background()
	for _, ev := range benchEvents(b) {
		b.Run(ev.name, func(b *testing.B) {
			if _, err := h.Invoke(ctx, ev.payload); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(ev.payload)))
			for b.Loop() {
				if _, err := h.Invoke(ctx, ev.payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInvokeLargeResponse measures a 256 KiB text response (the buffered writer and
// encoder's share).
func BenchmarkInvokeLargeResponse(b *testing.B) {
	body := bytes.Repeat([]byte("y"), 256<<10)
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	payload := readEvent(b, "apigw-v2-request-no-authorizer.json")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := h.Invoke(context.Background(), payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStart measures a whole invocation under Start: the in-process Runtime API queues the
// event, the poller takes it, Invoke's path runs, the result is posted and recorded.
func BenchmarkStart(b *testing.B) {
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	hd := NewHandler(trivialHandler, WithLogger(quietLogger()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		hd.serveLambda(ctx, func(k string) string {
			if k == "AWS_LAMBDA_RUNTIME_API" {
				return srv.Addr
			}
			return ""
		})
	}()
	payload := readEvent(b, "apigw-v2-request-no-authorizer.json")
	b.ReportAllocs()
	for b.Loop() {
		if r, err := srv.Invoke(ctx, payload, nil); err != nil || r.Error != nil {
			b.Fatal(err, r.Error)
		}
	}
	b.StopTimer()
	cancel()
	<-done
}
