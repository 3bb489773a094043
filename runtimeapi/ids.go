package runtimeapi

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Ids a Runtime API server hands out, in the forms Lambda uses: generated here once for the
// emulated platform, the test server and the front doors.

// NewRequestID returns a random (version 4) UUID in the lower-case form of
// Lambda-Runtime-Aws-Request-Id.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// NewTraceRoot returns a new X-Ray root, "Root=1-{8 hex epoch seconds}-{24 hex}".
func NewTraceRoot(now time.Time) string {
	var b [12]byte
	rand.Read(b[:])
	buf := make([]byte, 0, 40)
	buf = append(buf, "Root=1-"...)
	secs := uint32(now.Unix())
	for shift := 28; shift >= 0; shift -= 4 {
		buf = append(buf, "0123456789abcdef"[secs>>uint(shift)&0xf])
	}
	buf = append(buf, '-')
	return string(hex.AppendEncode(buf, b[:]))
}

// NewTraceID returns a Lambda-Runtime-Trace-Id for an invocation whose caller sent none:
// Root=1-{8 hex epoch seconds}-{24 hex};Parent={16 hex};Sampled=0.
func NewTraceID(now time.Time) string {
	var b [8]byte
	rand.Read(b[:])
	return NewTraceRoot(now) + ";Parent=" + hex.EncodeToString(b[:]) + ";Sampled=0"
}
