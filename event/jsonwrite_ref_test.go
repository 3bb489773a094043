package event

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// appendJSONBytesRef is the plain reference appendJSONBytes must agree with byte for byte: it
// appends runs with append and escapes with appendJSONSpecial.
//
// It appends b as a JSON string. Bytes that need escaping are found eight at a
// time, and once a word is plain, long plain runs are skipped 32 bytes at a time; runs are
// copied whole. With valid (b is known to be UTF-8) bytes above 0x7F need no look at all.
func appendJSONBytesRef(dst, b []byte, valid bool) []byte {
	dst = append(dst, '"')
	high := uint64(msb) // bytes that need a look: specials, and non-ASCII unless valid
	if valid {
		high = 0
	}
	i, run := 0, 0
	for i < len(b) {
		if i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			m := specialMask(x) | x&high
			if m == 0 {
				i += 8
				for i+32 <= len(b) {
					w := b[i : i+32 : i+32]
					x0, x1 := binary.LittleEndian.Uint64(w), binary.LittleEndian.Uint64(w[8:])
					x2, x3 := binary.LittleEndian.Uint64(w[16:]), binary.LittleEndian.Uint64(w[24:])
					if specialMask(x0)|specialMask(x1)|specialMask(x2)|specialMask(x3)|(x0|x1|x2|x3)&high != 0 {
						break
					}
					i += 32
				}
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		} else if c := b[i]; c >= ' ' && c != '"' && c != '\\' && (c < 0x80 || valid) {
			i++
			continue
		}
		c := b[i]
		if c >= 0x80 {
			if n := utf8SeqLen(b, i); n > 0 { // valid UTF-8 stays in the run
				i += n
				continue
			}
		}
		dst = append(dst, b[run:i]...)
		if c == '"' || c == '\\' { // the common escapes, inline
			dst = append(dst, '\\', c)
			i++
		} else {
			var n int
			dst, n = appendJSONSpecial(dst, b, i)
			i += n
		}
		run = i
	}
	dst = append(dst, b[run:]...)
	return append(dst, '"')
}

// appendUnescapedRef is the plain reference appendUnescaped must agree with.
func appendUnescapedRef(dst, src []byte) []byte {
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

// strRef is the plain reference scanner.str must agree with.
func (s *scanner) strRef(i int) (end int, esc bool, err error) {
	d := s.data
	j := i + 1
	for j < len(d) {
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
			j += bits.TrailingZeros64(m) >> 3
		} else if !isSpecial(d[j]) {
			j++
			continue
		}
		switch c := d[j]; {
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
	return 0, false, syntaxError(i, "unterminated string")
}
