//go:build linux

package local

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/pricing"
)

// stopCLI sends SIGINT and waits for slipway local to exit and its last line to be read.
func (c *cliRun) stopCLI() string {
	c.t.Helper()
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		c.t.Fatal("slipway local did not exit after SIGINT")
	}
	if code := c.cmd.ProcessState.ExitCode(); code != 0 {
		c.t.Errorf("exit code %d", code)
	}
	waitFor(c.t, "the last line", func() bool { return strings.Contains(c.stderr.String(), "slipway local: stopped") })
	return c.stderr.String()
}

// summaryLine returns the summary line that starts with label, without it.
func summaryLine(t *testing.T, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^ + ` + regexp.QuoteMeta(label) + ` +(.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Errorf("no summary line %q in\n%s", label, out)
		return ""
	}
	return m[1]
}

// The whole feature through the real binary: invocations, SIGINT, then the summary's figures
// recomputed from the REPORT lines, and a CSV report with one row per REPORT line.
func TestCLISummaryAndCSVReport(t *testing.T) {
	csvPath := filepath.Join(t.TempDir(), "session.csv")
	c := startCLI(t, "--runtime", "--memory", "512", "--concurrency", "2", "--report", csvPath,
		"--fargate-cpu", "1", "--fargate-memory", "2", "--", testRuntime)
	for _, payload := range []string{`{}`, `{"action":"sleep","ms":40}`, `{}`, `{"action":"error"}`, `{"action":"sleep","ms":10}`} {
		if r := c.invoke(payload); r.status != 200 {
			t.Fatalf("%s: %d %s", payload, r.status, r.body)
		}
	}
	out := c.stopCLI()

	reports := reportLines(t, out)
	if len(reports) != 5 {
		t.Fatalf("%d REPORT lines, want 5:\n%s", len(reports), out)
	}
	var durations []float64
	var billed, cold int64
	for _, r := range reports {
		d, _ := strconv.ParseFloat(r.duration, 64)
		durations = append(durations, d)
		b, _ := strconv.ParseInt(r.billed, 10, 64)
		billed += b
		if r.init != "" {
			cold++
		}
	}
	slices.Sort(durations)
	if want := "5 (1 error, 0 timeouts, 0 throttled)"; summaryLine(t, out, "invocations") != want {
		t.Errorf("invocations: %q, want %q", summaryLine(t, out, "invocations"), want)
	}
	if got := summaryLine(t, out, "cold starts"); cold != 1 || !strings.HasPrefix(got, "1 of 5 (20.0%), init ") {
		t.Errorf("cold starts: %q (%d REPORT lines with an init duration)", got, cold)
	}
	// Nearest rank of five: the 3rd and the 5th.
	if got, want := summaryLine(t, out, "duration"), fmt.Sprintf("p50 %.2f ms, p99 %.2f ms", durations[2], durations[4]); got != want {
		t.Errorf("duration: %q, want %q (from the REPORT lines)", got, want)
	}
	gbs := 0.5 * float64(billed) / 1000
	if got, want := summaryLine(t, out, "billed"), fmt.Sprintf("%.2f ms per invocation on average, cold starts included; %s GB-s at 512 MB", float64(billed)/5, formatGBs(gbs)); got != want {
		t.Errorf("billed: %q, want %q", got, want)
	}
	x86, _ := pricing.LambdaPerMillion("us-east-1", pricing.X86_64, gbs/5, pricing.NoAPI)
	arm, _ := pricing.LambdaPerMillion("us-east-1", pricing.ARM64, gbs/5, pricing.NoAPI)
	if got, want := summaryLine(t, out, "function alone"), perMillionUSD(x86)+strings.Repeat(" ", 10-len(perMillionUSD(x86))+1)+perMillionUSD(arm); got != want {
		t.Errorf("per million: %q, want %q", got, want)
	}
	month, _ := pricing.FargateMonth("us-east-1", pricing.FargateTask{VCPU: 1, MemoryGB: 2, Arch: pricing.X86_64})
	for _, want := range []string{
		fmt.Sprintf("  Fargate 1 vCPU / 2 GB x86_64 always on: $%.2f/month (estimate, list price; load balancer not included)\n", month),
		fmt.Sprintf("    cheaper above %s requests/month", count(pricing.BreakEven(month, x86))),
		"slipway local: --report: 5 invocations written to " + csvPath + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// The summary comes after the shutdown's REPORT lines, in at most 15 lines.
	start := strings.Index(out, "slipway local: session summary")
	end := strings.Index(out, "slipway local: --report:")
	if start < 0 || end < start || strings.Count(out[start:end], "\n") > 15 || strings.Contains(out[start:], "REPORT") {
		t.Errorf("summary placement or length:\n%s", out)
	}

	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || !slices.Equal(rows[0], ReportColumns) {
		t.Fatalf("%d rows (want a header and 5), header %q", len(rows), rows[0])
	}
	outcomes := map[string]int{}
	for _, row := range rows[1:] {
		r, ok := reports[row[0]]
		if !ok {
			t.Errorf("row %q has no REPORT line", row)
			continue
		}
		if row[2] != r.duration || row[3] != r.billed || row[4] != r.init || row[6] != r.memory || row[7] != r.maxUsed {
			t.Errorf("row %q\ndoes not match REPORT %+v", row, r)
		}
		if cost, _ := strconv.ParseFloat(row[10], 64); pricing.FormatUSD(cost) != r.cost {
			t.Errorf("row cost %s, REPORT %s", row[10], r.cost)
		}
		if _, err := time.Parse(time.RFC3339Nano, row[1]); err != nil {
			t.Errorf("start %q: %v", row[1], err)
		}
		outcomes[row[8]+" "+row[9]]++
	}
	if outcomes["success "] != 4 || outcomes["error Test.Failure"] != 1 {
		t.Errorf("outcomes %v", outcomes)
	}
}

// A session without invocations still ends with a sensible summary and a valid, empty report.
func TestCLISummaryNoInvocations(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "session.data")
	c := startCLI(t, "--runtime", "--arch", "arm64", "--report", jsonPath, "--report-format", "json", "--", testRuntime)
	out := c.stopCLI()
	if got := summaryLine(t, out, "invocations"); got != "0 (0 errors, 0 timeouts, 0 throttled)" {
		t.Errorf("invocations: %q", got)
	}
	if !strings.Contains(out, "  no invocation ran:") || strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
		t.Errorf("summary:\n%s", out)
	}
	b, err := os.ReadFile(jsonPath)
	var rows []map[string]any
	if err != nil || json.Unmarshal(b, &rows) != nil || len(rows) != 0 {
		t.Errorf("report %q %v", b, err)
	}
}

func TestCLISummaryFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--fargate-cpu", "0.3"}, "--fargate-cpu 0.3 --fargate-memory 1 --fargate-arch x86_64: 0.3 vCPU is not a Fargate task size: use 0.25, 0.5, 1, 2, 4, 8, 16"},
		{[]string{"--fargate-memory", "8"}, "8 GB with 0.5 vCPU: use 1 to 4 GB in steps of 1 GB"},
		{[]string{"--fargate-arch", "sparc"}, `architecture "sparc": use x86_64 or arm64`},
		{[]string{"--fargate-lb-monthly", "-5"}, "--fargate-lb-monthly -5: use a monthly cost in USD, 0 or more"},
		{[]string{"--report", filepath.Join(dir, "out.txt")}, "--report " + filepath.Join(dir, "out.txt") + ": name the file .csv, .json or .jsonl, or give --report-format"},
		{[]string{"--report", filepath.Join(dir, "out.csv"), "--report-format", "xml"}, `--report-format "xml": use csv, json or jsonl`},
		{[]string{"--report-format", "csv"}, "--report-format needs --report FILE"},
		{[]string{"--report", "/no/such/dir/out.csv", "--runtime", "--", testRuntime}, "--report: open /no/such/dir/out.csv: no such file or directory"},
	} {
		out, err := exec.Command(slipwayBin, append([]string{"local"}, tt.args...)...).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), tt.want) {
			t.Errorf("slipway local %v: %v\n%s\nwant exit 2 and %q", tt.args, err, out, tt.want)
		}
	}
	out, err := exec.Command(slipwayBin, "local", "--help").CombinedOutput()
	for _, flag := range []string{"-summary", "-report", "-report-format", "-fargate-cpu", "-fargate-memory", "-fargate-arch", "-fargate-lb-monthly"} {
		if err != nil || !strings.Contains(string(out), "  "+flag+" ") && !strings.Contains(string(out), "  "+flag+"\n") {
			t.Errorf("--help does not explain %s (%v)", flag, err)
		}
	}
	if !strings.Contains(string(out), "load balancer") || !strings.Contains(string(out), "Lambda or Fargate?") {
		t.Errorf("--help does not say what the summary compares:\n%s", out)
	}
}
