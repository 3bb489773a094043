package local

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/pricing"
)

// workedStats is a session of pricing.md's worked comparison: 512 MB invocations billed 50 ms
// each, no cold start.
func workedStats(arch string) Stats {
	since := time.Date(2026, 11, 21, 13, 0, 0, 0, time.UTC)
	return Stats{
		Region: "us-east-1", Arch: arch, MemoryMB: 512, Since: since,
		Invocations: 1000, Errors: 2, Timeouts: 1, Throttles: 3,
		BilledMs: 50000, GBSeconds: 1000 * 0.5 * 0.05, Cost: 1000 * (0.0000002 + 0.5*0.05*0.0000166667),
		P50: 49500 * time.Microsecond, P99: 50 * time.Millisecond,
	}
}

func summary(t *testing.T, s Stats, opt SummaryOptions) []string {
	t.Helper()
	if opt.Now.IsZero() {
		opt.Now = s.Since.Add(72*time.Second + 400*time.Millisecond)
	}
	var b bytes.Buffer
	if err := WriteSummary(&b, s, opt); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) > 15 {
		t.Errorf("%d lines, want at most 15:\n%s", len(lines), out)
	}
	for _, bad := range []string{"NaN", "Inf", "%!"} {
		if strings.Contains(out, bad) {
			t.Errorf("summary contains %q:\n%s", bad, out)
		}
	}
	return lines
}

