package event

// Paths reach the app percent-encoded, normalised the way a URL parser does it (adapter.md §3):
// '\' becomes '/', "." and ".." segments (also written %2e) are resolved, the result starts with
// '/', and bytes that cannot appear literally in an encoded path are escaped while existing %XX
// escapes are kept. Sources disagree on whether they decode the path (events.md §2): escaping only
// what cannot be literal makes both forms come out right and never double-encodes.

const upperHex = "0123456789ABCDEF"

// pathByteEscaped reports whether c must be percent-encoded in a path: control bytes, space,
// '"', '#', '<', '>', '?', '`', '{', '}', DEL and non-ASCII (the URL standard's path set), plus
// '|' and '^', which RFC 3986 does not allow either: with them escaped, every path we produce
// is one net/url accepts as encoded, so an http.Client forwarding the request sends it exactly
// as built. '%' is handled by the caller.
func pathByteEscaped(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return true
	}
	switch c {
	case '"', '#', '<', '>', '?', '`', '{', '}', '|', '^':
		return true
	}
	return false
}

// appendNormalizedPath appends the normalised, encoded form of path p to dst.
func appendNormalizedPath(dst, p []byte) []byte {
	root := len(dst)
	out := append(dst, '/')
	i := 0
	if len(p) > 0 && (p[0] == '/' || p[0] == '\\') {
		i = 1
	}
	for {
		segStart := len(out)
		j := i
		for j < len(p) && p[j] != '/' && p[j] != '\\' {
			c := p[j]
			switch {
			case c == '%':
				if j+2 < len(p) && isHex(p[j+1]) && isHex(p[j+2]) {
					out = append(out, '%')
				} else {
					out = append(out, "%25"...)
				}
			case pathByteEscaped(c):
				out = append(out, '%', upperHex[c>>4], upperHex[c&15])
			default:
				out = append(out, c)
			}
			j++
		}
		last := j >= len(p)
		switch dotSegment(out[segStart:]) {
		case 1: // "." names the directory itself
			out = out[:segStart]
		case 2: // ".." removes the previous segment, never going above the root
			out = out[:segStart]
			if segStart-1 > root {
				k := segStart - 2
				for out[k] != '/' {
					k--
				}
				out = out[:k+1]
			}
		default:
			if !last {
				out = append(out, '/')
			}
		}
		if last {
			return out
		}
		i = j + 1
	}
}

// dotSegment classifies an encoded segment: 1 for ".", 2 for "..", 0 otherwise, accepting %2e
// for either dot as URL parsers do.
func dotSegment(seg []byte) int {
	n := 0
	for i := 0; i < len(seg); {
		switch {
		case seg[i] == '.':
			i++
		case i+2 < len(seg) && seg[i] == '%' && seg[i+1] == '2' && (seg[i+2] == 'e' || seg[i+2] == 'E'):
			i += 3
		default:
			return 0
		}
		n++
		if n > 2 {
			return 0
		}
	}
	return n
}

// stripBasePath removes base (normalised, no trailing slash, not "/") from the start of the
// normalised path p when it matches whole segments: "/prod" turns "/prod/x" into "/x" and
// "/prod" into "/", and leaves "/products" alone.
func stripBasePath(p []byte, base string) []byte {
	if base == "" || len(p) < len(base) || string(p[:len(base)]) != base {
		return p
	}
	if len(p) == len(base) {
		return append(p[:0], '/')
	}
	if p[len(base)] != '/' {
		return p
	}
	return append(p[:0], p[len(base):]...)
}

// unescapedPathLen returns the length of the encoded path once %XX escapes are decoded, and
// whether it has any escape.
func unescapedPathLen(enc []byte) (int, bool) {
	n, esc := 0, false
	for i := 0; i < len(enc); i++ {
		if enc[i] == '%' {
			esc = true
			i += 2
		}
		n++
	}
	return n, esc
}

// appendUnescapedPath appends enc with its %XX escapes decoded (every '%' in a normalised path
// starts a valid escape).
func appendUnescapedPath(dst, enc []byte) []byte {
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if c == '%' {
			c = unhex(enc[i+1])<<4 | unhex(enc[i+2])
			i += 2
		}
		dst = append(dst, c)
	}
	return dst
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// urlEscapesInPath reports whether net/url escapes c when it encodes a path (url.shouldEscape
// with encodePath), which decides whether URL.RawPath is needed.
func urlEscapesInPath(c byte) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return false
	}
	switch c {
	case '-', '_', '.', '~', '$', '&', '+', ',', '/', ':', ';', '=', '@':
		return false
	}
	return true
}

// rawPathNeeded reports whether the encoded path enc differs from the encoding net/url derives
// from its decoded form dec, in which case URL.RawPath must hold enc (as url.URL.setPath does).
func rawPathNeeded(dec, enc []byte) bool {
	j := 0
	for _, c := range dec {
		if urlEscapesInPath(c) {
			if j+3 > len(enc) || enc[j] != '%' || enc[j+1] != upperHex[c>>4] || enc[j+2] != upperHex[c&15] {
				return true
			}
			j += 3
			continue
		}
		if j >= len(enc) || enc[j] != c {
			return true
		}
		j++
	}
	return j != len(enc)
}
