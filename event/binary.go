package event

import (
	"net/http"
	"strings"
)

// DefaultIsBinary applies the text/binary rules of adapter.md §4, first match wins: any
// Content-Encoding (even identity) → binary; no Content-Type → text; a type starting with text,
// application/json, application/javascript, application/xml or application/yaml → text; a media
// type ending in +xml, +yaml or +json → text; x-lambda-http-content-encoding: text → text; else
// binary. Media types are compared case-insensitively.
func DefaultIsBinary(h http.Header) bool {
	if len(headerValues(h, "Content-Encoding")) > 0 {
		return true
	}
	ct := firstValue(h, "Content-Type")
	if ct == "" || textMediaType(ct) {
		return false
	}
	return !strings.EqualFold(strings.TrimSpace(firstValue(h, keyContentEncodingHint)), "text")
}

var textTypePrefixes = []string{"text", "application/json", "application/javascript", "application/xml", "application/yaml"}

var textTypeSuffixes = []string{"+xml", "+yaml", "+json"}

func textMediaType(ct string) bool {
	ct = strings.TrimLeft(ct, " \t")
	for _, p := range textTypePrefixes {
		if len(ct) >= len(p) && strings.EqualFold(ct[:len(p)], p) {
			return true
		}
	}
	mt := ct
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = strings.TrimRight(mt, " \t")
	for _, s := range textTypeSuffixes {
		if len(mt) >= len(s) && strings.EqualFold(mt[len(mt)-len(s):], s) {
			return true
		}
	}
	return false
}

// headerValues returns the values of a header, finding it under its canonical key or, for maps
// filled by hand, under any spelling.
func headerValues(h http.Header, canonical string) []string {
	if v, ok := h[canonical]; ok {
		return v
	}
	for k, v := range h {
		if len(k) == len(canonical) && strings.EqualFold(k, canonical) {
			return v
		}
	}
	return nil
}

func firstValue(h http.Header, canonical string) string {
	if v := headerValues(h, canonical); len(v) > 0 {
		return v[0]
	}
	return ""
}
