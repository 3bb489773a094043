package frontdoor

import (
	"crypto/rand"
	"encoding/base64"
	"time"
)

// Identifiers and times in the shapes the services use (events.md §5). Ids that name the API
// itself are generated once per front door; request ids and times once per request.

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomBytes fills n bytes from crypto/rand, which does not fail on supported platforms.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// randomAlnum returns n lower-case alphanumerics, like an apiId (10) or a Function URL id (32).
func randomAlnum(n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = lowerAlnum[int(b[i])%len(lowerAlnum)]
	}
	return string(b)
}

// newShortID returns a 16-character base64-style id such as "JKJaXmPLvHcESHA=", the form of REST's
// extendedRequestId and the HTTP API's requestId.
func newShortID() string {
	return base64.URLEncoding.EncodeToString(randomBytes(11))
}

// requestTime formats t as the services' requestTime/time: "02/Jan/2006:15:04:05 +0000", UTC.
func requestTime(t time.Time) string {
	return t.UTC().Format("02/Jan/2006:15:04:05 -0700")
}
