package event

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// The scanner must accept exactly what encoding/json accepts.
var jsonValidityCases = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-1E-2`, `true`, `false`, `null`, ` {"a" : [1, 2, {"b": null}]} `,
	`"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"`, `{"a":1,"a":2}`, "\"caf\xc3\xa9\"", "\"\xff\"",
	``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`,
	`tru`, `nul`, `True`, `"abc`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\tb\"", "\"a\nb\"", `[1 2]`, `{} {}`,
	`"\`, `[`, `[[[]]`, `{"a":}`, `{"a"}`, `{,}`, `[,1]`, "\"\x00\"", `1 2`, `"a"x`, "\u00a0{}",
}

func TestScannerValidity(t *testing.T) {
	for _, c := range jsonValidityCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%q) = %v, encoding/json says %v", c, got, want)
		}
	}
}

func TestScannerDepthLimit(t *testing.T) {
	ok := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if !validJSON([]byte(ok)) {
		t.Errorf("nesting of %d rejected", maxDepth)
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if validJSON([]byte(deep)) {
		t.Errorf("nesting of %d accepted", maxDepth+1)
	}
	// Inside an event too, without exhausting the stack.
	d, _ := NewDecoder(Options{})
	_, _, err := d.Decode(t.Context(), []byte(`{"headers":`+strings.Repeat(`{"a":`, 200000)))
	if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("deep event: err = %v, want nested too deeply", err)
	}
}

// TestUnescape compares string unescaping with encoding/json on every escape form, including
// broken surrogate pairs.
func TestUnescape(t *testing.T) {
	cases := []string{
		`plain`, `\"\\\/\b\f\n\r\t`, `\u0000\u001f\u007f\u0080\u07ff\u0800\uffff`, `\uD83D\uDE00`,
		`\uD83D`, `\uDE00`, `\uD83Dx`, `\uD83D\u0041`, `\uD83D\uD83D\uDE00`, `a\uDBFF\uDFFFb`, `\uDE00\uD83D`,
		"caf\xc3\xa9 \xff",
	}
	for _, c := range cases {
		checkUnescape(t, c)
	}
}

func checkUnescape(t *testing.T, content string) {
	t.Helper()
	var want string
	if err := json.Unmarshal([]byte(`"`+content+`"`), &want); err != nil {
		return // not a valid JSON string: the scanner rejects it before unescaping
	}
	var s scanner
	s.reset([]byte(`"` + content + `"`))
	end, esc, err := s.str(0)
	if err != nil || end != len(content)+1 {
		t.Fatalf("str(%q) = %d, %v; encoding/json accepts it", content, end, err)
	}
	got := string(appendUnescaped(nil, []byte(content)))
	if esc != strings.Contains(content, `\`) {
		t.Errorf("str(%q) escape flag = %v", content, esc)
	}
	// encoding/json replaces raw invalid UTF-8 with U+FFFD; the scanner keeps the bytes (bodies
	// are never altered), so the results are compared on valid UTF-8 input.
	if utf8.ValidString(content) && got != want {
		t.Errorf("unescape(%q) = %q, encoding/json gives %q", content, got, want)
	}
}

func FuzzScanner(f *testing.F) {
	for _, c := range jsonValidityCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, encoding/json says %v", b, got, want)
		}
		if len(b) > 0 && !strings.ContainsAny(string(b), "\"\x00") {
			checkUnescape(t, string(b))
		}
	})
}

// TestWideLoops puts every kind of byte that needs a look at every position of strings up to
// 100 bytes long, so the 8- and 32-byte paths of the scanner, the unescaper and the escaper
// meet them at every alignment, and compares with encoding/json.
func TestWideLoops(t *testing.T) {
	specials := []string{`\"`, `\\`, `\n`, `\u00e9`, `\ud83d\ude00`, "\u00e9", "\x01", `"`, "\xff"}
	for n := 0; n <= 100; n++ {
		for pos := 0; pos <= n; pos++ {
			for _, sp := range specials {
				content := strings.Repeat("a", pos) + sp + strings.Repeat("b", n-pos)
				quoted := []byte(`"` + content + `"`)
				var s scanner
				s.reset(quoted)
				end, _, err := s.str(0)
				valid := json.Valid(quoted)
				if (err == nil && end == len(quoted)-1) != valid {
					t.Fatalf("str(%q): end %d err %v, encoding/json valid %v", content, end, err, valid)
				}
				if !valid {
					continue
				}
				checkUnescape(t, content)
				// Escaping the unescaped text gives JSON that reads back as the same text.
				text := appendUnescaped(nil, []byte(content))
				for _, utf := range []bool{true, false} {
					if utf && !utf8.Valid(text) {
						continue
					}
					var back string
					out := appendJSONBytes(nil, text, utf)
					if err := json.Unmarshal(out, &back); err != nil || back != validPerByte(string(text)) {
						t.Fatalf("escape(%q) = %s, reads back as %q (%v)", text, out, back, err)
					}
				}
			}
		}
	}
}
