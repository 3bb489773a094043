package local

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// newLogStreamName returns a log stream name in Lambda's layout, YYYY/MM/DD/[version]{32 hex}.
func newLogStreamName(now time.Time, version string) string {
	var b [16]byte
	rand.Read(b[:])
	return now.UTC().Format("2006/01/02") + "/[" + version + "]" + hex.EncodeToString(b[:])
}
