package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Output is one raw `go test -bench` output: every result line, grouped by benchmark.
type Output struct {
	Config     map[string]string // the header's key: value lines (goos, goarch, pkg, cpu)
	Benchmarks []*Benchmark      // in order of first appearance
	Skipped    map[string]string // benchmark (no "Benchmark" prefix) → the reason it gave
	Failed     []string          // benchmarks that reported --- FAIL
	byName     map[string]*Benchmark
}

// Benchmark is every run of one benchmark (one line per -count).
type Benchmark struct {
	Name  string // without the "Benchmark" prefix and the -GOMAXPROCS suffix: "Adapter/1KiB"
	Units []string
	Runs  []map[string]float64 // unit → value
}

// Stat summarizes one metric over a benchmark's runs.
type Stat struct {
	Median, Min, Max float64
	N                int
}

// Spread is the largest distance of any run from the median, relative to the median.
func (s Stat) Spread() float64 {
	if s.Median == 0 {
		return 0
	}
	return math.Max(s.Max-s.Median, s.Median-s.Min) / math.Abs(s.Median)
}

// ParseOutput reads `go test -bench` output. Lines that are neither results, configuration nor
// SKIP/FAIL markers (logs, PASS, ok) are ignored, as benchstat ignores them.
func ParseOutput(r io.Reader) (*Output, error) {
	out := &Output{Config: map[string]string{}, Skipped: map[string]string{}, byName: map[string]*Benchmark{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var skipping string // the benchmark whose SKIP reason lines follow
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if skipping != "" && strings.HasPrefix(line, " ") && trimmed != "" {
			if out.Skipped[skipping] == "" {
				out.Skipped[skipping] = skipReason(trimmed)
			}
			continue
		}
		skipping = ""
		switch {
		case strings.HasPrefix(trimmed, "--- SKIP: Benchmark"):
			skipping = benchName(strings.Fields(strings.TrimPrefix(trimmed, "--- SKIP: "))[0])
			out.Skipped[skipping] = ""
		case strings.HasPrefix(trimmed, "--- FAIL: Benchmark"):
			out.Failed = append(out.Failed, benchName(strings.Fields(strings.TrimPrefix(trimmed, "--- FAIL: "))[0]))
		case strings.HasPrefix(line, "Benchmark"):
			if err := out.addResult(line); err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
		default:
			if k, v, ok := strings.Cut(line, ": "); ok && isConfigKey(k) {
				out.Config[k] = strings.TrimSpace(v)
			}
		}
	}
	return out, sc.Err()
}

// addResult parses "BenchmarkName-N  iterations  value unit  value unit…". A line that starts
// with a benchmark name but has no numbers is a benchmark's log output (or a bare name printed
// before its result under -v) and is skipped.
func (o *Output) addResult(line string) error {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 {
		return nil
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return nil
	}
	run := make(map[string]float64, len(f)/2-1)
	var units []string
	for i := 2; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return fmt.Errorf("value %q of %s: %v", f[i], f[0], err)
		}
		run[f[i+1]] = v
		units = append(units, f[i+1])
	}
	name := benchName(f[0])
	b := o.byName[name]
	if b == nil {
		b = &Benchmark{Name: name}
		o.byName[name] = b
		o.Benchmarks = append(o.Benchmarks, b)
	}
	for _, u := range units {
		if !slices.Contains(b.Units, u) {
			b.Units = append(b.Units, u)
		}
	}
	b.Runs = append(b.Runs, run)
	return nil
}

// benchName drops the "Benchmark" prefix and the "-N" GOMAXPROCS suffix, as benchfmt does.
func benchName(s string) string {
	s = strings.TrimPrefix(s, "Benchmark")
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		if _, err := strconv.Atoi(s[i+1:]); err == nil {
			s = s[:i]
		}
	}
	return s
}

// skipReason drops the "file_test.go:123: " prefix of a t.Skip message.
func skipReason(s string) string {
	if _, rest, ok := strings.Cut(s, ": "); ok && strings.Contains(s[:len(s)-len(rest)], ".go:") {
		return rest
	}
	return s
}

func isConfigKey(k string) bool {
	if k == "" || strings.ContainsAny(k, " \t") {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// Get returns the benchmark of that name, or nil.
func (o *Output) Get(name string) *Benchmark {
	if o == nil {
		return nil
	}
	return o.byName[name]
}

// Stat summarizes unit over the runs that report it.
func (b *Benchmark) Stat(unit string) (Stat, bool) {
	if b == nil {
		return Stat{}, false
	}
	var vs []float64
	for _, r := range b.Runs {
		if v, ok := r[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return Stat{}, false
	}
	slices.Sort(vs)
	m := vs[len(vs)/2]
	if len(vs)%2 == 0 {
		m = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	return Stat{Median: m, Min: vs[0], Max: vs[len(vs)-1], N: len(vs)}, true
}

// Top is the top-level benchmark a (sub-)benchmark belongs to: "Adapter" for "Adapter/1KiB".
func Top(name string) string {
	top, _, _ := strings.Cut(name, "/")
	return top
}
