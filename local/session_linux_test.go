//go:build linux

package local

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/pricing"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// reportLine is a parsed REPORT line.
type reportLine struct {
	id, duration, billed, memory, maxUsed, init, status, errorType, cost string
}

var reportFieldsRE = regexp.MustCompile(`(?m)^REPORT RequestId: (\S+)\tDuration: ([0-9.]+) ms\tBilled Duration: ([0-9]+) ms\t` +
	`Memory Size: ([0-9]+) MB\tMax Memory Used: ([0-9]+) MB\t(?:Init Duration: ([0-9.]+) ms\t)?` +
	`(?:Status: (\w+)\t(?:Error Type: (\S+)\t)?)?(?:Estimated Cost: (\$[0-9.]+) \(estimate, list price\)\t)?$`)

// reportLines parses every REPORT line of a log, by request id.
func reportLines(t testing.TB, log string) map[string]reportLine {
	t.Helper()
	out := map[string]reportLine{}
	for _, m := range reportFieldsRE.FindAllStringSubmatch(log, -1) {
		out[m[1]] = reportLine{m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]}
	}
	return out
}

// checkRecord compares a Record with the REPORT line of the same invocation.
func checkRecord(t *testing.T, rec Record, line reportLine) {
	t.Helper()
	init := ""
	if rec.Init > 0 {
		init = formatMs(rec.Init)
	}
	got := reportLine{rec.RequestID, formatMs(rec.Duration), strconv.FormatInt(rec.BilledMs, 10), strconv.Itoa(rec.MemoryMB),
		strconv.FormatInt(rec.MaxMemoryUsedMB, 10), init, line.status, line.errorType, pricing.FormatUSD(rec.Cost)}
	if got != line {
		t.Errorf("record %+v\nas REPORT %+v\nREPORT    %+v", rec, got, line)
	}
}

