package event

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// The scanner validates a whole payload as JSON (RFC 8259) in one pass and records, in a flat
// node array, only the values the recognition and mapping rules read. Everything else is
// validated and skipped without being stored, so the cost of a large SQS batch or a long body is
// one linear scan. Strings are never copied here: a node is a byte range of the payload plus a
// flag saying whether it contains escapes.

type kind uint8

const (
	kindAbsent kind = iota // node 0: "no such member"
	kindNull
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindObject
	kindArray
)

var kindNames = [...]string{
	kindAbsent: "absent", kindNull: "null", kindFalse: "a boolean", kindTrue: "a boolean",
	kindNumber: "a number", kindString: "a string", kindObject: "an object", kindArray: "an array",
}

// node is one JSON value. For strings, [start,end) is the content between the quotes; for other
// values it is the value's text. size is the number of nodes that follow as this value's
// materialised children (object members are key node, value subtree, key node, …).
type node struct {
	kind  kind
	esc   bool // string contains backslash escapes
	start int32
	end   int32
	size  int32
}

// maxDepth bounds nesting, like encoding/json, so hostile payloads cannot exhaust the stack.
const maxDepth = 10000

// maxPayload keeps offsets in int32.
const maxPayload = math.MaxInt32

type scanner struct {
	data  []byte
	nodes []node
	kbuf  []byte // an escaped object key, unescaped
}

