package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestUsage(t *testing.T) {
	machine := KV{"clk-tck": "100"}
	meta, err := parseKV(strings.NewReader(`section: adapter
loadavg-start: 0.42 0.30 0.20 1/160 1234
time-start: 1000.0
cpu-start: cpu  1000 0 500 9000 10 0 0 5 0 0
children-start: 0m1.000s 0m0.500s
time-end: 1002.0
cpu-end: cpu  1200 0 600 9100 10 0 0 25 0 0
children-end: 0m2.000s 0m0.800s
`))
	if err != nil {
		t.Fatal(err)
	}
	u := usage(meta, machine)
	// The machine was busy 300 ticks = 3 s; this run's children took 1.3 s of it; over 2 s of wall
	// time the others used 0.85 cores. Steal: 20 ticks = 0.2 s over 2 s.
	if !u.Known || u.Wall != 2*time.Second || u.LoadAvg1 != 0.42 ||
		math.Abs(u.OthersCores-0.85) > 1e-9 || math.Abs(u.StealCores-0.1) > 1e-9 {
		t.Fatalf("usage %+v", u)
	}

	// Accounting granularity can make "others" slightly negative: it is none, not negative.
	meta["children-end"] = "0m5.000s 0m0.000s"
	if u := usage(meta, machine); u.OthersCores != 0 {
		t.Errorf("others %v, want 0", u.OthersCores)
	}

	// Without the counters (an output not made by scripts/bench) the usage is unknown.
	delete(meta, "cpu-end")
	if u := usage(meta, machine); u.Known {
		t.Errorf("usage known without counters: %+v", u)
	}
}

func TestChildrenCPU(t *testing.T) {
	for in, want := range map[string]float64{"0m1.250s 0m0.750s": 2, "1m2.5s 0m0.5s": 63} {
		if got, ok := childrenCPU(in); !ok || got != want {
			t.Errorf("childrenCPU(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "0m1s", "1.2s 0.3s", "xm1s 0m0s"} {
		if _, ok := childrenCPU(bad); ok {
			t.Errorf("childrenCPU(%q) accepted", bad)
		}
	}
}

func TestProcStatCPU(t *testing.T) {
	busy, steal, ok := procStatCPU("cpu  514371 77 153469 516753 1917 0 8750 1783 0 0")
	if !ok || busy != 514371+77+153469+8750 || steal != 1783 {
		t.Errorf("busy %v steal %v ok %v", busy, steal, ok)
	}
	if _, _, ok := procStatCPU("cpu0 1 2 3 4 5 6 7 8"); ok {
		t.Error("a per-CPU line accepted")
	}
}

func TestMissing(t *testing.T) {
	out, err := ParseOutput(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	s := &Section{Output: out, Meta: KV{"benchmarks": "BenchmarkDirect BenchmarkWarmRequest BenchmarkReadiness BenchmarkIdleRSS"}}
	// WarmRequest skipped (its sub-benchmark did): not missing. Readiness produced nothing.
	if got := strings.Join(s.Missing(), ","); got != "Readiness" {
		t.Errorf("missing %q, want Readiness", got)
	}
}
