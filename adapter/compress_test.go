package adapter

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestNegotiateCoding(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", ""},
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, br", "br"},                   // tie → br
		{"gzip;q=1.0, br;q=0.8", "gzip"},     // highest q wins
		{"br;q=0, gzip", "gzip"},             // q=0 excluded
		{"x-gzip", "gzip"},                   // alias
		{"*", ""},                            // wildcard ignored
		{"deflate, identity", ""},            // unknown ignored
		{"gzip;q=0, br;q=0", ""},             // nothing acceptable
		{"GZIP;Q=0.5, Br;q=0.4", "gzip"},     // case-insensitive
		{"gzip;q=abc, br;q=0.1", "br"},       // malformed weight never wins
		{" br ; q=0.9 ,gzip ; q=0.9 ", "br"}, // spaces
		{"zstd, gzip;q=0.2", "gzip"},         // unknown ignored, known kept
	}
	for _, tt := range tests {
		if got := negotiateCoding([]string{tt.accept}); got != tt.want {
			t.Errorf("Accept-Encoding %q: got %q, want %q", tt.accept, got, tt.want)
		}
	}
	if got := negotiateCoding([]string{"gzip;q=0.5", "br;q=0.6"}); got != "br" {
		t.Errorf("repeated header: got %q", got)
	}
}

func TestCompressible(t *testing.T) {
	tests := []struct {
		name   string
		h      http.Header
		length int64
		want   bool
	}{
		{"plain text", http.Header{"Content-Type": {"text/html"}}, 1000, true},
		{"unknown size", http.Header{"Content-Type": {"application/json"}}, -1, true},
		{"no type", http.Header{}, 100, true},
		{"tiny", http.Header{"Content-Type": {"text/html"}}, 31, false},
		{"32 bytes", http.Header{"Content-Type": {"text/html"}}, 32, true},
		{"already encoded", http.Header{"Content-Encoding": {"identity"}}, 1000, false},
		{"range", http.Header{"Content-Range": {"bytes 0-99/1000"}}, 100, false},
		{"image", http.Header{"Content-Type": {"image/png"}}, 1000, false},
		{"svg", http.Header{"Content-Type": {"image/svg+xml"}}, 1000, true},
		{"svg with params", http.Header{"Content-Type": {"Image/SVG+XML; charset=utf-8"}}, 1000, true},
		{"grpc", http.Header{"Content-Type": {"application/grpc+proto"}}, 1000, false},
		{"sse", http.Header{"Content-Type": {"text/event-stream"}}, -1, false},
	}
	for _, tt := range tests {
		if got := compressible(tt.h, tt.length); got != tt.want {
			t.Errorf("%s: got %v", tt.name, got)
		}
	}
}

func TestMarkCompressed(t *testing.T) {
	h := http.Header{"Content-Length": {"100"}, "Accept-Ranges": {"bytes"}, "Vary": {"Origin"}}
	markCompressed(h, "br")
	if h.Get("Content-Encoding") != "br" || h.Get("Content-Length") != "" || h.Get("Accept-Ranges") != "" {
		t.Errorf("headers %v", h)
	}
	if got := h.Values("Vary"); len(got) != 2 || got[1] != "accept-encoding" {
		t.Errorf("Vary %q", got)
	}
	h = http.Header{"Vary": {"Accept-Encoding, Origin"}}
	markCompressed(h, "gzip")
	if got := h.Values("Vary"); len(got) != 1 {
		t.Errorf("Vary duplicated: %q", got)
	}
}

func TestCompressRoundTrip(t *testing.T) {
	body := strings.Repeat("slipway compresses what LWA compresses. ", 500)
	for _, coding := range []string{codingGzip, codingBrotli} {
		var out bytes.Buffer
		if err := compressTo(&out, strings.NewReader(body), coding); err != nil {
			t.Fatal(err)
		}
		if out.Len() >= len(body)/4 {
			t.Errorf("%s: %d bytes from %d: not compressed", coding, out.Len(), len(body))
		}
		var r io.Reader
		if coding == codingGzip {
			zr, err := gzip.NewReader(&out)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		} else {
			r = brotli.NewReader(&out)
		}
		got, err := io.ReadAll(r)
		if err != nil || string(got) != body {
			t.Errorf("%s: round trip failed (%v)", coding, err)
		}
	}
}

func FuzzNegotiateCoding(f *testing.F) {
	for _, s := range []string{"gzip, br", "br;q=0", "x-gzip;q=0.5,*", ";;;q==", "gzip;q=1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		switch got := negotiateCoding([]string{s}); got {
		case "", codingGzip, codingBrotli:
		default:
			t.Fatalf("unexpected coding %q", got)
		}
	})
}
