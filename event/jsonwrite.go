package event

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
)

// Append-style JSON encoding of response strings. Output is always valid JSON: quotes,
// backslashes and control bytes are escaped, and bytes that are not UTF-8 become U+FFFD (as
// encoding/json does; bodies that are not UTF-8 never get here, they are sent as base64).

// appendJSONBytes appends b as a JSON string. Bytes that need escaping are found eight at a
// time (SWAR): a word without any is part of a plain run, and plain runs are skipped 32 bytes at
// a time and copied whole. A word with one is stored whole (its bytes before the first special
// byte are then in place) and finished byte by byte through a table, so dense JSON bodies (an
// escaped quote every few bytes) cost no call per escape. With valid (b is known to be UTF-8)
// bytes above 0x7F need no look at all.
func appendJSONBytes(dst, b []byte, valid bool) []byte {
	high := uint64(msb) // bytes that need a look: specials, and non-ASCII unless valid
	plain := &jsonPlainASCII
	if valid {
		high, plain = 0, &jsonPlainUTF8
	}
	// out is dst's whole capacity and j the length written: bytes are stored by index, and
	// every step first makes sure it has jsonStepMax bytes of room, growing in large steps.
	dst = slices.Grow(dst, len(b)+len(b)>>3+jsonStepMax)
	out := dst[:cap(dst)]
	j := len(dst)
	out[j] = '"'
	j++
	for i := 0; i < len(b); {
		if len(out)-j < jsonStepMax {
			out = slices.Grow(out[:j], len(b)-i+(len(b)-i)>>3+jsonStepMax)
			out = out[:cap(out)]
		}
		end := len(b) // of the bytes the byte loop below looks at
		if i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			m := specialMask(x) | x&high
			if m == 0 {
				run := i
				for i += 8; i+32 <= len(b); i += 32 {
					w := b[i : i+32 : i+32]
					x0, x1 := binary.LittleEndian.Uint64(w), binary.LittleEndian.Uint64(w[8:])
					x2, x3 := binary.LittleEndian.Uint64(w[16:]), binary.LittleEndian.Uint64(w[24:])
					if specialMask(x0)|specialMask(x1)|specialMask(x2)|specialMask(x3)|(x0|x1|x2|x3)&high != 0 {
						break
					}
				}
				if n := i - run; len(out)-j < n+jsonStepMax {
					out = slices.Grow(out[:j], n+len(b)-i+(len(b)-i)>>3+jsonStepMax)
					out = out[:cap(out)]
				}
				j += copy(out[j:], b[run:i])
				continue
			}
			binary.LittleEndian.PutUint64(out[j:], x)
			k := bits.TrailingZeros64(m) >> 3 // the k bytes before it are now in place
			i, j, end = i+k, j+k, i+8
		}
		for i < end {
			c := b[i]
			if plain[c] {
				out[j] = c
				i, j = i+1, j+1
				continue
			}
			switch {
			case c == '"' || c == '\\':
				out[j], out[j+1] = '\\', c
				i, j = i+1, j+2
			case c == '\n':
				out[j], out[j+1] = '\\', 'n'
				i, j = i+1, j+2
			case c == '\r':
				out[j], out[j+1] = '\\', 'r'
				i, j = i+1, j+2
			case c == '\t':
				out[j], out[j+1] = '\\', 't'
				i, j = i+1, j+2
			case c < ' ':
				copy(out[j:], `\u00`)
				out[j+4], out[j+5] = upperHex[c>>4], upperHex[c&15]
				i, j = i+1, j+6
			default: // c >= 0x80 and b not known to be UTF-8
				if n := utf8SeqLen(b, i); n > 0 {
					copy(out[j:], b[i:i+n])
					i, j = i+n, j+n
				} else {
					j += copy(out[j:], "\ufffd")
					i++
				}
			}
		}
	}
	out[j] = '"'
	return out[:j+1]
}

