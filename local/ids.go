package local

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"
)

// newRequestID returns a random (version 4) UUID in the lower-case form Lambda uses.
func newRequestID() string {
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

// newTraceID returns an X-Ray trace header for an invocation whose caller sent none:
// Root=1-{8 hex epoch seconds}-{24 hex};Parent={16 hex};Sampled=0.
func newTraceID(now time.Time) string {
	var b [20]byte
	rand.Read(b[:])
	buf := make([]byte, 0, 80)
	buf = append(buf, "Root=1-"...)
	buf = appendHex32(buf, uint32(now.Unix()))
	buf = append(buf, '-')
	buf = hex.AppendEncode(buf, b[:12])
	buf = append(buf, ";Parent="...)
	buf = hex.AppendEncode(buf, b[12:])
	buf = append(buf, ";Sampled=0"...)
	return string(buf)
}

func appendHex32(dst []byte, v uint32) []byte {
	s := strconv.FormatUint(uint64(v), 16)
	for i := len(s); i < 8; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// newLogStreamName returns a log stream name in Lambda's layout, YYYY/MM/DD/[version]{32 hex}.
func newLogStreamName(now time.Time, version string) string {
	var b [16]byte
	rand.Read(b[:])
	return now.UTC().Format("2006/01/02") + "/[" + version + "]" + hex.EncodeToString(b[:])
}
