package main

import (
	"math"
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/slipway-dev/slipway/adapter
cpu: AMD EPYC
BenchmarkLoopbackRoundTrip-2   	    3000	     67000 ns/op	        34.5 p50-µs
BenchmarkDirect/1KiB-2         	    3000	     75000 ns/op	  13.65 MB/s	        48.0 p50-µs	    9011 B/op	      87 allocs/op
BenchmarkDirect/1KiB-2         	    3000	     77000 ns/op	  13.30 MB/s	        50.0 p50-µs	    9013 B/op	      87 allocs/op
BenchmarkDirect/1KiB-2         	    3000	     71000 ns/op	  14.42 MB/s	        46.0 p50-µs	    9012 B/op	      87 allocs/op
BenchmarkDirect/1KiB-2         	    3000	     99000 ns/op	  10.34 MB/s	        60.0 p50-µs	    9010 B/op	      87 allocs/op
    bench_test.go:12: a log line of the benchmark
BenchmarkInvoke/event=v2-256k/impl=slipway-2 	 100	 391500 ns/op	 271974 B/op	 9 allocs/op
BenchmarkIdleRSS
BenchmarkIdleRSS-2   	       1	1862424710 ns/op	        12.48 RSS-MB
--- SKIP: BenchmarkWarmRequest/python/http
    bench_test.go:57: python3 is not installed: the python example needs it
--- FAIL: BenchmarkAdapter/256KiB
    bench_test.go:140: result <nil> (12 bytes)
PASS
ok  	github.com/slipway-dev/slipway/adapter	12.3s
`

func TestParseOutput(t *testing.T) {
	out, err := ParseOutput(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	if out.Config["pkg"] != "github.com/slipway-dev/slipway/adapter" || out.Config["cpu"] != "AMD EPYC" {
		t.Errorf("config %v", out.Config)
	}
	var names []string
	for _, b := range out.Benchmarks {
		names = append(names, b.Name)
	}
	if got, want := strings.Join(names, ","), "LoopbackRoundTrip,Direct/1KiB,Invoke/event=v2-256k/impl=slipway,IdleRSS"; got != want {
		t.Errorf("benchmarks %s, want %s", got, want)
	}
	d := out.Get("Direct/1KiB")
	if len(d.Runs) != 4 || strings.Join(d.Units, ",") != "ns/op,MB/s,p50-µs,B/op,allocs/op" {
		t.Errorf("Direct/1KiB: %d runs, units %v", len(d.Runs), d.Units)
	}
	if got := out.Get("IdleRSS").Runs[0]["RSS-MB"]; got != 12.48 {
		t.Errorf("RSS-MB %v", got)
	}
	if got := out.Skipped["WarmRequest/python/http"]; got != "python3 is not installed: the python example needs it" {
		t.Errorf("skip reason %q", got)
	}
	if len(out.Failed) != 1 || out.Failed[0] != "Adapter/256KiB" {
		t.Errorf("failed %v", out.Failed)
	}
}

func TestParseOutputRejectsBadValue(t *testing.T) {
	_, err := ParseOutput(strings.NewReader("BenchmarkX-2 10 12x ns/op\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("err = %v, want an error naming line 1", err)
	}
}

func TestBenchName(t *testing.T) {
	for in, want := range map[string]string{
		"BenchmarkDirect/1KiB-2":                      "Direct/1KiB",
		"BenchmarkInvoke/v2-256KiB-16":                "Invoke/v2-256KiB",
		"BenchmarkInvoke/event=v2-256k/impl=apiproxy": "Invoke/event=v2-256k/impl=apiproxy",
		"BenchmarkStart":                              "Start",
	} {
		if got := benchName(in); got != want {
			t.Errorf("benchName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStat(t *testing.T) {
	out, err := ParseOutput(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := out.Get("Direct/1KiB").Stat("p50-µs")
	if !ok || s.N != 4 || s.Median != 49 || s.Min != 46 || s.Max != 60 {
		t.Fatalf("stat %+v", s)
	}
	if got, want := s.Spread(), 11.0/49; math.Abs(got-want) > 1e-12 {
		t.Errorf("spread %v, want %v", got, want)
	}
	s, _ = out.Get("LoopbackRoundTrip").Stat("p50-µs")
	if s.N != 1 || s.Median != 34.5 || s.Spread() != 0 {
		t.Errorf("one run: %+v", s)
	}
	if _, ok := out.Get("LoopbackRoundTrip").Stat("B/op"); ok {
		t.Error("a unit no run reports has a Stat")
	}
	if _, ok := out.Get("NoSuch").Stat("ns/op"); ok {
		t.Error("a missing benchmark has a Stat")
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		unit string
		v    float64
		want string
	}{
		{"ns/op", 67000, "67.0 µs"},
		{"ns/op", 391.5e3, "392 µs"},
		{"sec/op", 0.0012, "1.20 ms"},
		{"p50-µs", 1530, "1.53 ms"},
		{"invoke-ns/op", 431000, "431 µs"},
		{"added-ns", -1.7e6, "-1.70 ms"},
		{"fn-ms", 51.4, "51.4 ms"},
		{"B/op", 9012, "8.80 KiB"},
		{"B/op", 1.6e6, "1.53 MiB"},
		{"B/op", 832, "832 B"},
		{"allocs/op", 87, "87"},
		{"allocs/op", 25.5, "25.5"},
		{"RSS-MB", 12.48, "12.5 MB"},
		{"%ideal", 97.04, "97.0 %"},
		{"invoke/bare", 4.93, "4.93×"},
		{"req/s", 155.2, "155 req/s"},
		{"MB/s", 0.74, "0.740 MB/s"},
	} {
		if got := formatValue(c.unit, c.v); got != c.want {
			t.Errorf("formatValue(%q, %v) = %q, want %q", c.unit, c.v, got, c.want)
		}
	}
}