// hasLine reports whether some line contains every part, in order.
func hasLine(lines []string, parts ...string) bool {
	for _, l := range lines {
		rest, ok := l, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}

func TestSummaryWorkedComparison(t *testing.T) {
	lines := summary(t, workedStats(pricing.X86_64), SummaryOptions{})
	text := strings.Join(lines, "\n")
	for _, want := range [][]string{
		{"slipway local: session summary (1m12s)"},
		{"invocations", "1000 (2 errors, 1 timeout, 3 throttled)"},
		{"cold starts", "0 of 1000 (0.0%), init 0.00 ms in total"},
		{"duration", "p50 49.50 ms, p99 50.00 ms"},
		{"billed", "50.00 ms per invocation on average, cold starts included; 25.0 GB-s at 512 MB"},
		{"cost", "$0.000616667", "(estimate, list price, us-east-1 x86_64, no free tier)"},
		{"Lambda, per 1M requests", "x86_64", "arm64", "(estimate, list price)"},
		// 0.2 + 0.025 GB-s × 16.6667 (x86) or 13.3334 (arm64), plus $1 for the HTTP API.
		{"function alone", "$0.6167", "$0.5333"},
		{"with an HTTP API", "$1.6167", "$1.5333"},
		{"Fargate 0.5 vCPU / 1 GB x86_64 always on: $18.02/month (estimate, list price; load balancer not included)"},
		// pricing.md: ≈ 29M requests/month (≈ 11 req/s) alone, ≈ 11M (≈ 4 req/s) with an HTTP API.
		{"cheaper above 29.2M requests/month (11.1 req/s) than Lambda (x86_64) alone"},
		{"cheaper above 11.1M requests/month (4.2 req/s) than Lambda (x86_64) with an HTTP API"},
	} {
		if !hasLine(lines, want...) {
			t.Errorf("no line with %q in\n%s", want, text)
		}
	}
	// The price table is aligned: each price starts under its architecture.
	var header, alone string
	for _, l := range lines {
		switch {
		case strings.Contains(l, "Lambda, per 1M"):
			header = l
		case strings.Contains(l, "function alone"):
			alone = l
		}
	}
	if i, j := strings.Index(header, "x86_64"), strings.Index(alone, "$"); i != j || i < 0 {
		t.Errorf("x86_64 at column %d, its price at %d:\n%s\n%s", i, j, header, alone)
	}
	if i, j := strings.Index(header, "arm64"), strings.LastIndex(alone, "$"); i != j || i < 0 {
		t.Errorf("arm64 at column %d, its price at %d:\n%s\n%s", i, j, header, alone)
	}
}

// An arm64 function breaks even against the arm64 column; the Fargate task follows --arch
// unless given its own, and a load balancer is added to it.
func TestSummaryArchAndLoadBalancer(t *testing.T) {
	s := workedStats(pricing.ARM64)
	lines := summary(t, s, SummaryOptions{})
	armMonth := (0.5*0.03238 + 0.00356) * 730 // $14.42
	perMillion := 0.2 + 0.025*1e6*0.0000133334
	want := armMonth / perMillion * 1e6 // 27.0M
	if !hasLine(lines, "Fargate 0.5 vCPU / 1 GB arm64 always on: $14.42/month") ||
		!hasLine(lines, "cheaper above "+count(want)+" requests/month", "than Lambda (arm64) alone") || count(want) != "27.0M" {
		t.Errorf("arm64 (want break-even %s):\n%s", count(want), strings.Join(lines, "\n"))
	}
	lines = summary(t, s, SummaryOptions{Fargate: pricing.FargateTask{VCPU: 1, MemoryGB: 2, Arch: pricing.X86_64}, LoadBalancerMonthly: 16.43})
	month := (0.04048+2*0.004445)*730 + 16.43 // $52.47
	if !hasLine(lines, "Fargate 1 vCPU / 2 GB x86_64 always on: $52.47/month (estimate, list price; with a $16.43/month load balancer)") ||
		!hasLine(lines, "cheaper above "+count(month/perMillion*1e6)+" requests/month") {
		t.Errorf("1 vCPU x86 task with a load balancer:\n%s", strings.Join(lines, "\n"))
	}
}

func TestSummaryColdStarts(t *testing.T) {
	s := workedStats(pricing.X86_64)
	s.Invocations, s.ColdStarts, s.InitTotal = 8, 2, 312*time.Millisecond+450*time.Microsecond
	s.BilledMs, s.GBSeconds = 8*50+313, 0.5*float64(8*50+313)/1000 // 89.125 ms on average
	lines := summary(t, s, SummaryOptions{})
	if !hasLine(lines, "cold starts", "2 of 8 (25.0%), init 312.45 ms in total") ||
		!hasLine(lines, "billed", "89.12 ms per invocation on average, cold starts included") {
		t.Errorf("cold starts:\n%s", strings.Join(lines, "\n"))
	}
	// The cold starts' init is in the price: 0.2 + 0.5 × 0.089125 × 16.6667 = $0.9427 per million.
	if !hasLine(lines, "function alone", "$0.9427") {
		t.Errorf("per-million price without the cold starts' share:\n%s", strings.Join(lines, "\n"))
	}
}

func TestSummaryNoInvocations(t *testing.T) {
	for _, s := range []Stats{
		{Region: "us-east-1", Arch: pricing.X86_64, MemoryMB: 128},
		{Region: "us-east-1", Arch: pricing.X86_64, MemoryMB: 128, Throttles: 4},
	} {
		lines := summary(t, s, SummaryOptions{})
		if len(lines) != 3 || !hasLine(lines, "invocations", "0 (0 errors, 0 timeouts, ") ||
			!hasLine(lines, "no invocation ran") {
			t.Errorf("no invocations:\n%s", strings.Join(lines, "\n"))
		}
	}
}

func TestSummaryRegionWithoutPrices(t *testing.T) {
	s := workedStats(pricing.X86_64)
	s.Region = "eu-west-1"
	lines := summary(t, s, SummaryOptions{})
	if !hasLine(lines, "cost", "no estimate", `no prices for region "eu-west-1"`) || hasLine(lines, "$") {
		t.Errorf("region without prices:\n%s", strings.Join(lines, "\n"))
	}
	if !hasLine(lines, "duration", "p50 49.50 ms") {
		t.Errorf("measurements left out:\n%s", strings.Join(lines, "\n"))
	}
}

// Several invocations per environment (Managed Instances style) are priced on demand, and the
// summary says that is not how Managed Instances bill.
func TestSummaryManagedInstancesNote(t *testing.T) {
	s := workedStats(pricing.X86_64)
	if lines := summary(t, s, SummaryOptions{}); hasLine(lines, "note") {
		t.Errorf("note without several invocations per environment:\n%s", strings.Join(lines, "\n"))
	}
	s.PerEnvConcurrency = 8
	if lines := summary(t, s, SummaryOptions{}); !hasLine(lines, "note", "Managed Instances bill by instance") {
		t.Errorf("no Managed Instances note:\n%s", strings.Join(lines, "\n"))
	}
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("closed pipe") }

func TestSummaryWriteError(t *testing.T) {
	if err := WriteSummary(brokenWriter{}, workedStats(pricing.X86_64), SummaryOptions{}); err == nil {
		t.Error("write error not returned")
	}
}

func TestCount(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 950: "950", 12345: "12.3k", 29.2e6: "29.2M", 1.5e9: "1.5B"} {
		if got := count(in); got != want {
			t.Errorf("count(%v) = %q, want %q", in, got, want)
		}
	}
}
