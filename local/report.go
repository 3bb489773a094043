package local

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Report file formats (slipway local --report).
const (
	ReportCSV   = "csv"   // a header row, then one row per invocation
	ReportJSON  = "json"  // one JSON array of objects, complete once the writer is closed
	ReportJSONL = "jsonl" // one JSON object per line (JSON Lines), readable while it grows
)

// ReportColumns are the report's columns (CSV) and keys (JSON), in order. Durations are in
// milliseconds with two decimals, as REPORT lines show them; init_duration_ms is empty (CSV)
// or absent (JSON) when the invocation was warm; the cost is in USD, pricing.Label.
var ReportColumns = []string{
	"request_id", "start", "duration_ms", "billed_duration_ms", "init_duration_ms", "cold_start",
	"memory_size_mb", "max_memory_used_mb", "outcome", "error_type", "estimated_cost_usd",
}

// ReportFormat picks the report format: format when given, else the file's extension.
func ReportFormat(path, format string) (string, error) {
	switch format {
	case ReportCSV, ReportJSON, ReportJSONL:
		return format, nil
	case "":
	default:
		return "", fmt.Errorf("report format %q: use csv, json or jsonl", format)
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		return ReportCSV, nil
	case ".json":
		return ReportJSON, nil
	case ".jsonl", ".ndjson":
		return ReportJSONL, nil
	default:
		return "", fmt.Errorf("report file %q: name it .csv, .json or .jsonl, or give the format", path)
	}
}

// ReportWriter writes Records to a report file as they come; its Write method fits
// Config.OnReport. The first write error stops the writing and is returned by Close.
type ReportWriter struct {
	mu     sync.Mutex
	format string
	w      *bufio.Writer
	csv    *csv.Writer
	rows   int
	err    error
	closed bool
}

// NewReportWriter starts a report in format on w (the CSV header, the JSON array's bracket).
func NewReportWriter(w io.Writer, format string) (*ReportWriter, error) {
	rw := &ReportWriter{format: format, w: bufio.NewWriterSize(w, 64<<10)}
	switch format {
	case ReportCSV:
		rw.csv = csv.NewWriter(rw.w)
		rw.err = rw.csv.Write(ReportColumns)
	case ReportJSON:
		_, rw.err = rw.w.WriteString("[")
	case ReportJSONL:
	default:
		return nil, fmt.Errorf("report format %q: use csv, json or jsonl", format)
	}
	return rw, nil
}

// reportRow is a Record as the JSON formats write it; the field order is ReportColumns'.
type reportRow struct {
	RequestID       string   `json:"request_id"`
	Start           string   `json:"start"`
	DurationMs      float64  `json:"duration_ms"`
	BilledMs        int64    `json:"billed_duration_ms"`
	InitMs          *float64 `json:"init_duration_ms,omitempty"`
	ColdStart       bool     `json:"cold_start"`
	MemoryMB        int      `json:"memory_size_mb"`
	MaxMemoryUsedMB int64    `json:"max_memory_used_mb"`
	Outcome         string   `json:"outcome"`
	ErrorType       string   `json:"error_type"`
	Cost            float64  `json:"estimated_cost_usd"`
}

// Write adds r to the report. Once the writer failed or was closed, it does nothing.
func (rw *ReportWriter) Write(r Record) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err != nil || rw.closed {
		return
	}
	start := r.Start.UTC().Format(time.RFC3339Nano)
	if rw.csv != nil {
		init := ""
		if r.Init > 0 {
			init = formatMs(r.Init)
		}
		rw.err = rw.csv.Write([]string{
			r.RequestID, start, formatMs(r.Duration), strconv.FormatInt(r.BilledMs, 10), init,
			strconv.FormatBool(r.ColdStart), strconv.Itoa(r.MemoryMB), strconv.FormatInt(r.MaxMemoryUsedMB, 10),
			r.Outcome.String(), r.ErrorType, formatCost(r.Cost),
		})
		rw.rows++
		return
	}
	row := reportRow{
		RequestID: r.RequestID, Start: start, DurationMs: roundMs(r.Duration), BilledMs: r.BilledMs,
		ColdStart: r.ColdStart, MemoryMB: r.MemoryMB, MaxMemoryUsedMB: r.MaxMemoryUsedMB,
		Outcome: r.Outcome.String(), ErrorType: r.ErrorType, Cost: roundCost(r.Cost),
	}
	if r.Init > 0 {
		ms := roundMs(r.Init)
		row.InitMs = &ms
	}
	b, err := json.Marshal(row)
	if err != nil {
		rw.err = err
		return
	}
	sep := ",\n" // a JSON array's rows, one a line
	switch {
	case rw.format == ReportJSONL:
		sep = ""
		b = append(b, '\n')
	case rw.rows == 0:
		sep = "\n"
	}
	rw.w.WriteString(sep)
	_, rw.err = rw.w.Write(b) // bufio.Writer's errors stick: the last write reports any
	rw.rows++
}

// Rows is how many invocations the report holds so far.
func (rw *ReportWriter) Rows() int {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.rows
}

// Close ends the report (the JSON array's bracket) and flushes it; it does not close the
// underlying writer. It returns the first error writing met.
func (rw *ReportWriter) Close() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.closed {
		return rw.err
	}
	rw.closed = true
	if rw.err != nil {
		return rw.err
	}
	if rw.csv != nil {
		rw.csv.Flush()
		rw.err = rw.csv.Error()
	}
	if rw.format == ReportJSON && rw.err == nil {
		if rw.rows > 0 {
			rw.w.WriteString("\n")
		}
		_, rw.err = rw.w.WriteString("]\n")
	}
	if rw.err == nil {
		rw.err = rw.w.Flush()
	}
	return rw.err
}

// formatMs writes d in milliseconds with two decimals, as REPORT lines do.
func formatMs(d time.Duration) string {
	return string(appendMs(nil, d))
}

// costDecimals keep a cost exact to a millionth of the smallest price in it (a request's
// $0.0000002), without float noise ("0.00000038333369999999995").
const costDecimals = 13

func formatCost(v float64) string {
	s := strconv.FormatFloat(v, 'f', costDecimals, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".") // "0." → "0"
}

func roundCost(v float64) float64 {
	r, _ := strconv.ParseFloat(formatCost(v), 64)
	return r
}

// roundMs is d in milliseconds rounded to two decimals: the JSON number prints as REPORT shows.
func roundMs(d time.Duration) float64 {
	v, _ := strconv.ParseFloat(formatMs(d), 64)
	return v
}
