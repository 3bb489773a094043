package event

import (
	"bytes"
	"testing"
)

// Throughput of the byte loops on 256 KiB bodies as they sit inside an event (JSON-escaped):
// plain text with escapes only at the ends, and dense JSON with an escaped quote every few
// bytes.
var (
	plainText = append(append([]byte(`{\"data\":\"`), bytes.Repeat([]byte("a"), 256<<10)...), `\"}`...)
	denseText = bytes.Repeat([]byte(`{\"id\":12,\"name\":\"caf\u00e9\",\"ok\":true},`), 256<<10/40)
)

func benchBodies(b *testing.B, f func(b *testing.B, escaped []byte)) {
	b.Run("plain", func(b *testing.B) { f(b, plainText) })
	b.Run("dense", func(b *testing.B) { f(b, denseText) })
}

func BenchmarkScanString(b *testing.B) {
	benchBodies(b, func(b *testing.B, escaped []byte) {
		s := append(append([]byte{'"'}, escaped...), '"')
		var sc scanner
		sc.reset(s)
		b.SetBytes(int64(len(s)))
		for i := 0; i < b.N; i++ {
			if end, _, err := sc.str(0); err != nil || end != len(s)-1 {
				b.Fatal(end, err)
			}
		}
	})
}

func BenchmarkUnescape(b *testing.B) {
	benchBodies(b, func(b *testing.B, escaped []byte) {
		dst := make([]byte, 0, len(escaped))
		b.SetBytes(int64(len(escaped)))
		for i := 0; i < b.N; i++ {
			dst = appendUnescaped(dst[:0], escaped)
		}
	})
}

func BenchmarkEscape(b *testing.B) {
	benchBodies(b, func(b *testing.B, escaped []byte) {
		body := appendUnescaped(nil, escaped)
		dst := make([]byte, 0, 2*len(body))
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			dst = appendJSONBytes(dst[:0], body, true)
		}
	})
}
