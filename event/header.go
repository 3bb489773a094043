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
	"x-amz-date", "x-amz-security-token", "x-amz-tenant-id", "x-amzn-lambda-context",
	"x-amzn-request-context", "x-amzn-trace-id", "x-amzn-tls-cipher-suite",
	"x-amzn-tls-version", "x-amzn-vpce-config", "x-amzn-vpce-id", "x-api-key", "x-forwarded-for",
	"x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-real-ip", "x-request-id",
	"x-requested-with", "x-imforwards",
}

// headerTable holds the common names for lookup by a hash of the lower-case name: open
// addressing with linear probing, a quarter full. It is cheaper than a map because the hash is
// computed in the same pass that lower-cases the name, and the hash is reused to spot repeated
// names (see builder.seen).
var headerTable = func() (t [256]struct{ lower, canonical string }) {
	for _, n := range commonHeaderNames {
		i := headerHash([]byte(n)) % uint32(len(t))
		for t[i].lower != "" {
			i = (i + 1) % uint32(len(t))
		}
		t[i].lower, t[i].canonical = n, textproto.CanonicalMIMEHeaderKey(n)
	}
	return t
}()

// headerHash is FNV-1a of the lower-case name.
func headerHash(name []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

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

// lookupHeader returns the canonical form of a (valid) header name when it is a common one,
// and the name's hash either way.
func lookupHeader(name []byte) (canonical string, hash uint32, ok bool) {
	var lower [32]byte
	h := uint32(2166136261)
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if i < len(lower) {
			lower[i] = c
		}
		h = (h ^ uint32(c)) * 16777619
	}
	if len(name) > len(lower) {
		return "", h, false
	}
	for i := h % uint32(len(headerTable)); ; i = (i + 1) % uint32(len(headerTable)) {
		e := &headerTable[i]
		if e.lower == "" {
			return "", h, false
		}
		if e.lower == string(lower[:len(name)]) {
			return e.canonical, h, true
		}
	}
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
