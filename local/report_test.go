package local

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var reportRecords = []Record{
	{RequestID: "0f1e2d3c-aaaa-4bbb-8ccc-000000000001", Start: time.Date(2026, 11, 21, 13, 2, 32, 161000000, time.UTC),
		Duration: 12344 * time.Microsecond, BilledMs: 164, Init: 150270 * time.Microsecond, ColdStart: true,
		MemoryMB: 512, MaxMemoryUsedMB: 45, Cost: 0.0000002 + 0.5*0.164*0.0000166667},
	{RequestID: "0f1e2d3c-aaaa-4bbb-8ccc-000000000002", Start: time.Date(2026, 11, 21, 13, 2, 33, 0, time.FixedZone("CET", 3600)),
		Duration: 2*time.Millisecond + 4*time.Microsecond, BilledMs: 3, MemoryMB: 512, MaxMemoryUsedMB: 46,
		Outcome: OutcomeError, ErrorType: "Runtime.ExitError", Cost: 0.0000002 + 0.5*0.003*0.0000166667},
	{RequestID: "0f1e2d3c-aaaa-4bbb-8ccc-000000000003", Start: time.Date(2026, 11, 21, 13, 2, 34, 999999999, time.UTC),
		Duration: 3 * time.Second, BilledMs: 3000, MemoryMB: 512, MaxMemoryUsedMB: 46,
		Outcome: OutcomeTimeout, ErrorType: "Sandbox.Timedout"},
}

// wantRows is reportRecords as every format must say it: durations with REPORT's two decimals,
// times in UTC, no init duration when warm, costs without float noise.
var wantRows = [][]string{
	{"0f1e2d3c-aaaa-4bbb-8ccc-000000000001", "2026-11-21T13:02:32.161Z", "12.34", "164", "150.27", "true", "512", "45", "success", "", "0.0000015666694"},
	{"0f1e2d3c-aaaa-4bbb-8ccc-000000000002", "2026-11-21T12:02:33Z", "2.00", "3", "", "false", "512", "46", "error", "Runtime.ExitError", "0.0000002250001"},
	{"0f1e2d3c-aaaa-4bbb-8ccc-000000000003", "2026-11-21T13:02:34.999999999Z", "3000.00", "3000", "", "false", "512", "46", "timeout", "Sandbox.Timedout", "0"},
}

func writeReport(t *testing.T, format string, records []Record) string {
	t.Helper()
	var b bytes.Buffer
	rw, err := NewReportWriter(&b, format)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		rw.Write(r)
	}
	if rw.Rows() != len(records) {
		t.Errorf("Rows() = %d, want %d", rw.Rows(), len(records))
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	rw.Write(records[0]) // after Close: ignored
	return b.String()
}

func TestReportCSV(t *testing.T) {
	out := writeReport(t, ReportCSV, reportRecords)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(rows[0], ReportColumns) {
		t.Errorf("header %q", rows[0])
	}
	if !reflect.DeepEqual(rows[1:], wantRows) {
		t.Errorf("rows\n%q\nwant\n%q", rows[1:], wantRows)
	}
}

// jsonRows reads JSON objects back into rows in ReportColumns' order, checking that every
// key is a column and no column is missing (init_duration_ms may be).
func jsonRows(t *testing.T, objects []map[string]any) [][]string {
	t.Helper()
	var rows [][]string
	for _, o := range objects {
		var row []string
		for _, col := range ReportColumns {
			v, ok := o[col]
			switch {
			case !ok && col == "init_duration_ms":
				row = append(row, "")
			case !ok:
				t.Errorf("object without %q: %v", col, o)
				row = append(row, "")
			default:
				b, _ := json.Marshal(v)
				row = append(row, strings.Trim(string(b), `"`))
			}
		}
		if len(o) > len(ReportColumns) {
			t.Errorf("object with keys beyond the columns: %v", o)
		}
		rows = append(rows, row)
	}
	return rows
}

