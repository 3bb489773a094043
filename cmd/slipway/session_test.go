package main

import (
	"testing"

	"github.com/slipway-dev/slipway/local"
	"github.com/slipway-dev/slipway/pricing"
)

// The summary's Fargate task follows --arch unless --fargate-arch says otherwise; the report
// format comes from the extension unless --report-format says otherwise.
func TestSessionOutputFlags(t *testing.T) {
	tests := []struct {
		lf     localFlags
		task   pricing.FargateTask
		format string
	}{
		{localFlags{arch: "arm64", summary: true, fargateCPU: 0.5, fargateMemory: 1}, pricing.FargateTask{VCPU: 0.5, MemoryGB: 1, Arch: "arm64"}, ""},
		{localFlags{arch: "arm64", fargateArch: "x86_64", fargateCPU: 2, fargateMemory: 16, report: "s.json"}, pricing.FargateTask{VCPU: 2, MemoryGB: 16, Arch: "x86_64"}, local.ReportJSON},
		{localFlags{arch: "x86_64", fargateCPU: 0.25, fargateMemory: 0.5, report: "s.log", reportFormat: "jsonl"}, pricing.FargateTask{VCPU: 0.25, MemoryGB: 0.5, Arch: "x86_64"}, local.ReportJSONL},
	}
	for _, tt := range tests {
		out, err := tt.lf.sessionOutput()
		if err != nil {
			t.Errorf("%+v: %v", tt.lf, err)
			continue
		}
		if out.opts.Fargate != tt.task || out.format != tt.format || out.summary != tt.lf.summary || out.report != tt.lf.report {
			t.Errorf("%+v: %+v", tt.lf, out)
		}
	}
}
