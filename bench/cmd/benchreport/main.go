// Command benchreport turns the raw outputs of scripts/bench into BENCHMARKS.md and its chart.
//
//	go run ./cmd/benchreport -raw ../docs/bench -md ../BENCHMARKS.md -svg ../docs/benchmarks.svg -root ..
//
// It reads only the raw directory (the `go test -bench` outputs, what ran them and the machine),
// computes every figure and every met/missed from those numbers, and writes both files. It runs
// no benchmark itself: scripts/bench does, so that the report can be regenerated from committed
// outputs. Standard library only.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	rawDir := flag.String("raw", "docs/bench", "the raw directory scripts/bench wrote")
	md := flag.String("md", "BENCHMARKS.md", "the Markdown file to write")
	svg := flag.String("svg", "docs/benchmarks.svg", "the chart to write")
	root := flag.String("root", ".", "the repository root (paths in the report are relative to it)")
	benchstat := flag.String("benchstat", "", "benchstat binary for the codec table (none: a plain table)")
	warnLoad := flag.Float64("warn-load", 0.25, "warn when other processes used more than this many cores during a section")
	warnLoadAvg := flag.Float64("warn-loadavg", 1, "warn when the 1-minute load average at the start was above this")
	strict := flag.Bool("strict", false, "fail when a benchmark failed or produced no result (skips are allowed)")
	flag.Parse()
	if err := run(*rawDir, *md, *svg, *root, *benchstat, *warnLoad, *warnLoadAvg, *strict); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(rawDir, md, svg, root, benchstat string, warnLoad, warnLoadAvg float64, strict bool) error {
	raw, err := LoadRaw(rawDir)
	if err != nil {
		return err
	}
	r := &Report{
		Raw: raw, Root: root, Targets: Targets(raw),
		RawRel: rel(root, rawDir), SVGRel: rel(filepath.Dir(md), svg),
		Benchstat: benchstat, WarnLoad: warnLoad, WarnLoadAvg: warnLoadAvg,
	}
	if ps := r.Problems(); strict && len(ps) > 0 {
		return fmt.Errorf("benchmarks did not all run:\n  %s", strings.Join(ps, "\n  "))
	}
	if err := os.WriteFile(md, []byte(r.Markdown()), 0o644); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := BuildChart(raw, r.chartSubtitle()).WriteSVG(&b); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(svg), 0o755); err != nil {
		return err
	}
	return os.WriteFile(svg, b.Bytes(), 0o644)
}

// chartSubtitle says where the numbers come from, and warns as the report does.
func (r *Report) chartSubtitle() []string {
	m := r.Raw.Machine
	met := 0
	for _, t := range r.Targets {
		if t.Status == Met {
			met++
		}
	}
	lines := []string{
		fmt.Sprintf("%s, %s cores, %s · %s", cpuName(m), m["cpus"], strings.TrimPrefix(m["go"], "go version "), m["date"]),
		fmt.Sprintf("commit %s · %d of %d targets met · details and exact commands in BENCHMARKS.md", m["commit"], met, len(r.Targets)),
		"Bars: medians of the runs (blue: slipway, grey: baselines and peers); whiskers: the runs' range; red dashes: the target.",
	}
	if len(r.warnings()) > 0 {
		lines = append(lines, "Warning: the machine was busy with other work during the run, the numbers are noisy (see BENCHMARKS.md).")
	}
	return lines
}

// rel is path relative to base, with forward slashes, or path itself when that fails.
func rel(base, path string) string {
	ab, err1 := filepath.Abs(base)
	ap, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return path
	}
	r, err := filepath.Rel(ab, ap)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}
