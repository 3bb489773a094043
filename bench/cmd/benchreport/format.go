package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Units as the benchmarks report them, by what they measure. A custom metric's unit says what
// it is by its suffix (p50-µs, invoke-ns/op, fn-ms, RSS-MB…).
func nsPerUnit(unit string) (float64, bool) {
	u := strings.TrimSuffix(unit, "/op")
	switch {
	case u == "ns" || u == "sec" || strings.HasSuffix(u, "-ns"):
		if u == "sec" {
			return 1e9, true
		}
		return 1, true
	case strings.HasSuffix(u, "-µs") || strings.HasSuffix(u, "-us"):
		return 1e3, true
	case strings.HasSuffix(u, "-ms"):
		return 1e6, true
	}
	return 0, false
}

// formatValue writes v (in unit) the way a reader takes it in: durations in ns/µs/ms/s, sizes
// in B/KiB/MiB, ratios with ×, three significant digits.
func formatValue(unit string, v float64) string {
	if k, ok := nsPerUnit(unit); ok {
		return formatDuration(v * k)
	}
	switch {
	case strings.HasSuffix(unit, "B/op"): // B/op, adapter-B/op
		return formatBytes(v)
	case strings.HasSuffix(unit, "allocs/op"):
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
		return sig3(v)
	case unit == "MB/s":
		return sig3(v) + " MB/s"
	case strings.HasSuffix(unit, "-MB"):
		return sig3(v) + " MB"
	case strings.HasPrefix(unit, "%"):
		return sig3(v) + " %"
	case strings.Contains(unit, "/") && !strings.HasSuffix(unit, "/s") && !strings.HasSuffix(unit, "/op"):
		return sig3(v) + "×" // a ratio such as invoke/bare
	}
	return sig3(v) + " " + unit
}

func formatDuration(ns float64) string {
	switch a := math.Abs(ns); {
	case a >= 1e9:
		return sig3(ns/1e9) + " s"
	case a >= 1e6:
		return sig3(ns/1e6) + " ms"
	case a >= 1e3:
		return sig3(ns/1e3) + " µs"
	}
	return sig3(ns) + " ns"
}

func formatBytes(b float64) string {
	switch a := math.Abs(b); {
	case a >= 1<<20:
		return sig3(b/(1<<20)) + " MiB"
	case a >= 1<<10:
		return sig3(b/(1<<10)) + " KiB"
	}
	return sig3(b) + " B"
}

// sig3 prints three significant digits, without exponent and without trailing zeros beyond
// them ("12.0" stays: it says the precision).
func sig3(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	a := math.Abs(v)
	switch {
	case a >= 100:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	d := 2 - int(math.Floor(math.Log10(a)))
	return strconv.FormatFloat(v, 'f', d, 64)
}

// formatStat is "median ±spread" for a cell of a table; the spread is omitted for one run.
func formatStat(unit string, s Stat) string {
	v := formatValue(unit, s.Median)
	if s.N < 2 {
		return v
	}
	return fmt.Sprintf("%s ±%.0f%%", v, 100*s.Spread())
}
