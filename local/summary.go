package local

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/slipway-dev/slipway/pricing"
)

// SummaryOptions is what WriteSummary compares the session with.
type SummaryOptions struct {
	// Fargate is the always-on task the break-even is computed for (zero VCPU: DefaultFargate;
	// no Arch: the function's).
	Fargate pricing.FargateTask
	// LoadBalancerMonthly (USD) is added to the task's monthly cost: a load balancer in front,
	// which a fair comparison needs and the Fargate price does not include. 0 leaves it out.
	LoadBalancerMonthly float64
	// Now ends the session (zero: time.Now()).
	Now time.Time
}

// DefaultFargate is the task of pricing.md's worked comparison, the summary's default.
var DefaultFargate = pricing.FargateTask{VCPU: 0.5, MemoryGB: 1}

// WriteSummary writes the "Lambda or Fargate?" summary of a session in a dozen aligned lines:
// invocations and how they ended, cold starts, duration percentiles, billed time, Lambda's cost
// per million requests at the session's average billed duration (cold starts included) for
// both architectures with and without an HTTP API, and the monthly volume above which the
// Fargate task is cheaper. Every price is an estimate at list price, without free tiers.
func WriteSummary(w io.Writer, s Stats, opt SummaryOptions) error {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "slipway local: session summary (%v): Lambda or Fargate?\n", now.Sub(s.Since).Round(time.Second))
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "  %-13s "+format+"\n", append([]any{label}, args...)...)
	}
	line("invocations", "%d (%s, %s, %s)", s.Invocations, plural(s.Errors, "error", "errors"),
		plural(s.Timeouts, "timeout", "timeouts"), plural(s.Throttles, "throttled", "throttled"))
	if s.Invocations == 0 {
		b.WriteString("  no invocation ran: no duration to estimate Lambda's cost or the Fargate break-even from\n")
		_, err := w.Write(b.Bytes())
		return err
	}
	n := float64(s.Invocations)
	line("cold starts", "%d of %d (%.1f%%), init %s ms in total", s.ColdStarts, s.Invocations,
		100*float64(s.ColdStarts)/n, formatMs(s.InitTotal))
	line("duration", "p50 %s ms, p99 %s ms", formatMs(s.P50), formatMs(s.P99))
	line("billed", "%.2f ms per invocation on average, cold starts included; %s GB-s at %d MB",
		float64(s.BilledMs)/n, formatGBs(s.GBSeconds), s.MemoryMB)

	if err := writeEstimates(&b, s, opt); err != nil {
		line("cost", "no estimate: %v", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeEstimates writes the lines with prices, or returns why there are none (no prices for
// the region).
func writeEstimates(b *bytes.Buffer, s Stats, opt SummaryOptions) error {
	task := opt.Fargate
	if task.VCPU == 0 {
		task.VCPU, task.MemoryGB = DefaultFargate.VCPU, DefaultFargate.MemoryGB
	}
	if task.Arch == "" {
		task.Arch = s.Arch
	}
	month, err := pricing.FargateMonth(s.Region, task)
	if err != nil {
		return err
	}
	// Lambda per million requests: the measured GB-seconds priced on both architectures (the
	// same durations, although the app may run faster or slower on arm64).
	var perMillion [2][2]float64 // [x86_64, arm64][alone, with an HTTP API]
	archs := [2]string{pricing.X86_64, pricing.ARM64}
	for i, arch := range archs {
		for j, api := range []string{pricing.NoAPI, pricing.HTTPAPI} {
			if perMillion[i][j], err = pricing.LambdaPerMillion(s.Region, arch, s.GBSeconds/float64(s.Invocations), api); err != nil {
				return err
			}
		}
	}
	label := pricing.Label
	fmt.Fprintf(b, "  %-13s %s (%s, %s %s, no free tier)\n", "cost", pricing.FormatUSD(s.Cost), label, s.Region, s.Arch)
	if s.PerEnvConcurrency > 1 {
		// Several invocations per environment is how Lambda Managed Instances run, and those
		// bill EC2 instances (plus a management fee and requests), not invocation duration.
		fmt.Fprintf(b, "  %-13s Managed Instances bill by instance, not duration: these are on-demand prices\n", "note")
	}
	fmt.Fprintf(b, "  %-27s %-10s %-10s (%s)\n", "Lambda, per 1M requests", archs[0], archs[1], label)
	fmt.Fprintf(b, "    %-25s %-10s %s\n", "function alone", perMillionUSD(perMillion[0][0]), perMillionUSD(perMillion[1][0]))
	fmt.Fprintf(b, "    %-25s %-10s %s\n", "with an HTTP API", perMillionUSD(perMillion[0][1]), perMillionUSD(perMillion[1][1]))

	lb := "load balancer not included"
	if opt.LoadBalancerMonthly > 0 {
		month += opt.LoadBalancerMonthly
		lb = fmt.Sprintf("with a $%.2f/month load balancer", opt.LoadBalancerMonthly)
	}
	fmt.Fprintf(b, "  Fargate %s always on: $%.2f/month (%s; %s)\n", task, month, label, lb)
	mine := 0
	if s.Arch == pricing.ARM64 {
		mine = 1
	}
	for j, what := range []string{"alone", "with an HTTP API"} {
		n := pricing.BreakEven(month, perMillion[mine][j])
		fmt.Fprintf(b, "    cheaper above %s requests/month (%s) than Lambda (%s) %s\n", count(n), rate(n), s.Arch, what)
	}
	return nil
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// formatGBs shows GB-seconds with four significant-looking decimals while small.
func formatGBs(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.4f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// perMillionUSD shows cents and their fractions: arm64 and x86 differ by less than a cent for
// short invocations.
func perMillionUSD(v float64) string {
	if v < 10 {
		return fmt.Sprintf("$%.4f", v)
	}
	return fmt.Sprintf("$%.2f", v)
}

// count shows a monthly request volume: 950, 12.3k, 29.2M, 1.5B.
func count(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "no volume"
	case v >= 1e9:
		return fmt.Sprintf("%.1fB", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// rate shows a monthly volume as the steady request rate it takes.
func rate(perMonth float64) string {
	r := pricing.PerSecond(perMonth)
	if r < 1 {
		return fmt.Sprintf("%.2f req/s", r)
	}
	return fmt.Sprintf("%.1f req/s", r)
}
