package event

import (
	"math/rand/v2"
	"net/textproto"
	"net/url"
	"testing"
)

// Canonical names must be spelled exactly as net/http spells them for incoming requests.
func TestCanonicalHeader(t *testing.T) {
	names := append([]string{"x-forwarded-for", "X-FORWARDED-FOR", "user_agent", "a", "A-", "-a", "x--y", "etag", "WWW-authenticate",
		"cloudfront-viewer-country", "content-md5", "sec-ch-ua", "Dnt", "x-amzn-trace-id", "123-abc", "x.y", "a!b#c$"}, commonHeaderNames...)
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcxyzABCXYZ-_0123456789.!#$%&'*+^`|~"
	for i := 0; i < 2000; i++ {
		b := make([]byte, 1+rng.IntN(40))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		names = append(names, string(b))
	}
	for _, n := range names {
		want := textproto.CanonicalMIMEHeaderKey(n)
		got, _, ok := lookupHeader([]byte(n))
		if !ok {
			got = string(appendCanonicalHeader(nil, []byte(n)))
		}
		if got != want {
			t.Errorf("canonical(%q) = %q, net/textproto gives %q", n, got, want)
		}
	}
	for _, n := range commonHeaderNames {
		if _, _, ok := lookupHeader([]byte(n)); !ok {
			t.Errorf("%q not interned", n)
		}
	}
	if _, _, ok := lookupHeader([]byte("x-not-common")); ok {
		t.Error("x-not-common interned")
	}
}

func TestHeaderValidation(t *testing.T) {
	for _, n := range []string{"", "a b", "a:b", "a\x00", "é", "(x)"} {
		if validHeaderName(n) {
			t.Errorf("validHeaderName(%q) = true", n)
		}
	}
	for _, v := range []string{"a\rb", "a\nb", "\x00", "\x7f"} {
		if validHeaderValue([]byte(v)) {
			t.Errorf("validHeaderValue(%q) = true", v)
		}
	}
	for _, v := range []string{"", "a\tb", "caf\xc3\xa9", "\xff", "x y"} {
		if !validHeaderValue([]byte(v)) {
			t.Errorf("validHeaderValue(%q) = false", v)
		}
	}
}

func TestQueryEscaping(t *testing.T) {
	for _, s := range []string{"", "a b", "a&b=c", "100%", "caf\u00e9", "~-._", "+/?#[]@!$'()*,;", "\x00\x7f\xff"} {
		if got, want := string(appendQueryEscaped(nil, []byte(s))), url.QueryEscape(s); got != want {
			t.Errorf("appendQueryEscaped(%q) = %q, url.QueryEscape gives %q", s, got, want)
		}
	}
	cases := []struct{ in, want string }{
		{"a%20b", "a%20b"}, // existing escapes kept: never double-encoded
		{"1+1", "1+1"},
		{"x y", "x%20y"},
		{"#frag", "%23frag"},
		{"caf\u00e9", "caf%C3%A9"},
		{"\"<>", "%22%3C%3E"},
		{"a=b&c", "a=b&c"},
		{"\x01\x7f", "%01%7F"},
	}
	for _, c := range cases {
		if got := string(appendQueryAsSent(nil, []byte(c.in))); got != c.want {
			t.Errorf("appendQueryAsSent(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
