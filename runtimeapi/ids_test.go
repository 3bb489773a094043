package runtimeapi

import (
	"regexp"
	"testing"
	"time"
)

func TestIDForms(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	trace := regexp.MustCompile(`^Root=1-6b01b80a-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$`)
	now := time.Unix(0x6b01b80a, 0)
	seen := map[string]bool{}
	for range 100 {
		id, tr := NewRequestID(), NewTraceID(now)
		if !uuid.MatchString(id) {
			t.Fatalf("request id %q is not a lower-case v4 UUID", id)
		}
		if !trace.MatchString(tr) {
			t.Fatalf("trace id %q has the wrong form", tr)
		}
		if seen[id] || seen[tr] {
			t.Fatalf("repeated id %q / %q", id, tr)
		}
		seen[id], seen[tr] = true, true
	}
	if got := NewTraceRoot(time.Unix(0x1f, 0))[:16]; got != "Root=1-0000001f-" {
		t.Errorf("root %q: epoch seconds must be 8 hex digits", got)
	}
}
