package event

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// appendJSONBytes must write exactly what the plain reference writes, for any bytes, at any
// alignment, after any prefix, with either validity promise (valid is only promised for UTF-8).
func checkEscapeAgainstRef(t *testing.T, prefix, b []byte) {
	t.Helper()
	for _, valid := range []bool{false, true} {
		if valid && !utf8.Valid(b) {
			continue
		}
		dst := append(make([]byte, 0, len(prefix)), prefix...) // no spare room: the growth path runs
		got := appendJSONBytes(dst, b, valid)
		want := appendJSONBytesRef(append([]byte(nil), prefix...), b, valid)
		if !bytes.Equal(got, want) {
			t.Fatalf("appendJSONBytes(%q, valid=%v)\n got %q\nwant %q", b, valid, got, want)
		}
	}
}

func TestAppendJSONBytesMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabets := [][]byte{
		[]byte(`abcdefgh`),                              // plain
		[]byte(`ab"\c`),                                 // dense escapes
		{0, 1, 0x1f, '\n', '\r', '\t', 'a', 0x7f},       // control bytes: the 6x expansion
		[]byte("a\xc3\xa9\xe4\xb8\x96\xf0\x9f\x98\x80"), // valid UTF-8 pieces
		{0x80, 0xbf, 0xc0, 0xff, 0xed, 0xa0, 'x', '"'},  // invalid UTF-8
	}
	for range 3000 {
		alpha := alphabets[r.IntN(len(alphabets))]
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = alpha[r.IntN(len(alpha))]
		}
		checkEscapeAgainstRef(t, []byte(`{"body":`)[:r.IntN(9)], b)
	}
	// Long inputs: many growth steps.
	checkEscapeAgainstRef(t, nil, bytes.Repeat([]byte{1}, 100000))
	checkEscapeAgainstRef(t, nil, bytes.Repeat([]byte(`"a`), 100000))
	checkEscapeAgainstRef(t, nil, bytes.Repeat([]byte("é"), 100000))
}

func FuzzAppendJSONBytes(f *testing.F) {
	f.Add([]byte(`{"a":"b\n"}`), 3)
	f.Add([]byte("\x00\xff\xc3\xa9\"\\"), 0)
	f.Fuzz(func(t *testing.T, b []byte, prefix int) {
		checkEscapeAgainstRef(t, bytes.Repeat([]byte("p"), prefix&15), b)
	})
}

// The scanner's string loop and the unescaper must agree with their plain references, on any
// input: same end, escape flag and error; same bytes, whether unescaping into a copy or in place.
func checkStringLoops(t *testing.T, content []byte) {
	t.Helper()
	quoted := append(append([]byte{'"'}, content...), '"')
	var s scanner
	s.reset(quoted)
	end, esc, err := s.str(0)
	rend, resc, rerr := s.strRef(0)
	if end != rend || esc != resc || (err == nil) != (rerr == nil) || err != nil && err.Error() != rerr.Error() {
		t.Fatalf("str(%q) = %d %v %v, reference %d %v %v", quoted, end, esc, err, rend, resc, rerr)
	}
	if err != nil || end != len(quoted)-1 {
		return // the unescaper only ever sees strings the scanner accepted
	}
	want := appendUnescapedRef(nil, content)
	if got := appendUnescaped([]byte("prefix"), content); !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
		t.Fatalf("appendUnescaped(%q) = %q, reference %q", content, got[6:], want)
	}
	inPlace := bytes.Clone(content)
	if got := appendUnescaped(inPlace[:0:len(inPlace)], inPlace); !bytes.Equal(got, want) {
		t.Fatalf("appendUnescaped in place (%q) = %q, reference %q", content, got, want)
	}
}

func TestStringLoopsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{`a`, `bcdefgh`, `\"`, `\\`, `\/`, `\n`, `\t`, `\u00e9`, `\u4e16`, `\ud83d\ude00`, `\ud800`, `\u12`,
		`\x`, "\x01", `"`, "é", strings.Repeat("z", 40)}
	for range 5000 {
		var b []byte
		for n := r.IntN(40); n > 0; n-- {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		checkStringLoops(t, b)
	}
}

func FuzzStringLoops(f *testing.F) {
	f.Add([]byte(`{\"id\":12,\"name\":\"caf\u00e9\"}`))
	f.Add([]byte(`\ud83d\ude00\\\/`))
	f.Fuzz(func(t *testing.T, b []byte) { checkStringLoops(t, b) })
}
