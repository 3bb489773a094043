package event

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// benchEvents are the testdata events the decoder benchmarks run on.
var benchEvents = []string{"rest-multivalue", "http-v2", "alb-single", "function-url", "sqs"}

func BenchmarkDecode(b *testing.B) {
	d, _ := NewDecoder(Options{})
	for _, name := range benchEvents {
		payload, err := os.ReadFile(filepath.Join("testdata", "events", name+".json"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for i := 0; i < b.N; i++ {
				r, _, err := d.Decode(context.Background(), payload)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, r.Body)
			}
		})
	}
}

func BenchmarkAppendResponse(b *testing.B) {
	h := http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X-Request-Id": {"abc"}}
	body := []byte("hello, world\n")
	for _, src := range []Source{RESTAPI, HTTPAPIV2, ALB} {
		ev := &Event{Source: src}
		b.Run(src.String(), func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for i := 0; i < b.N; i++ {
				var err error
				buf, err = ev.AppendResponse(buf[:0], 200, h, body, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
