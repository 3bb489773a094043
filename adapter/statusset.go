package adapter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// StatusSet is a set of HTTP status codes (100–599), written as LWA writes it: comma-separated
// codes or inclusive ranges, spaces around parts ignored ("500,502-504, 422").
type StatusSet struct {
	bits [10]uint64 // bit (code-100) set when code is in the set
	text string     // canonical form, for logs
}

// ParseStatusSet parses s. Unlike LWA, which skips parts it cannot read, any invalid part, a
// reversed range or a code outside 100–599 is an error: a typo must not silently change which
// responses fail an invocation or count as healthy.
func ParseStatusSet(s string) (StatusSet, error) {
	var set StatusSet
	var parts []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue // "500," and ", 502" are harmless
		}
		lo, hi, err := parseStatusRange(part)
		if err != nil {
			return StatusSet{}, err
		}
		for c := lo; c <= hi; c++ {
			set.bits[(c-100)/64] |= 1 << ((c - 100) % 64)
		}
		parts = append(parts, part)
	}
	set.text = strings.Join(parts, ",")
	return set, nil
}

func parseStatusRange(part string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(part, "-")
	if lo, err = parseStatus(strings.TrimSpace(a)); err != nil {
		return 0, 0, fmt.Errorf("%q: %w", part, err)
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = parseStatus(strings.TrimSpace(b)); err != nil {
		return 0, 0, fmt.Errorf("%q: %w", part, err)
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("%q: range is reversed", part)
	}
	return lo, hi, nil
}

var errStatusRange = errors.New("status codes must be numbers from 100 to 599")

func parseStatus(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, errStatusRange
	}
	return n, nil
}

// Contains reports whether code is in the set.
func (s StatusSet) Contains(code int) bool {
	if code < 100 || code > 599 {
		return false
	}
	return s.bits[(code-100)/64]&(1<<((code-100)%64)) != 0
}

// Empty reports whether the set holds no code.
func (s StatusSet) Empty() bool { return s.bits == [10]uint64{} }

// String returns the set as it was configured, without empty parts.
func (s StatusSet) String() string { return s.text }
