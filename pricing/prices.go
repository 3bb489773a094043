package pricing

import (
	"fmt"
	"sort"
	"strings"
)

// Label goes next to every figure computed here.
const Label = "estimate, list price"

// Architectures, spelled as Lambda spells them.
const (
	X86_64 = "x86_64"
	ARM64  = "arm64"
)

// Tier is a price that applies up to a monthly volume (Upto 0: no upper bound).
type Tier struct {
	Upto  float64 // monthly GB-seconds or requests this tier covers, cumulative; 0 = unbounded
	Price float64 // USD per unit
}

// Prices are the list prices of one region.
type Prices struct {
	Region string
	AsOf   string // when the prices were gathered

	LambdaRequest float64           // USD per request
	LambdaGBSec   map[string][]Tier // USD per GB-second by architecture, volume tiers in order
	// Free tier (monthly, per account, shared by both architectures).
	LambdaFreeRequests, LambdaFreeGBSec float64

	APIGatewayHTTP []Tier // USD per request, HTTP APIs
	APIGatewayREST []Tier // USD per request, REST APIs

	FargateVCPUHour map[string]float64 // USD per vCPU-hour by architecture (Linux)
	FargateGBHour   map[string]float64 // USD per GB-hour by architecture (Linux)
	FargateMinimum  float64            // seconds billed at least per task
}

// table holds every region we have prices for. Source: AWS pricing pages as transcribed in the
// project's pricing reference (us-east-1, November 2026). The arm64 duration price above 18.75
// billion GB-s/month is unconfirmed and left out, so the second tier is taken as unbounded.
var table = map[string]*Prices{
	"us-east-1": {
		Region:        "us-east-1",
		AsOf:          "2026-11",
		LambdaRequest: 0.20 / 1e6,
		LambdaGBSec: map[string][]Tier{
			X86_64: {{Upto: 6e9, Price: 0.0000166667}, {Upto: 15e9, Price: 0.000015}, {Price: 0.0000133334}},
			ARM64:  {{Upto: 7.5e9, Price: 0.0000133334}, {Price: 0.0000120001}},
		},
		LambdaFreeRequests: 1e6,
		LambdaFreeGBSec:    400000,
		APIGatewayHTTP:     []Tier{{Upto: 300e6, Price: 1.00 / 1e6}, {Price: 0.90 / 1e6}},
		APIGatewayREST:     []Tier{{Upto: 333e6, Price: 3.50 / 1e6}, {Upto: 1e9, Price: 2.80 / 1e6}, {Upto: 20e9, Price: 2.38 / 1e6}, {Price: 1.51 / 1e6}},
		FargateVCPUHour:    map[string]float64{X86_64: 0.04048, ARM64: 0.03238},
		FargateGBHour:      map[string]float64{X86_64: 0.004445, ARM64: 0.00356},
		FargateMinimum:     60,
	},
}

// For returns the prices of region, or an error listing the regions the table covers.
func For(region string) (*Prices, error) {
	if p, ok := table[region]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("pricing: no prices for region %q (known: %s)", region, strings.Join(Regions(), ", "))
}

// Regions lists the regions the table covers.
func Regions() []string {
	out := make([]string, 0, len(table))
	for r := range table {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Invocation estimates one Lambda invocation: one request plus memory × billed time at the
// first-tier duration price of arch. billedMs already includes a billed INIT phase.
func Invocation(region, arch string, memoryMB int, billedMs int64) (float64, error) {
	p, err := For(region)
	if err != nil {
		return 0, err
	}
	tiers, ok := p.LambdaGBSec[arch]
	if !ok {
		return 0, fmt.Errorf("pricing: unknown architecture %q (use %s or %s)", arch, X86_64, ARM64)
	}
	if memoryMB <= 0 || billedMs < 0 {
		return 0, fmt.Errorf("pricing: invalid memory %d MB or duration %d ms", memoryMB, billedMs)
	}
	gbSeconds := float64(memoryMB) / 1024 * float64(billedMs) / 1000
	return p.LambdaRequest + gbSeconds*tiers[0].Price, nil
}

// APIGatewayRequest estimates one API Gateway request at the first tier: kind is "http" or "rest".
func APIGatewayRequest(region, kind string) (float64, error) {
	p, err := For(region)
	if err != nil {
		return 0, err
	}
	switch kind {
	case "http":
		return p.APIGatewayHTTP[0].Price, nil
	case "rest":
		return p.APIGatewayREST[0].Price, nil
	}
	return 0, fmt.Errorf("pricing: unknown API Gateway kind %q (use http or rest)", kind)
}

// FargateHour estimates one hour of a Linux Fargate task with vcpu vCPUs and memoryGB GB.
func FargateHour(region, arch string, vcpu, memoryGB float64) (float64, error) {
	p, err := For(region)
	if err != nil {
		return 0, err
	}
	c, ok := p.FargateVCPUHour[arch]
	if !ok {
		return 0, fmt.Errorf("pricing: unknown architecture %q (use %s or %s)", arch, X86_64, ARM64)
	}
	return vcpu*c + memoryGB*p.FargateGBHour[arch], nil
}

// FormatUSD formats a small amount with enough decimals to be meaningful ("$0.0000002021").
func FormatUSD(v float64) string {
	s := fmt.Sprintf("%.10f", v)
	s = strings.TrimRight(s, "0")
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-i-1))
	}
	return "$" + s
}
