package main

import (
	"strconv"
	"strings"
	"testing"
)

// rawFrom builds a Raw from section outputs given as text.
func rawFrom(t *testing.T, sections map[string]string, binary KV) *Raw {
	t.Helper()
	raw := &Raw{Sections: map[string]*Section{}, Binary: binary, Machine: KV{}}
	for name, text := range sections {
		out, err := ParseOutput(strings.NewReader(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw.Sections[name] = &Section{Name: name, Output: out, Meta: KV{}}
		raw.Order = append(raw.Order, name)
	}
	return raw
}

// find returns the target whose What contains s.
func find(t *testing.T, ts []Target, s string) Target {
	t.Helper()
	for _, x := range ts {
		if strings.Contains(x.What, s) {
			return x
		}
	}
	t.Fatalf("no target %q among %d", s, len(ts))
	return Target{}
}

// codec writes BenchmarkInvoke lines: event → impl → ns/op and B/op.
func codec(lines map[string]map[string][2]float64) string {
	var b strings.Builder
	for ev, impls := range lines {
		for impl, v := range impls {
			for range 3 { // three runs, same value: the median is the value
				b.WriteString("BenchmarkInvoke/event=" + ev + "/impl=" + impl + "-2 1000 " +
					ftoa(v[0]) + " ns/op " + ftoa(v[1]) + " B/op 9 allocs/op\n")
			}
		}
	}
	return b.String()
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func TestCodecTargets(t *testing.T) {
	raw := rawFrom(t, map[string]string{"codec": codec(map[string]map[string][2]float64{
		"v1":      {"slipway": {10000, 3000}, "algnhsa": {150000, 0}, "apiproxy": {30000, 0}},   // exactly 3×: met
		"v2":      {"slipway": {12500, 1400}, "algnhsa": {37000, 0}, "lambdaurl": {50000, 0}},   // 2.96×, and > 12 µs
		"alb":     {"slipway": {6000, 1800}},                                                    // no peer ran
		"url":     {"slipway": {5000, 1400}, "apiproxy": {30000, 0}, "lambdaurl": {26000, 0}},   // 5.2×
		"v2-256k": {"slipway": {4e5, 300000}, "algnhsa": {3e6, 290000}, "apiproxy": {4e6, 2e6}}, // algnhsa allocates less
	})}, nil)
	ts := codecTargets(raw)
	for _, c := range []struct {
		what     string
		status   Status
		measured string
	}{
		{"`v1`", Met, "3.00× (slipway 10.0 µs, apiproxy 30.0 µs)"},
		{"`v2`: Invoke", Missed, "2.96× (slipway 12.5 µs, algnhsa 37.0 µs)"},
		{"`alb`", NotMeasured, ""},
		{"`url`", Met, "5.20× (slipway 5.00 µs, lambdaurl 26.0 µs)"},
		{"`v2`: whole", Missed, "12.5 µs"},
		{"`v2-256k`", Missed, "slipway 293 KiB; algnhsa 283 KiB, apiproxy 1.91 MiB"},
	} {
		got := find(t, ts, c.what)
		if got.Status != c.status || (c.measured != "" && got.Measured != c.measured) {
			t.Errorf("%s: %v %q, want %v %q", c.what, got.Status, got.Measured, c.status, c.measured)
		}
	}
}

const adapterOutput = `BenchmarkLoopbackRoundTrip-2 3000 67000 ns/op 30.0 p50-µs
BenchmarkDirect/1KiB-2 3000 75000 ns/op 50.0 p50-µs 9000 B/op 87 allocs/op
BenchmarkDirect/256KiB-2 3000 1050000 ns/op 600.0 p50-µs 675000 B/op 109 allocs/op
BenchmarkAdapter/1KiB-2 3000 370000 ns/op 190.0 p50-µs 33000 B/op 299 allocs/op
BenchmarkAdapter/256KiB-2 3000 4090000 ns/op 2000.0 p50-µs 1600000 B/op 339 allocs/op
BenchmarkRuntimeAPIOnly/1KiB-2 3000 185000 ns/op 116.0 p50-µs 19000 B/op 193 allocs/op
BenchmarkRuntimeAPIOnly/256KiB-2 3000 1430000 ns/op 805.0 p50-µs 594000 B/op 199 allocs/op
`

func TestAdapterTargets(t *testing.T) {
	raw := rawFrom(t, map[string]string{
		"adapter":           adapterOutput,
		"adapter-readiness": "BenchmarkReadiness-2 60 30000000 ns/op 1500 p50-µs\nBenchmarkReadiness-2 60 30000000 ns/op 2100 p50-µs\nBenchmarkReadiness-2 60 30000000 ns/op 1900 p50-µs\n",
		"adapter-rss":       "BenchmarkIdleRSS-2 1 1800000000 ns/op 15.2 RSS-MB\n",
	}, KV{"stripped-bytes": "11999999", "target": "linux/amd64"})
	ts := adapterTargets(raw)
	for _, c := range []struct {
		what     string
		status   Status
		measured string
	}{
		// 190 − 50 = 140 µs = 4.67 × 30 µs.
		{"1KiB: p50", Missed, "4.67 round trips: +140 µs (190 µs − 50.0 µs); round trip 30.0 µs"},
		{"256KiB: p50", Missed, "46.7 round trips: +1.40 ms (2.00 ms − 600 µs); round trip 30.0 µs"},
		// 33000 − 9000 − 19000 = 5000 B = 4.88× 1 KiB.
		{"1KiB: bytes the adapter allocates", Missed, "4.88 KiB = 4.88× the 1.00 KiB body"},
		// 1600000 − 675000 − 594000 = 331000 B = 1.26× 256 KiB.
		{"256KiB: bytes the adapter allocates", Met, "323 KiB = 1.26× the 256 KiB body"},
		{"readiness", Met, "1.90 ms"},
		{"idle RSS", Missed, "15.2 MB"},
		{"stripped binary", Met, "12.0 MB (11.4 MiB)"},
	} {
		got := find(t, ts, c.what)
		if got.Status != c.status || got.Measured != c.measured {
			t.Errorf("%s: %v %q, want %v %q", c.what, got.Status, got.Measured, c.status, c.measured)
		}
	}
}

// BenchmarkOverhead (one invocation reaching a parked adapter, interleaved with the direct
// request and the round trip) carries the latency target when it exists; its added/rtt decides.
func TestAdapterTargetFromOverhead(t *testing.T) {
	raw := rawFrom(t, map[string]string{"adapter": adapterOutput +
		"BenchmarkOverhead/1KiB-2 3000 300000 ns/op 26.0 rtt-p50-µs 45.0 direct-p50-µs 70.0 adapter-p50-µs 25.0 added-p50-µs 0.96 added/rtt\n" +
		"BenchmarkOverhead/1KiB-2 3000 300000 ns/op 30.0 rtt-p50-µs 47.0 direct-p50-µs 80.0 adapter-p50-µs 33.0 added-p50-µs 1.10 added/rtt\n" +
		"BenchmarkOverhead/1KiB-2 3000 300000 ns/op 28.0 rtt-p50-µs 46.0 direct-p50-µs 72.0 adapter-p50-µs 26.0 added-p50-µs 0.93 added/rtt\n"}, nil)
	got := find(t, adapterTargets(raw), "1KiB: p50")
	if got.Status != Met || !strings.Contains(got.What, "`Overhead` (parked poller)") ||
		got.Measured != "0.960 round trips: +26.0 µs (72.0 µs − 46.0 µs); round trip 28.0 µs" {
		t.Errorf("%+v", got)
	}
	// 256KiB has no Overhead result: the serial cycle carries it, and says so.
	if got := find(t, adapterTargets(raw), "256KiB: p50"); !strings.Contains(got.What, "serial cycle") || got.Status != Missed {
		t.Errorf("%+v", got)
	}
}

// BenchmarkAdapterProcess (the adapter in a process of its own) carries the allocation target
// when it exists; its adapter-B/body decides.
func TestAdapterAllocTargetFromProcess(t *testing.T) {
	raw := rawFrom(t, map[string]string{"adapter": adapterOutput +
		"BenchmarkAdapterProcess/1KiB-2 3000 300000 ns/op 90.0 p50-µs 3000 adapter-B/op 14 adapter-allocs/op 2.93 adapter-B/body\n" +
		"BenchmarkAdapterProcess/256KiB-2 300 3000000 ns/op 900.0 p50-µs 290000 adapter-B/op 15 adapter-allocs/op 1.106 adapter-B/body\n"}, nil)
	ts := adapterTargets(raw)
	for _, c := range []struct {
		what     string
		status   Status
		measured string
	}{
		{"1KiB: bytes the adapter process", Missed, "2.93 KiB = 2.93× the 1.00 KiB body"},
		{"256KiB: bytes the adapter process", Met, "283 KiB = 1.11× the 256 KiB body"},
	} {
		got := find(t, ts, c.what)
		if got.Status != c.status || got.Measured != c.measured {
			t.Errorf("%s: %v %q, want %v %q", c.what, got.Status, got.Measured, c.status, c.measured)
		}
	}
}

const localOutput = `BenchmarkSerialInvoke-2 5000 500000 ns/op 431000 invoke-ns/op 88000 bare-ns/op 4.90 invoke/bare 400000 invoke-p50-ns 101000 bare-p50-ns 3.95 p50-invoke/bare
BenchmarkRuntimeFloor-2 5000 327000 ns/op 327000 floor-ns
`

func TestLocalTargets(t *testing.T) {
	raw := rawFrom(t, map[string]string{
		"local":            localOutput,
		"local-throughput": "BenchmarkThroughput-2 400 6000000 ns/op 89.9 %ideal 143.8 req/s 51.4 fn-ms\n",
		"local-coldstart":  "BenchmarkColdStart-2 100 9000000 ns/op 5000000 added-ns\n",
	}, nil)
	ts := localTargets(raw)
	if len(ts) != 3 {
		t.Errorf("%d targets, want 3", len(ts))
	}
	for _, c := range []struct {
		what     string
		status   Status
		measured string
	}{
		{"(`SerialInvoke`, `p50-invoke/bare`)", Met, "3.95× (400 µs ÷ 101 µs)"},
		{"throughput", Missed, "89.9 % (144 req/s)"},
		{"cold start", Met, "5.00 ms"},
	} {
		got := find(t, ts, c.what)
		if got.Status != c.status || got.Measured != c.measured {
			t.Errorf("%s: %v %q, want %v %q", c.what, got.Status, got.Measured, c.status, c.measured)
		}
	}

	// The cross-process benchmark, when there is one, carries the target instead.
	raw = rawFrom(t, map[string]string{"local": localOutput +
		"BenchmarkSerialInvokeProcess-2 5000 500000 ns/op 3.10 invoke/bare 520000 invoke-p50-ns 120000 bare-p50-ns 4.33 p50-invoke/bare\n"}, nil)
	got := find(t, localTargets(raw), "serial invoke")
	if got.Status != Missed || !strings.Contains(got.What, "`SerialInvokeProcess`") || got.Measured != "4.33× (520 µs ÷ 120 µs)" {
		t.Errorf("%+v", got)
	}
}

// With nothing measured every target says so, and none is met.
func TestTargetsWithoutResults(t *testing.T) {
	ts := Targets(rawFrom(t, nil, nil))
	if len(ts) != 16 {
		t.Fatalf("%d targets", len(ts))
	}
	for _, x := range ts {
		if x.Status != NotMeasured || x.Measured != "—" {
			t.Errorf("%s: %v %q", x.What, x.Status, x.Measured)
		}
	}
}
