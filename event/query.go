package event

// Query strings (events.md §2, adapter.md §8). API Gateway REST and HTTP API 1.0 hand over
// decoded values, so they are re-encoded; ALB hands over values as the client sent them, and
// HTTP API 2.0 / Function URL the raw query, so those are forwarded as sent. VPC Lattice does not
// document whether it decodes; forwarding as sent is the choice that can never double-encode.
// Everything is emitted in the order the event lists it.

// queryEncoding says how one source's query keys and values become query text.
type queryEncoding uint8

const (
	queryDecoded queryEncoding = iota // values were URL-decoded by the source: escape them
	queryAsSent                       // values are as the client sent them: keep them
)

// queryByteEscaped reports whether c cannot appear literally in a query forwarded as sent:
// control bytes, space, '"', '#', '<', '>', DEL and non-ASCII (the URL standard's query set).
// '%' is kept, so existing escapes are never encoded twice.
func queryByteEscaped(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return true
	}
	switch c {
	case '"', '#', '<', '>':
		return true
	}
	return false
}

// appendQueryAsSent appends s, escaping only what cannot be literal.
func appendQueryAsSent(dst, s []byte) []byte {
	for _, c := range s {
		if queryByteEscaped(c) {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// appendQueryEscaped appends s encoded like url.QueryEscape: space as '+', unreserved bytes
// literal, everything else %XX.
func appendQueryEscaped(dst, s []byte) []byte {
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9',
			c == '-' || c == '_' || c == '.' || c == '~':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// appendQueryPart appends the key or value in string node n with encoding enc.
func (b *builder) appendQueryPart(dst []byte, n int32, enc queryEncoding) []byte {
	s := b.sc.raw(n)
	if b.sc.nodes[n].esc {
		b.tmp = appendUnescaped(b.tmp[:0], s)
		s = b.tmp
	}
	if enc == queryDecoded {
		return appendQueryEscaped(dst, s)
	}
	return appendQueryAsSent(dst, s)
}

// appendQueryMap appends the query built from map node m (key → string, or key → list of
// strings) to dst: key=value pairs joined with '&', in event order. null values are skipped.
func (b *builder) appendQueryMap(dst []byte, m int32, field string, enc queryEncoding) ([]byte, error) {
	sc := &b.sc
	switch sc.kindOf(m) {
	case kindAbsent, kindNull:
		return dst, nil
	case kindObject:
	default:
		return dst, malformed(field, "expected an object, got "+kindNames[sc.kindOf(m)])
	}
	start := len(dst)
	pair := func(key, val int32) {
		if len(dst) > start {
			dst = append(dst, '&')
		}
		dst = b.appendQueryPart(dst, key, enc)
		dst = append(dst, '=')
		dst = b.appendQueryPart(dst, val, enc)
	}
	end := sc.next(m)
	for k := m + 1; k < end; {
		v := k + 1
		switch sc.kindOf(v) {
		case kindString:
			pair(k, v)
		case kindNull:
		case kindArray:
			vend := sc.next(v)
			for e := v + 1; e < vend; e = sc.next(e) {
				switch sc.kindOf(e) {
				case kindString:
					pair(k, e)
				case kindNull:
				default:
					return dst, malformed(field, "values must be strings")
				}
			}
		default:
			return dst, malformed(field, "values must be strings or lists of strings")
		}
		k = sc.next(v)
	}
	return dst, nil
}

// nonEmptyObject reports whether n is an object with at least one member.
func (s *scanner) nonEmptyObject(n int32) bool {
	return s.nodes[n].kind == kindObject && s.nodes[n].size > 0
}
