package frontdoor

import (
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// Headers a service adds to every request before it builds the event (events.md §2, §5).
const (
	headerForwardedFor   = "X-Forwarded-For"
	headerForwardedPort  = "X-Forwarded-Port"
	headerForwardedProto = "X-Forwarded-Proto"
	headerTraceID        = "X-Amzn-Trace-Id"
	headerHost           = "Host"
	headerCookie         = "Cookie"
	headerContentType    = "Content-Type"
	headerUserAgent      = "User-Agent"
	headerAccept         = "Accept"
)

// incoming is a client request as the service saw it, ready to be shaped into any event.
type incoming struct {
	method   string
	proto    string
	header   http.Header // the client's headers plus Host and the forwarding headers
	domain   string      // Host without port
	sourceIP string
	path     string // as sent: percent-encoded (escapePath)
	rawQuery string // byte-exact, without "?"
	body     []byte
	trace    string // the trace header the event carries
	invTrace string // the trace id handed to the invocation
	now      time.Time
}

var errBodyTooLarge = errors.New("request body over the front door's limit")

// readIncoming reads the body (at most limit bytes) and records what the event needs. The
// forwarding headers describe this hop: the peer's address is appended to X-Forwarded-For, the
// local port and scheme replace any client-sent X-Forwarded-Port/-Proto.
func readIncoming(r *http.Request, limit int64, now time.Time) (*incoming, error) {
	if r.ContentLength > limit {
		return nil, errBodyTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, errBodyTooLarge
	}
	in := &incoming{
		method:   r.Method,
		proto:    r.Proto,
		header:   r.Header.Clone(),
		path:     escapePath(r.URL.EscapedPath()),
		rawQuery: r.URL.RawQuery,
		body:     body,
		now:      now,
	}
	if in.header == nil {
		in.header = http.Header{}
	}
	host := r.Host
	in.header.Set(headerHost, host)
	in.domain = host
	if h, _, err := net.SplitHostPort(host); err == nil {
		in.domain = h
	}
	in.sourceIP = r.RemoteAddr
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		in.sourceIP = h
	}
	if xff := in.header.Values(headerForwardedFor); len(xff) > 0 {
		in.header.Set(headerForwardedFor, strings.Join(xff, ", ")+", "+in.sourceIP)
	} else {
		in.header.Set(headerForwardedFor, in.sourceIP)
	}
	port, proto := "80", "http"
	if r.TLS != nil {
		port, proto = "443", "https"
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(la.String()); err == nil {
			port = p
		}
	}
	in.header.Set(headerForwardedPort, port)
	in.header.Set(headerForwardedProto, proto)
	in.trace, in.invTrace = traceIDs(in.header.Get(headerTraceID), now)
	in.header.Set(headerTraceID, in.trace)
	return in, nil
}

var traceRoot = regexp.MustCompile(`(?:^|;)\s*Root=(1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24})\s*(?:;|$)`)
var traceParent = regexp.MustCompile(`(?:^|;)\s*Parent=([0-9a-fA-F]{16})\s*(?:;|$)`)
var traceSampled = regexp.MustCompile(`(?:^|;)\s*Sampled=([01])\s*(?:;|$)`)

// traceIDs returns the X-Amzn-Trace-Id the event carries (the client's, when it has a valid root,
// else a new root) and the Lambda trace id of the invocation, which always has Root, Parent and
// Sampled parts as Lambda-Runtime-Trace-Id does.
func traceIDs(sent string, now time.Time) (header, invocation string) {
	root := traceRoot.FindStringSubmatch(sent)
	if root == nil {
		header = runtimeapi.NewTraceRoot(now)
		root = traceRoot.FindStringSubmatch(header)
	} else {
		header = sent
	}
	parent := hex.EncodeToString(randomBytes(8))
	if m := traceParent.FindStringSubmatch(sent); m != nil {
		parent = m[1]
	}
	sampled := "0"
	if m := traceSampled.FindStringSubmatch(sent); m != nil {
		sampled = m[1]
	}
	return header, "Root=" + root[1] + ";Parent=" + parent + ";Sampled=" + sampled
}

// escapePath percent-encodes what cannot appear literally in an encoded path, keeping every
// existing %XX as sent (events.md §2: REST, Function URL and ALB deliver the path encoded).
func escapePath(p string) string {
	if p == "" {
		return "/"
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b.WriteByte(c)
		case c <= 0x20 || c >= 0x7f || strings.IndexByte("%\"<>`#?{}", c) >= 0:
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	return s
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unescape decodes %XX (and "+" in queries); a malformed escape leaves the text as sent, as there
// is nothing better to hand the function.
func unescape(s string, query bool) string {
	var out string
	var err error
	if query {
		out, err = url.QueryUnescape(s)
	} else {
		out, err = url.PathUnescape(s)
	}
	if err != nil {
		return s
	}
	return out
}

// queryParam is one key=value of a raw query string, in order.
type queryParam struct{ key, value string }

// parseQuery splits a raw query on "&" and the first "=", decoding keys and values when decode is
// set (REST, HTTP API) and keeping them as sent otherwise (ALB). Empty parts are skipped.
func parseQuery(raw string, decode bool) []queryParam {
	var out []queryParam
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if decode {
			k, v = unescape(k, true), unescape(v, true)
		}
		out = append(out, queryParam{k, v})
	}
	return out
}

// splitCookies splits Cookie header values into "name=value" pairs.
func splitCookies(values []string) []string {
	var out []string
	for _, v := range values {
		for _, c := range strings.Split(v, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// textBody reports whether a body of this content type travels as text in the event: a type from
// the text list and valid UTF-8. ALB documents its list; the HTTP API's and Function URL's lists
// are unconfirmed, so they share it. Everything else is base64-encoded, which loses nothing.
func textBody(contentType string, body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	switch {
	case mt == "":
		return false
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", mt == "application/javascript", mt == "application/xml":
		return true
	}
	return false
}

// epochMillis is t as integer milliseconds, the unit of requestTimeEpoch and timeEpoch.
func epochMillis(t time.Time) int64 { return t.UnixMilli() }

// itoa is strconv.Itoa, named for call sites that build header values.
func itoa(n int) string { return strconv.Itoa(n) }