// JSON numbers lose trailing zeros ("2.00" reads back as 2); the values must match.
var wantJSONRows = func() [][]string {
	out := make([][]string, len(wantRows))
	for i, row := range wantRows {
		out[i] = append([]string(nil), row...)
		for _, j := range []int{2, 4} {
			out[i][j] = strings.TrimSuffix(strings.TrimRight(out[i][j], "0"), ".")
		}
	}
	out[0][10] = "0.0000015666694"
	out[1][10] = "2.250001e-7"
	return out
}()

func TestReportJSON(t *testing.T) {
	out := writeReport(t, ReportJSON, reportRecords)
	var objects []map[string]any
	if err := json.Unmarshal([]byte(out), &objects); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := jsonRows(t, objects); !reflect.DeepEqual(got, wantJSONRows) {
		t.Errorf("rows\n%q\nwant\n%q", got, wantJSONRows)
	}
	// One object a line, so that the file reads well and diffs well.
	if n := strings.Count(out, "\n"); n != len(reportRecords)+2 {
		t.Errorf("%d lines:\n%s", n, out)
	}
	if empty := writeReportEmpty(t, ReportJSON); empty != "[]\n" {
		t.Errorf("no invocations: %q, want an empty array", empty)
	}
}

func TestReportJSONLines(t *testing.T) {
	out := writeReport(t, ReportJSONL, reportRecords)
	var objects []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var o map[string]any
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		objects = append(objects, o)
	}
	if got := jsonRows(t, objects); !reflect.DeepEqual(got, wantJSONRows) {
		t.Errorf("rows\n%q\nwant\n%q", got, wantJSONRows)
	}
	if empty := writeReportEmpty(t, ReportJSONL); empty != "" {
		t.Errorf("no invocations: %q", empty)
	}
	if empty := writeReportEmpty(t, ReportCSV); empty != strings.Join(ReportColumns, ",")+"\n" {
		t.Errorf("no invocations, CSV: %q", empty)
	}
}

func writeReportEmpty(t *testing.T, format string) string {
	var b bytes.Buffer
	rw, err := NewReportWriter(&b, format)
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Concurrent invocations write whole rows.
func TestReportConcurrent(t *testing.T) {
	var b bytes.Buffer
	rw, _ := NewReportWriter(&b, ReportCSV)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				rw.Write(reportRecords[i%len(reportRecords)])
			}
		}()
	}
	wg.Wait()
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 1+8*500 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	for _, row := range rows[1:] {
		if !reflect.DeepEqual(row, wantRows[0]) && !reflect.DeepEqual(row, wantRows[1]) && !reflect.DeepEqual(row, wantRows[2]) {
			t.Fatalf("mixed row %q", row)
		}
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestReportWriteError(t *testing.T) {
	for _, format := range []string{ReportCSV, ReportJSON, ReportJSONL} {
		rw, err := NewReportWriter(&failingWriter{after: 100 << 10}, format)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2000; i++ { // more than the buffer and the writer take
			rw.Write(reportRecords[0])
		}
		if err := rw.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: Close() = %v, want the write error", format, err)
		}
		if err := rw.Close(); err == nil {
			t.Errorf("%s: second Close() forgot the error", format)
		}
	}
}

func TestReportFormat(t *testing.T) {
	tests := []struct {
		path, format, want, err string
	}{
		{"out.csv", "", ReportCSV, ""},
		{"dir.v2/OUT.CSV", "", ReportCSV, ""},
		{"out.json", "", ReportJSON, ""},
		{"out.jsonl", "", ReportJSONL, ""},
		{"out.ndjson", "", ReportJSONL, ""},
		{"out.txt", "csv", ReportCSV, ""},
		{"out.csv", "json", ReportJSON, ""},
		{"out", "", "", `report file "out": name it .csv, .json or .jsonl, or give the format`},
		{"out.csv", "xml", "", `report format "xml": use csv, json or jsonl`},
	}
	for _, tt := range tests {
		got, err := ReportFormat(tt.path, tt.format)
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("ReportFormat(%q, %q) = %q, %v; want %q, %q", tt.path, tt.format, got, err, tt.want, tt.err)
		}
	}
	if _, err := NewReportWriter(&bytes.Buffer{}, "xml"); err == nil {
		t.Error("NewReportWriter accepted format xml")
	}
}
