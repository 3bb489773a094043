package pricing

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// HoursPerMonth is the month AWS prices always-on resources by (365 × 24 / 12).
const HoursPerMonth = 730

// API Gateway kinds in front of a Lambda function, for LambdaPerMillion.
const (
	NoAPI   = ""
	HTTPAPI = "http"
	RESTAPI = "rest"
)

// LambdaPerMillion estimates one million Lambda requests that each bill gbSeconds (memory in GB
// × billed seconds, a billed INIT phase included) on arch, at first-tier prices and without free
// tier; api adds an API Gateway in front (NoAPI, HTTPAPI or RESTAPI).
func LambdaPerMillion(region, arch string, gbSeconds float64, api string) (float64, error) {
	p, err := For(region)
	if err != nil {
		return 0, err
	}
	tiers, ok := p.LambdaGBSec[arch]
	if !ok {
		return 0, fmt.Errorf("pricing: unknown architecture %q (use %s or %s)", arch, X86_64, ARM64)
	}
	if gbSeconds < 0 || math.IsNaN(gbSeconds) || math.IsInf(gbSeconds, 0) {
		return 0, fmt.Errorf("pricing: invalid GB-seconds per request %v", gbSeconds)
	}
	perRequest := p.LambdaRequest + gbSeconds*tiers[0].Price
	if api != NoAPI {
		gw, err := APIGatewayRequest(region, api)
		if err != nil {
			return 0, err
		}
		perRequest += gw
	}
	return perRequest * 1e6, nil
}

// FargateTask is the size of a Linux Fargate task.
type FargateTask struct {
	VCPU     float64 // 0.25, 0.5, 1, 2, 4, 8 or 16
	MemoryGB float64 // within the range the vCPU count allows (FargateMemory)
	Arch     string  // X86_64 or ARM64
}

func (t FargateTask) String() string {
	return formatNumber(t.VCPU) + " vCPU / " + formatNumber(t.MemoryGB) + " GB " + t.Arch
}

// fargateSizes are the task sizes Fargate accepts (Linux): memory from min to max GB in steps,
// except at 0.25 vCPU, which takes 0.5, 1 or 2 GB. Source: Amazon ECS developer guide, "Task
// CPU and memory" (8 and 16 vCPU need platform version 1.4.0).
var fargateSizes = []struct{ vcpu, min, max, step float64 }{
	{0.25, 0.5, 2, 0}, // 0.5, 1, 2: not a regular step
	{0.5, 1, 4, 1},
	{1, 2, 8, 1},
	{2, 4, 16, 1},
	{4, 8, 30, 1},
	{8, 16, 60, 4},
	{16, 32, 120, 8},
}

// Validate reports whether Fargate offers the task size and architecture, saying what it offers
// when it does not.
func (t FargateTask) Validate() error {
	if t.Arch != X86_64 && t.Arch != ARM64 {
		return fmt.Errorf("architecture %q: use %s or %s", t.Arch, X86_64, ARM64)
	}
	var cpus []string
	for _, s := range fargateSizes {
		cpus = append(cpus, formatNumber(s.vcpu))
		if s.vcpu != t.VCPU {
			continue
		}
		if s.step == 0 {
			for _, m := range []float64{0.5, 1, 2} {
				if t.MemoryGB == m {
					return nil
				}
			}
			return fmt.Errorf("%s GB with %s vCPU: use 0.5, 1 or 2 GB", formatNumber(t.MemoryGB), formatNumber(t.VCPU))
		}
		steps := (t.MemoryGB - s.min) / s.step
		if t.MemoryGB >= s.min && t.MemoryGB <= s.max && steps == math.Trunc(steps) {
			return nil
		}
		return fmt.Errorf("%s GB with %s vCPU: use %s to %s GB in steps of %s GB", formatNumber(t.MemoryGB),
			formatNumber(t.VCPU), formatNumber(s.min), formatNumber(s.max), formatNumber(s.step))
	}
	return fmt.Errorf("%s vCPU is not a Fargate task size: use %s", formatNumber(t.VCPU), strings.Join(cpus, ", "))
}

// FargateMonth estimates task running all month (HoursPerMonth), without a load balancer in
// front and without ephemeral storage beyond the 20 GB included.
func FargateMonth(region string, task FargateTask) (float64, error) {
	hour, err := FargateHour(region, task.Arch, task.VCPU, task.MemoryGB)
	if err != nil {
		return 0, err
	}
	return hour * HoursPerMonth, nil
}

// BreakEven is the monthly request volume above which a fixed monthly cost beats paying
// perMillion for every million requests: monthly / perMillion million requests. It is +Inf
// when requests cost nothing.
func BreakEven(monthly, perMillion float64) float64 {
	if perMillion <= 0 {
		return math.Inf(1)
	}
	return monthly / perMillion * 1e6
}

// PerSecond turns a monthly request volume into the steady request rate it takes.
func PerSecond(perMonth float64) float64 {
	return perMonth / (HoursPerMonth * 3600)
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
