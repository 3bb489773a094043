package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/raw is a real scripts/bench -smoke run (every benchmark once, on a busy machine): the
// report must describe it, with the numbers computed from those files.
func TestReportFromRealRun(t *testing.T) {
	dir := t.TempDir()
	md, svg := filepath.Join(dir, "BENCHMARKS.md"), filepath.Join(dir, "docs", "benchmarks.svg")
	if err := run("testdata/raw", md, svg, ".", "", 0.25, 1, true); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{
		// Counted from the targets below.
		"**6 of 16 targets met**",
		// The run started at load 7.24: the report says it is noisy.
		"> **Warning:** the machine's 1-minute load average was 7.24 when the run started",
		"| `codec` | 1 s | 5.23 | 0.963 ⚠ |",
		// Targets, from the raw numbers: slipway v2 116943 ns/op, apiproxy 119087 ns/op.
		"| Event codec vs peers | `v2`: Invoke time, fastest peer ÷ slipway | ≥ 3× | 1.02× (slipway 117 µs, apiproxy 119 µs) | **missed** |",
		// BenchmarkOverhead and BenchmarkAdapterProcess carry the adapter's targets.
		"| Adapter | 1KiB: p50 latency the adapter adds over a direct request, `Overhead` (parked poller) | ≤ one loopback round trip | 1.66 round trips: +136 µs (213 µs − 77.2 µs); round trip 81.7 µs | **missed** |",
		"| Adapter | 256KiB: bytes the adapter process allocates per request (`AdapterProcess`) | ≤ 2× the body | 9.30 KiB = 0.0363× the 256 KiB body | met |",
		"| Adapter | idle RSS of `slipway` in extension mode (VmRSS) | ≤ 15 MB | 12.8 MB | met |",
		// BenchmarkSerialInvokeProcess carries local's: 692137 ÷ 491118 ns.
		"| slipway local | serial invoke ÷ bare loopback round trip, medians (`SerialInvokeProcess`, `p50-invoke/bare`) | ≤ 4× | 1.41× (692 µs ÷ 491 µs) | met |",
		"| slipway local | cold start added by the platform (`added-ns` = platform − bare) | ≤ 5 ms | 2.70 ms | met |",
		// Exact commands, and tables of every section.
		"cd bench && go test -run '^$' -bench '^(BenchmarkInvoke)$' -benchmem -count 1 -benchtime 1x -timeout 15m .",
		"| Invoke/v2-256KiB | 79.7 µs | 3297 MB/s | 1.28 KiB | 9 |",
		"| express | 528 µs | 1.33 ms | 6.13 ms | +803 µs |",
		"| FrontDoor/alb-multi | 68.4 µs | 18.8 KiB | 207 | |",
		"| AdapterProcess/1KiB | 2.22 ms | 9.28× | 9.27 KiB | 128 | 1.97 ms | 13.0 KiB | 103 |",
		"![Charts of the benchmark results](docs/benchmarks.svg)",
		"| CPU | AMD EPYC (family 25, model 17, KVM guest) |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("BENCHMARKS.md lacks %q", want)
		}
	}
	if strings.Contains(doc, "## Not measured") {
		t.Error("every benchmark ran, yet the report lists some as not measured")
	}
	s, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, e := range parseSVG(t, s) {
		if e.name == "text" && (strings.Contains(e.text, "(lower is better)") || strings.Contains(e.text, "(higher is better)")) {
			titles = append(titles, e.text)
		}
	}
	if len(titles) != 9 {
		t.Errorf("%d panels, want 9: %q", len(titles), titles)
	}
}

// A benchmark that produced nothing fails a strict run and is listed in the report otherwise.
func TestMissingBenchmark(t *testing.T) {
	raw := t.TempDir()
	for _, f := range []string{"machine.txt", "local.txt", "local.meta"} {
		b, err := os.ReadFile(filepath.Join("testdata/raw", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "local.txt" { // RuntimeFloor's result line lost
			var keep []string
			for _, l := range strings.Split(string(b), "\n") {
				if !strings.HasPrefix(l, "BenchmarkRuntimeFloor") {
					keep = append(keep, l)
				}
			}
			b = []byte(strings.Join(keep, "\n"))
		}
		if err := os.WriteFile(filepath.Join(raw, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	md, svg := filepath.Join(out, "B.md"), filepath.Join(out, "b.svg")
	err := run(raw, md, svg, ".", "", 0.25, 1, true)
	if err == nil || !strings.Contains(err.Error(), "`local`: RuntimeFloor produced no result") {
		t.Fatalf("strict run: err = %v", err)
	}
	if err := run(raw, md, svg, ".", "", 0.25, 1, false); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(md)
	for _, want := range []string{"## Not measured", "- `local`: RuntimeFloor produced no result", "**not measured**"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestNoOutputs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "machine.txt"), []byte("cpus: 2\n"), 0o644)
	if err := run(dir, filepath.Join(dir, "B.md"), filepath.Join(dir, "b.svg"), ".", "", 0.25, 1, false); err == nil ||
		!strings.Contains(err.Error(), "no benchmark outputs") {
		t.Fatalf("err = %v", err)
	}
}
