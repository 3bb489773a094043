package event

import (
	"net/url"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/a/b", "/a/b"},
		{"a/b", "/a/b"},                   // leading slash added
		{`\a\b`, "/a/b"},                  // backslashes are slashes
		{"//a//b/", "//a//b/"},            // empty segments kept
		{"/a/./b", "/a/b"},                // "." removed
		{"/a/b/.", "/a/b/"},               // trailing "." leaves the directory
		{"/a/b/..", "/a/"},                // trailing ".." too
		{"/a/b/../../..", "/"},            // never above the root
		{"/../etc/passwd", "/etc/passwd"}, // traversal stopped at the root
		{"/a/%2e/b/%2E%2e/c", "/a/c"},     // %2e is a dot
		{"/a/.%2e/b", "/b"},               // mixed spellings
		{"/a/.../b", "/a/.../b"},          // three dots are a name
		{"/a/.b/c.", "/a/.b/c."},          // dots inside names
		{"/a b", "/a%20b"},                // space
		{"/\"<>`{}#?", "/%22%3C%3E%60%7B%7D%23%3F"},
		{"/caf\u00e9", "/caf%C3%A9"},         // non-ASCII
		{"/\x01\x7f", "/%01%7F"},             // control bytes
		{"/%41%2f%zz%4", "/%41%2f%25zz%254"}, // escapes kept, stray % escaped
		{"/!$&'()*+,;=:@[]~", "/!$&'()*+,;=:@[]~"},
		{"/a|b^c", "/a%7Cb%5Ec"},
	}
	for _, c := range cases {
		if got := string(appendNormalizedPath(nil, []byte(c.in))); got != c.want {
			t.Errorf("normalize(%q) = %q, want %q", c.in, got, c.want)
		}
		// Normalising is idempotent.
		if got := string(appendNormalizedPath(nil, []byte(c.want))); got != c.want {
			t.Errorf("normalize(%q) = %q, not idempotent", c.want, got)
		}
	}
}

func TestStripBasePath(t *testing.T) {
	cases := []struct{ base, path, want string }{
		{"/prod", "/prod/x", "/x"},
		{"/prod", "/prod", "/"},
		{"/prod", "/prod/", "/"},
		{"/prod", "/products", "/products"},  // segment boundary, not bytes
		{"/prod", "/prod/prod/x", "/prod/x"}, // once
		{"/prod", "/x/prod", "/x/prod"},
		{"/a/b", "/a/b/c", "/c"},
		{"/a/b", "/a/bc", "/a/bc"},
		{"/prod", "/PROD/x", "/PROD/x"}, // case-sensitive
	}
	for _, c := range cases {
		if got := string(stripBasePath([]byte(c.path), c.base)); got != c.want {
			t.Errorf("strip %q from %q = %q, want %q", c.base, c.path, got, c.want)
		}
	}
}

func TestNewDecoderOptions(t *testing.T) {
	bad := []Options{
		{BasePath: "prod"}, {BasePath: "/prod?x=1"}, {PassThroughPath: "events"}, {PassThroughPath: "/e#f"},
	}
	for _, o := range bad {
		if _, err := NewDecoder(o); err == nil {
			t.Errorf("NewDecoder(%+v) accepted", o)
		}
	}
	d, err := NewDecoder(Options{BasePath: "/prod/", PassThroughPath: "/jobs/my queue"})
	if err != nil {
		t.Fatal(err)
	}
	if d.basePath != "/prod" {
		t.Errorf("base path %q, want /prod", d.basePath)
	}
	r, _, err := d.Decode(t.Context(), []byte(`{"Records":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.URL.Path != "/jobs/my queue" || r.RequestURI != "/jobs/my%20queue" {
		t.Errorf("pass-through target %q %q", r.URL.Path, r.RequestURI)
	}
	// A base path of "/" removes nothing.
	d, _ = NewDecoder(Options{BasePath: "/"})
	r, _, err = d.Decode(t.Context(), []byte(`{"httpMethod":"GET","path":"/a"}`))
	if err != nil || r.URL.Path != "/a" {
		t.Errorf("base path /: %v %v", r, err)
	}
}

// FuzzPath checks that whatever path an event carries, the request's URL agrees with what
// net/url makes of its RequestURI, as it would on a real server.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"/a b", "/%zz", "/caf\u00e9/../x", `\x\..\y`, "/a%2Fb", "/!*'()", "/%41"} {
		f.Add(s, "q=1")
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		// The event carries the strings as JSON, where bytes that are not UTF-8 become U+FFFD.
		pq, qq := jsonQuote(path), jsonQuote(query)
		path = string(appendUnescaped(nil, []byte(pq[1:len(pq)-1])))
		query = string(appendUnescaped(nil, []byte(qq[1:len(qq)-1])))
		enc := appendNormalizedPath(nil, []byte(path))
		if again := appendNormalizedPath(nil, enc); string(again) != string(enc) {
			t.Fatalf("normalize not idempotent: %q → %q → %q", path, enc, again)
		}
		q := appendQueryAsSent(nil, []byte(query))
		d, _ := NewDecoder(Options{})
		ev := `{"version":"2.0","rawPath":` + pq + `,"rawQueryString":` + qq +
			`,"requestContext":{"http":{"method":"GET"}}}`
		r, _, err := d.Decode(t.Context(), []byte(ev))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		u, err := url.ParseRequestURI(r.RequestURI)
		if err != nil {
			t.Fatalf("RequestURI %q does not parse: %v", r.RequestURI, err)
		}
		if u.Path != r.URL.Path || u.RawPath != r.URL.RawPath || u.RawQuery != r.URL.RawQuery {
			t.Fatalf("URL %q %q %q, net/url parses RequestURI %q as %q %q %q",
				r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.RequestURI, u.Path, u.RawPath, u.RawQuery)
		}
		wantURI := string(enc)
		if len(q) > 0 {
			wantURI += "?" + string(q)
		}
		if r.RequestURI != wantURI || r.URL.RawQuery != string(q) {
			t.Fatalf("RequestURI %q RawQuery %q, want %q %q", r.RequestURI, r.URL.RawQuery, wantURI, q)
		}
		// A client forwarding the request sends exactly this path.
		if got := r.URL.EscapedPath(); got != string(enc) {
			t.Fatalf("EscapedPath %q, want %q", got, enc)
		}
	})
}

func jsonQuote(s string) string { return string(appendJSONStr(nil, s)) }
