package adapter

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Content codings the adapter can produce (buffered mode only, AWS_LWA_ENABLE_COMPRESSION).
const (
	codingGzip   = "gzip"
	codingBrotli = "br"

	// minCompressSize: bodies of known size below it are sent as they are; the encoding
	// overhead would outweigh any gain.
	minCompressSize = 32
	// brotliQuality trades ratio for latency: quality 4 is in gzip's speed class while still
	// compressing better; the default (11) can cost more time than the transfer it saves.
	brotliQuality = 4
)

// negotiateCoding picks the response coding from the request's Accept-Encoding values
// (adapter.md §4): the highest q wins, a tie goes to br, q=0 excludes a coding, x-gzip means gzip,
// and "*" or unknown codings are ignored. "" means no compression.
func negotiateCoding(acceptEncoding []string) string {
	var gzipQ, brQ float64 = -1, -1
	for _, v := range acceptEncoding {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					if err != nil || f < 0 || f > 1 {
						f = 0 // a malformed weight must not win
					}
					q = f
				}
			}
			switch name {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "br":
				brQ = max(brQ, q)
			}
		}
	}
	switch {
	case brQ > 0 && brQ >= gzipQ:
		return codingBrotli
	case gzipQ > 0:
		return codingGzip
	}
	return ""
}

// compressible reports whether a response with these headers may be compressed: not already
// encoded or ranged, not known to be tiny, and not a type that is already compressed or must
// not be delayed (gRPC, server-sent events).
func compressible(h http.Header, contentLength int64) bool {
	if h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" {
		return false
	}
	if contentLength >= 0 && contentLength < minCompressSize {
		return false
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(ct))
	}
	switch {
	case strings.HasPrefix(mt, "application/grpc"), strings.HasPrefix(mt, "text/event-stream"):
		return false
	case strings.HasPrefix(mt, "image/"):
		return mt == "image/svg+xml"
	}
	return true
}

// markCompressed updates response headers for a body encoded with coding.
func markCompressed(h http.Header, coding string) {
	h.Set("Content-Encoding", coding)
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	for _, v := range h.Values("Vary") {
		for _, tok := range strings.Split(v, ",") {
			tok = strings.TrimSpace(tok)
			if tok == "*" || strings.EqualFold(tok, "accept-encoding") {
				return
			}
		}
	}
	h.Add("Vary", "accept-encoding")
}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

var (
	gzipWriters   = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}
	brotliWriters = sync.Pool{New: func() any { return brotli.NewWriterLevel(nil, brotliQuality) }}
)

// compressTo copies src to dst encoded with coding.
func compressTo(dst io.Writer, src io.Reader, coding string) error {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	switch coding {
	case codingGzip:
		zw := gzipWriters.Get().(*gzip.Writer)
		defer gzipWriters.Put(zw)
		zw.Reset(dst)
		if _, err := io.CopyBuffer(zw, src, *bp); err != nil {
			return err
		}
		return zw.Close()
	case codingBrotli:
		bw := brotliWriters.Get().(*brotli.Writer)
		defer brotliWriters.Put(bw)
		bw.Reset(dst)
		if _, err := io.CopyBuffer(bw, src, *bp); err != nil {
			return err
		}
		return bw.Close()
	}
	_, err := io.CopyBuffer(dst, src, *bp)
	return err
}