// jsonStepMax bounds what one step of appendJSONBytes writes past j: a word store, or up to
// eight bytes each escaped to at most six (a UTF-8 sequence that starts in them is copied as is,
// at most four), plus the closing quote.
const jsonStepMax = 8*6 + 8

// jsonPlainASCII and jsonPlainUTF8 tell the bytes that go into a JSON string as they are:
// printable ASCII but '"' and '\\', and with UTF-8 input every byte above 0x7F too.
var jsonPlainASCII, jsonPlainUTF8 = func() (a, u [256]bool) {
	for c := 0; c < 256; c++ {
		a[c] = c >= ' ' && c < 0x80 && c != '"' && c != '\\'
		u[c] = a[c] || c >= 0x80
	}
	return a, u
}()

// appendJSONStr appends s as a JSON string.
func appendJSONStr(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONContent(dst, s, false)
	return append(dst, '"')
}

// appendJSONContent appends s escaped for the inside of a JSON string. With header, CR and LF
// become spaces, as net/http does when it writes header values.
func appendJSONContent(dst []byte, s string, header bool) []byte {
	run := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= ' ' && c != '"' && c != '\\' && c < 0x80 {
			i++
			continue
		}
		if c >= 0x80 {
			if n := utf8SeqLen(s, i); n > 0 {
				i += n
				continue
			}
		}
		dst = append(dst, s[run:i]...)
		var n int
		if header && (c == '\r' || c == '\n') {
			dst, n = append(dst, ' '), 1
		} else {
			dst, n = appendJSONSpecial(dst, s, i)
		}
		i += n
		run = i
	}
	return append(dst, s[run:]...)
}

// appendJSONSpecial encodes the byte or UTF-8 sequence at s[i] that is not plain ASCII and
// returns how many bytes of s it consumed.
func appendJSONSpecial[S ~string | ~[]byte](dst []byte, s S, i int) ([]byte, int) {
	switch c := s[i]; {
	case c == '"' || c == '\\':
		return append(dst, '\\', c), 1
	case c == '\n':
		return append(dst, '\\', 'n'), 1
	case c == '\r':
		return append(dst, '\\', 'r'), 1
	case c == '\t':
		return append(dst, '\\', 't'), 1
	case c < ' ':
		return append(dst, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&15]), 1
	}
	if n := utf8SeqLen(s, i); n > 0 {
		return append(dst, s[i:i+n]...), n
	}
	return append(dst, "\ufffd"...), 1
}

// utf8SeqLen returns the length of the valid UTF-8 sequence starting at s[i] (s[i] >= 0x80),
// or 0 when there is none (RFC 3629: no overlongs, surrogates or values above U+10FFFF).
func utf8SeqLen[S ~string | ~[]byte](s S, i int) int {
	c := s[i]
	cont := func(k int, lo, hi byte) bool { return i+k < len(s) && lo <= s[i+k] && s[i+k] <= hi }
	switch {
	case 0xC2 <= c && c <= 0xDF:
		if cont(1, 0x80, 0xBF) {
			return 2
		}
	case c == 0xE0:
		if cont(1, 0xA0, 0xBF) && cont(2, 0x80, 0xBF) {
			return 3
		}
	case 0xE1 <= c && c <= 0xEC || c == 0xEE || c == 0xEF:
		if cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) {
			return 3
		}
	case c == 0xED:
		if cont(1, 0x80, 0x9F) && cont(2, 0x80, 0xBF) {
			return 3
		}
	case c == 0xF0:
		if cont(1, 0x90, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) {
			return 4
		}
	case 0xF1 <= c && c <= 0xF3:
		if cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) {
			return 4
		}
	case c == 0xF4:
		if cont(1, 0x80, 0x8F) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) {
			return 4
		}
	}
	return 0
}

func appendStatus(dst []byte, status int) []byte {
	return strconv.AppendInt(dst, int64(status), 10)
}
