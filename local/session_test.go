package local

import (
	"io"
	"math"
	"testing"
	"time"
)

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// durations returns 1 ms, 2 ms, … n ms in a shuffled order (the session sorts them).
func durations(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = ms(float64((i*7919)%n + 1)) // 7919 is prime: a permutation of 1..n when n is not a multiple
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name     string
		in       []time.Duration
		p50, p99 time.Duration
	}{
		{"none", nil, 0, 0},
		{"one", []time.Duration{ms(7)}, ms(7), ms(7)},
		{"two", []time.Duration{ms(9), ms(1)}, ms(1), ms(9)},
		{"ten: rank 5 and 10", durations(10), ms(5), ms(10)},
		{"100: rank 50 and 99", durations(100), ms(50), ms(99)},
		{"101: rank 51 and 100", durations(101), ms(51), ms(100)},
		{"1000: rank 500 and 990", durations(1000), ms(500), ms(990)},
		{"all equal", []time.Duration{ms(3), ms(3), ms(3)}, ms(3), ms(3)},
		{"one outlier in a hundred stays out of p99", append(durations(99)[:99:99], time.Minute), ms(50), ms(99)},
		{"two outliers in a hundred reach p99", append(durations(98)[:98:98], time.Minute, time.Minute), ms(50), time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s session
			for _, d := range tt.in {
				s.add(&Record{Duration: d, MemoryMB: 128})
			}
			st := s.snapshot()
			if st.P50 != tt.p50 || st.P99 != tt.p99 {
				t.Errorf("p50 %v p99 %v, want %v %v", st.P50, st.P99, tt.p50, tt.p99)
			}
		})
	}
}

func TestSessionCounts(t *testing.T) {
	s := session{since: time.Unix(1e9, 0)}
	records := []Record{
		{Duration: ms(10.5), BilledMs: 161, Init: ms(150.27), ColdStart: true, MemoryMB: 512, Cost: 1e-6},
		{Duration: ms(20), BilledMs: 20, MemoryMB: 512, Outcome: OutcomeError, ErrorType: "Handled", Cost: 2e-6},
		{Duration: ms(3000), BilledMs: 3000, MemoryMB: 512, Outcome: OutcomeTimeout, ErrorType: "Sandbox.Timedout", Cost: 3e-6},
		{Duration: ms(40), BilledMs: 40, ColdStart: true, MemoryMB: 512, Outcome: OutcomeError, ErrorType: "Runtime.ExitError"},
	}
	for i := range records {
		s.add(&records[i])
	}
	s.throttled()
	s.throttled()
	st := s.snapshot()
	want := Stats{
		Since: time.Unix(1e9, 0), Invocations: 4, Errors: 2, Timeouts: 1, Throttles: 2, ColdStarts: 2,
		InitTotal: ms(150.27), BilledMs: 3221, GBSeconds: 0.5 * 3.221, Cost: 6e-6, P50: ms(20), P99: ms(3000),
	}
	if math.Abs(st.GBSeconds-want.GBSeconds) > 1e-12 || math.Abs(st.Cost-want.Cost) > 1e-18 {
		t.Errorf("GB-s %v cost %v, want %v %v", st.GBSeconds, st.Cost, want.GBSeconds, want.Cost)
	}
	st.GBSeconds, st.Cost = want.GBSeconds, want.Cost
	if st != want {
		t.Errorf("stats\n%+v\nwant\n%+v", st, want)
	}
}

// Past its limit the session keeps a uniform sample: with a quarter of the durations at 1 ms
// and the rest at 5 ms, about a quarter of the kept samples are 1 ms, whatever came first.
func TestSessionSampleBounded(t *testing.T) {
	const limit = 4000
	s := session{limit: limit}
	for i := 0; i < 4*limit; i++ {
		d := ms(5)
		if i < limit {
			d = ms(1)
		}
		s.add(&Record{Duration: d, MemoryMB: 128})
	}
	if len(s.durations) != limit {
		t.Fatalf("%d samples kept, limit %d", len(s.durations), limit)
	}
	ones := 0
	for _, d := range s.durations {
		if d == ms(1) {
			ones++
		}
	}
	// Binomial(4000, 1/4): mean 1000, standard deviation ≈ 27; 8 deviations is never reached
	// by chance, while keeping the first samples (4000) or dropping them (0) is far off.
	if ones < 780 || ones > 1220 {
		t.Errorf("%d of %d samples are from the first quarter, want ≈ 1000", ones, limit)
	}
	st := s.snapshot()
	if st.Invocations != 4*limit || st.P50 != ms(5) || st.P99 != ms(5) {
		t.Errorf("invocations %d p50 %v p99 %v", st.Invocations, st.P50, st.P99)
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{OutcomeSuccess: "success", OutcomeError: "error", OutcomeTimeout: "timeout", 9: "unknown"} {
		if o.String() != want {
			t.Errorf("%d: %q, want %q", int(o), o.String(), want)
		}
	}
}

// BenchmarkRecordReport is what the session and the summary add to every invocation: building
// the Record, its cost, and the session's additions (no OnReport).
func BenchmarkRecordReport(b *testing.B) {
	f := &Function{cfg: Config{Region: DefaultRegion, Arch: ArchX86, MemoryMB: 512}}
	r := &report{requestID: "0f1e2d3c-aaaa-4bbb-8ccc-000000000001", duration: 12345 * time.Microsecond,
		memoryMB: 512, maxUsedMB: 45, arch: ArchX86, region: DefaultRegion}
	start := time.Now()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.recordReport(r, start, FailureNone, "")
	}
}

// BenchmarkRecordReportCSV adds writing the report file's row (to memory).
func BenchmarkRecordReportCSV(b *testing.B) {
	rw, _ := NewReportWriter(io.Discard, ReportCSV)
	f := &Function{cfg: Config{Region: DefaultRegion, Arch: ArchX86, MemoryMB: 512, OnReport: rw.Write}}
	r := &report{requestID: "0f1e2d3c-aaaa-4bbb-8ccc-000000000001", duration: 12345 * time.Microsecond,
		memoryMB: 512, maxUsedMB: 45, arch: ArchX86, region: DefaultRegion}
	start := time.Now()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.recordReport(r, start, FailureNone, "")
	}
}