func (s *scanner) reset(data []byte) {
	s.data = data
	s.nodes = append(s.nodes[:0], node{}) // node 0 is the absent value
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func (s *scanner) skipSpace(i int) int {
	if i < len(s.data) && s.data[i] > ' ' { // compact JSON: no whitespace at all
		return i
	}
	for i < len(s.data) && isSpace(s.data[i]) {
		i++
	}
	return i
}

// SWAR constants: eight bytes tested at once for '"', '\\' or a control byte.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// specialMask returns, for the eight bytes of x (little-endian), a mask whose lowest set bit
// is the high bit of the first byte that is '"', '\\' or below 0x20; 0 when there is none.
// (The borrow of the subtractions can only set bits above the first match.)
func specialMask(x uint64) uint64 {
	q := x ^ (lsb * '"')
	b := x ^ (lsb * '\\')
	return (((q - lsb) &^ q) | ((b - lsb) &^ b) | ((x - lsb*0x20) &^ x)) & msb
}

func isSpecial(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }

// str scans the string whose opening quote is at i and returns the index of the closing quote
// and whether the string contains escapes. Escapes are validated here so that unescaping later
// cannot fail.
//
// Bytes that need a look are found eight at a time; once a word is plain, long plain runs are
// skipped 32 bytes at a time. Dense strings (escaped JSON bodies) stay on the eight-byte path,
// so they do not pay for the wide one.
func (s *scanner) str(i int) (end int, esc bool, err error) {
	d := s.data
	j := i + 1
	for j < len(d) {
		stop := len(d) // of the bytes the byte loop below looks at
		if j+8 <= len(d) {
			m := specialMask(binary.LittleEndian.Uint64(d[j:]))
			if m == 0 {
				j += 8
				for j+32 <= len(d) {
					w := d[j : j+32 : j+32]
					if specialMask(binary.LittleEndian.Uint64(w))|specialMask(binary.LittleEndian.Uint64(w[8:]))|
						specialMask(binary.LittleEndian.Uint64(w[16:]))|specialMask(binary.LittleEndian.Uint64(w[24:])) != 0 {
						break
					}
					j += 32
				}
				continue
			}
			stop = j + 8
			j += bits.TrailingZeros64(m) >> 3
		}
		// The rest of the word byte by byte: in dense strings the next escape is near.
		for j < stop {
			c := d[j]
			if !strSpecial[c] {
				j++
				continue
			}
			switch {
			case c == '"':
				return j, esc, nil
			case c == '\\':
				esc = true
				if j+1 >= len(d) {
					return 0, false, syntaxError(j, "unterminated string")
				}
				switch d[j+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					j += 2
				case 'u':
					if j+6 > len(d) || !isHex(d[j+2]) || !isHex(d[j+3]) || !isHex(d[j+4]) || !isHex(d[j+5]) {
						return 0, false, syntaxError(j, `invalid \u escape`)
					}
					j += 6
				default:
					return 0, false, syntaxError(j, "invalid escape in string")
				}
			default:
				return 0, false, syntaxError(j, "control character in string")
			}
		}
	}
	return 0, false, syntaxError(i, "unterminated string")
}

// strSpecial tells the bytes a JSON string cannot hold as they are: '"', '\\' and controls.
var strSpecial = func() (t [256]bool) {
	for c := range 256 {
		t[c] = isSpecial(byte(c))
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number scans the number starting at i and returns the index after it.
func (s *scanner) number(i int) (int, error) {
	d := s.data
	j := i
	if j < len(d) && d[j] == '-' {
		j++
	}
	switch {
	case j < len(d) && d[j] == '0':
		j++
	case j < len(d) && '1' <= d[j] && d[j] <= '9':
		for j < len(d) && isDigit(d[j]) {
			j++
		}
	default:
		return 0, syntaxError(i, "invalid number")
	}
	if j < len(d) && d[j] == '.' {
		j++
		if j >= len(d) || !isDigit(d[j]) {
			return 0, syntaxError(i, "invalid number")
		}
		for j < len(d) && isDigit(d[j]) {
			j++
		}
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		if j >= len(d) || !isDigit(d[j]) {
			return 0, syntaxError(i, "invalid number")
		}
		for j < len(d) && isDigit(d[j]) {
			j++
		}
	}
	return j, nil
}

func (s *scanner) literal(i int, lit string) (int, error) {
	if len(s.data)-i < len(lit) || string(s.data[i:i+len(lit)]) != lit {
		return 0, syntaxError(i, "invalid literal")
	}
	return i + len(lit), nil
}

// value scans the value at i (whitespace already skipped), appends its node and, while budget
// allows, the nodes of its children. It returns the index after the value and the node's index.
// budget 0 records a container as one node and only validates its contents.
func (s *scanner) value(i, budget, depth int) (int, int32, error) {
	if i >= len(s.data) {
		return 0, 0, syntaxError(i, "unexpected end of input")
	}
	idx := int32(len(s.nodes))
	s.nodes = append(s.nodes, node{start: int32(i)})
	var (
		end int
		err error
		k   kind
	)
	switch c := s.data[i]; {
	case c == '"':
		var esc bool
		end, esc, err = s.str(i)
		if err != nil {
			return 0, 0, err
		}
		n := &s.nodes[idx]
		n.kind, n.esc, n.start, n.end = kindString, esc, int32(i+1), int32(end)
		return end + 1, idx, nil
	case c == '{':
		k = kindObject
		end, err = s.object(i, budget, depth+1)
	case c == '[':
		k = kindArray
		end, err = s.array(i, budget, depth+1)
	case c == 't':
		k = kindTrue
		end, err = s.literal(i, "true")
	case c == 'f':
		k = kindFalse
		end, err = s.literal(i, "false")
	case c == 'n':
		k = kindNull
		end, err = s.literal(i, "null")
	case c == '-' || isDigit(c):
		k = kindNumber
		end, err = s.number(i)
	default:
		return 0, 0, syntaxError(i, "unexpected character")
	}
	if err != nil {
		return 0, 0, err
	}
	n := &s.nodes[idx]
	n.kind, n.end, n.size = k, int32(end), int32(len(s.nodes))-idx-1
	return end, idx, nil
}

// object scans the object at i. With budget > 0 its members become nodes (key, then value with
// budget-1); otherwise they are only validated.
func (s *scanner) object(i, budget, depth int) (int, error) {
	if depth > maxDepth {
		return 0, syntaxError(i, "nested too deeply")
	}
	i = s.skipSpace(i + 1)
	if i < len(s.data) && s.data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(s.data) || s.data[i] != '"' {
			return 0, syntaxError(i, "expected object key")
		}
		kend, esc, err := s.str(i)
		if err != nil {
			return 0, err
		}
		if budget > 0 {
			s.nodes = append(s.nodes, node{kind: kindString, esc: esc, start: int32(i + 1), end: int32(kend)})
		}
		i = s.skipSpace(kend + 1)
		if i >= len(s.data) || s.data[i] != ':' {
			return 0, syntaxError(i, "expected ':' after object key")
		}
		i = s.skipSpace(i + 1)
		if budget > 0 {
			i, _, err = s.value(i, budget-1, depth)
		} else {
			i, err = s.skip(i, depth)
		}
		if err != nil {
			return 0, err
		}
		i = s.skipSpace(i)
		if i < len(s.data) && s.data[i] == ',' {
			i = s.skipSpace(i + 1)
			continue
		}
		if i < len(s.data) && s.data[i] == '}' {
			return i + 1, nil
		}
		return 0, syntaxError(i, "expected ',' or '}' in object")
	}
}

func (s *scanner) array(i, budget, depth int) (int, error) {
	if depth > maxDepth {
		return 0, syntaxError(i, "nested too deeply")
	}
	i = s.skipSpace(i + 1)
	if i < len(s.data) && s.data[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if budget > 0 {
			i, _, err = s.value(i, budget-1, depth)
		} else {
			i, err = s.skip(i, depth)
		}
		if err != nil {
			return 0, err
		}
		i = s.skipSpace(i)
		if i < len(s.data) && s.data[i] == ',' {
			i = s.skipSpace(i + 1)
			continue
		}
		if i < len(s.data) && s.data[i] == ']' {
			return i + 1, nil
		}
		return 0, syntaxError(i, "expected ',' or ']' in array")
	}
}

// skip validates the value at i without recording it and returns the index after it.
func (s *scanner) skip(i, depth int) (int, error) {
	if i >= len(s.data) {
		return 0, syntaxError(i, "unexpected end of input")
	}
	switch c := s.data[i]; {
	case c == '"':
		end, _, err := s.str(i)
		return end + 1, err
	case c == '{':
		return s.object(i, 0, depth+1)
	case c == '[':
		return s.array(i, 0, depth+1)
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	case c == '-' || isDigit(c):
		return s.number(i)
	}
	return 0, syntaxError(i, "unexpected character")
}

// raw returns the bytes of node n: a string's content (escapes not undone) or a value's text.
func (s *scanner) raw(n int32) []byte {
	nd := &s.nodes[n]
	return s.data[nd.start:nd.end]
}

// next returns the index of the node after n's subtree.
func (s *scanner) next(n int32) int32 { return n + 1 + s.nodes[n].size }

// appendString appends string node n's value with escapes undone.
func (s *scanner) appendString(dst []byte, n int32) []byte {
	nd := &s.nodes[n]
	if !nd.esc {
		return append(dst, s.data[nd.start:nd.end]...)
	}
	return appendUnescaped(dst, s.data[nd.start:nd.end])
}

// appendUnescaped appends src, the validated content of a JSON string, with escapes undone.
// Invalid surrogates become U+FFFD, as in encoding/json.
func appendUnescaped(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		// The next backslash: in the next eight bytes (dense escapes), else by IndexByte.
		j := i
		if j+8 <= len(src) {
			x := binary.LittleEndian.Uint64(src[j:]) ^ (lsb * '\\')
			if m := (x - lsb) &^ x & msb; m != 0 {
				j += bits.TrailingZeros64(m) >> 3
			} else if k := bytes.IndexByte(src[j+8:], '\\'); k >= 0 {
				j += 8 + k
			} else {
				return append(dst, src[i:]...)
			}
		} else if k := bytes.IndexByte(src[j:], '\\'); k >= 0 {
			j += k
		} else {
			return append(dst, src[i:]...)
		}
		dst = append(dst, src[i:j]...)
		switch c := src[j+1]; c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(src[j+2:]))
			j += 4
			if r < utf8.RuneSelf {
				dst = append(dst, byte(r))
				break
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if j+8 <= len(src) && src[j+2] == '\\' && src[j+3] == 'u' {
					r2 = utf16.DecodeRune(r, rune(hex4(src[j+4:])))
				}
				if r2 != utf8.RuneError {
					j += 6
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
		i = j + 2
	}
	return dst
}

func hex4(b []byte) uint16 {
	var v uint16
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		v = v<<4 | uint16(c)
	}
	return v
}

// validJSON reports whether b is exactly one JSON value, with optional surrounding whitespace.
func validJSON(b []byte) bool {
	var s scanner
	s.data = b
	i := s.skipSpace(0)
	end, err := s.skip(i, 0)
	if err != nil {
		return false
	}
	return s.skipSpace(end) == len(b)
}