// Every invocation that runs — successful, failed, timed out, crashed, too large — yields one
// Record that says what its REPORT line says; throttled ones are counted apart.
func TestSessionRecordsMatchReports(t *testing.T) {
	var mu sync.Mutex
	records := map[string]Record{}
	var order []string
	tf := newTestFunction(t, "ok", Config{Concurrency: 1, MemoryMB: 512, Timeout: time.Second, OnReport: func(r Record) {
		mu.Lock()
		defer mu.Unlock()
		records[r.RequestID] = r
		order = append(order, r.RequestID)
	}})
	started := time.Now()
	type want struct {
		payload   string
		outcome   Outcome
		errorType string
		cold      bool
	}
	wants := []want{
		{`{}`, OutcomeSuccess, "", true},
		{`{"action":"sleep","ms":30}`, OutcomeSuccess, "", false},
		{`{"action":"error"}`, OutcomeError, "Test.Failure", false},
		{fmt.Sprintf(`{"action":"big","bytes":%d}`, runtimeapi.MaxResponseSize+1), OutcomeError, runtimeapi.ErrorTypeResponseTooLarge, false},
		{`{"action":"hang"}`, OutcomeTimeout, runtimeapi.ErrorTypeTimeout, false},
		{`{}`, OutcomeSuccess, "", true}, // the timeout replaced the environment
		{`{"action":"crash"}`, OutcomeError, runtimeapi.ErrorTypeExit, false},
		{`{"action":"sleep","ms":300}`, OutcomeSuccess, "", true},
	}
	ids := make([]string, len(wants))
	for i, w := range wants[:len(wants)-1] {
		r := tf.invoke(w.payload)
		readBody(t, r)
		r.Log() // waits for REPORT
		ids[i] = r.RequestID
	}
	// The last one keeps the only environment busy: another invocation is throttled.
	last := make(chan *Response, 1)
	go func() { last <- tf.invoke(wants[len(wants)-1].payload) }()
	waitFor(t, "the last invocation to run", func() bool {
		tf.pool.mu.Lock()
		defer tf.pool.mu.Unlock()
		return tf.pool.active == 1
	})
	if _, err := tf.Invoke(context.Background(), &Request{Payload: []byte(`{}`)}); !errors.Is(err, ErrThrottled) {
		t.Fatalf("second concurrent invocation: %v, want ErrThrottled", err)
	}
	r := <-last
	readBody(t, r)
	r.Log()
	ids[len(ids)-1] = r.RequestID

	lines := reportLines(t, tf.log.String())
	mu.Lock()
	defer mu.Unlock()
	if len(records) != len(wants) || len(lines) != len(wants) {
		t.Fatalf("%d records, %d REPORT lines, want %d", len(records), len(lines), len(wants))
	}
	for i, w := range wants {
		rec, ok := records[ids[i]]
		if !ok {
			t.Errorf("%s: no record for %s", w.payload, ids[i])
			continue
		}
		checkRecord(t, rec, lines[ids[i]])
		if rec.Outcome != w.outcome || rec.ErrorType != w.errorType || rec.ColdStart != w.cold || (rec.Init > 0) != w.cold {
			t.Errorf("%.40s: outcome %v %q cold %v (init %v), want %v %q cold %v", w.payload, rec.Outcome, rec.ErrorType,
				rec.ColdStart, rec.Init, w.outcome, w.errorType, w.cold)
		}
		if rec.Start.Before(started) || rec.Start.After(time.Now()) || rec.Cost <= 0 || rec.MemoryMB != 512 {
			t.Errorf("%.40s: start %v cost %v memory %d", w.payload, rec.Start, rec.Cost, rec.MemoryMB)
		}
		if order[i] != ids[i] {
			t.Errorf("record %d is %s, want %s (OnReport in invocation order)", i, order[i], ids[i])
		}
	}

	st := tf.Stats()
	var billed int64
	var init time.Duration
	var cost float64
	for _, rec := range records {
		billed += rec.BilledMs
		init += rec.Init
		cost += rec.Cost
	}
	if st.Invocations != 8 || st.Errors != 3 || st.Timeouts != 1 || st.Throttles != 1 || st.ColdStarts != 3 ||
		st.BilledMs != billed || st.InitTotal != init || st.Region != "us-east-1" || st.Arch != ArchX86 || st.MemoryMB != 512 {
		t.Errorf("stats %+v", st)
	}
	if d := st.Cost - cost; d > 1e-15 || d < -1e-15 {
		t.Errorf("stats cost %v, records sum to %v", st.Cost, cost)
	}
	if want := 0.5 * float64(billed) / 1000; st.GBSeconds-want > 1e-9 || want-st.GBSeconds > 1e-9 {
		t.Errorf("GB-seconds %v, want %v", st.GBSeconds, want)
	}
	// Of eight durations, p50 is the 4th and p99 the 8th: the timeout's second.
	if st.P99 != records[ids[4]].Duration || st.P50 <= 0 || st.P50 >= st.P99 {
		t.Errorf("p50 %v p99 %v; the timeout took %v", st.P50, st.P99, records[ids[4]].Duration)
	}
}

// An invocation whose init fails twice (Lambda's suppressed init) is a cold start and an error.
func TestSessionFailedInit(t *testing.T) {
	var got []Record
	var mu sync.Mutex
	tf := newTestFunction(t, "init-error", Config{OnReport: func(r Record) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	}})
	r := tf.invoke(`{}`)
	readBody(t, r)
	r.Log()
	if r.Failure != FailureInit {
		t.Fatalf("failure %v", r.Failure)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].RequestID != r.RequestID || got[0].Outcome != OutcomeError || !got[0].ColdStart || got[0].ErrorType == "" {
		t.Fatalf("records %+v", got)
	}
	checkRecord(t, got[0], reportLines(t, tf.log.String())[r.RequestID])
	if st := tf.Stats(); st.Invocations != 1 || st.Errors != 1 || st.ColdStarts != 1 {
		t.Errorf("stats %+v", st)
	}
}
