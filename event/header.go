package event

import "net/textproto"

// Request header names become the canonical keys a net/http server uses (so Header.Get works),
// with the names AWS commonly sends interned: they cost no allocation.

// commonHeaderNames are lower-case names AWS front doors and browsers commonly send.
var commonHeaderNames = []string{
	"accept", "accept-charset", "accept-encoding", "accept-language", "access-control-request-headers",
	"access-control-request-method", "authorization", "cache-control", "cloudfront-forwarded-proto",
	"cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer", "cloudfront-is-smarttv-viewer",
	"cloudfront-is-tablet-viewer", "cloudfront-viewer-asn", "cloudfront-viewer-country", "connection",
	"content-encoding", "content-length", "content-md5", "content-type", "cookie", "dnt", "expect",
	"forwarded", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
	"if-unmodified-since", "keep-alive", "origin", "postman-token", "pragma", "priority", "range",
	"referer", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "sec-fetch-dest",
	"sec-fetch-mode", "sec-fetch-site", "sec-fetch-user", "te", "trailer", "transfer-encoding",
	"upgrade", "upgrade-insecure-requests", "user-agent", "via", "x-amz-cf-id", "x-amz-content-sha256",
	"x-amz-date", "x-amz-security-token", "x-amzn-trace-id", "x-amzn-tls-cipher-suite",
	"x-amzn-tls-version", "x-amzn-vpce-config", "x-amzn-vpce-id", "x-api-key", "x-forwarded-for",
	"x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-real-ip", "x-request-id",
	"x-requested-with", "x-imforwards",
}

// canonicalHeader maps a lower-case name to its canonical form.
var canonicalHeader = func() map[string]string {
	m := make(map[string]string, len(commonHeaderNames))
	for _, n := range commonHeaderNames {
		m[n] = textproto.CanonicalMIMEHeaderKey(n)
	}
	return m
}()

const (
	keyHost      = "Host"
	keyCookie    = "Cookie"
	keyForwarded = "X-Forwarded-For"
)

// tokenTable marks the bytes that may appear in a header name (RFC 9110 token).
var tokenTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// validHeaderName reports whether name is a non-empty token.
func validHeaderName[S ~string | ~[]byte](name S) bool {
	if len(name) == 0 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !tokenTable[name[i]] {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v has no control bytes other than tab, as net/http requires.
func validHeaderValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// internedHeader returns the canonical form of a (valid) header name when it is a common one.
func internedHeader(name []byte) (string, bool) {
	var lower [40]byte
	if len(name) > len(lower) {
		return "", false
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	k, ok := canonicalHeader[string(lower[:len(name)])]
	return k, ok
}

// appendCanonicalHeader appends the canonical form of a valid header name, as
// textproto.CanonicalMIMEHeaderKey spells it.
func appendCanonicalHeader(dst, name []byte) []byte {
	upper := true
	for _, c := range name {
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst
}
