package pricing

import (
	"math"
	"strings"
	"testing"
)

// The worked comparison of the pricing reference: a 0.5 vCPU / 1 GB x86 task always on, against
// 512 MB × 50 ms Lambda requests without and with an HTTP API.
func TestWorkedComparison(t *testing.T) {
	task := FargateTask{VCPU: 0.5, MemoryGB: 1, Arch: X86_64}
	month, err := FargateMonth("us-east-1", task)
	if err != nil {
		t.Fatal(err)
	}
	if want := (0.5*0.04048 + 0.004445) * 730; !near(month, want) || math.Abs(month-18.0) > 0.05 {
		t.Errorf("Fargate month = $%.4f, want $%.4f (≈ $18.0)", month, want)
	}
	gbs := 0.5 * 0.050 // 512 MB for 50 ms
	alone, err := LambdaPerMillion("us-east-1", X86_64, gbs, NoAPI)
	if err != nil {
		t.Fatal(err)
	}
	if !near(alone, 0.616667) {
		t.Errorf("per million = $%.6f, want $0.616667 (reference: $0.000000617 per request)", alone)
	}
	withHTTP, err := LambdaPerMillion("us-east-1", X86_64, gbs, HTTPAPI)
	if err != nil {
		t.Fatal(err)
	}
	if !near(withHTTP, alone+1) {
		t.Errorf("with an HTTP API = $%.6f, want $%.6f", withHTTP, alone+1)
	}
	for _, c := range []struct {
		name              string
		perMillion        float64
		lo, hi            float64 // requests per month
		loRate, hiRate    float64 // requests per second
		wantPerMonth      float64
		wantPerMonthDelta float64
	}{
		{"without API Gateway", alone, 28.5e6, 29.5e6, 10.5, 11.5, 29.2e6, 0.1e6},
		{"with an HTTP API", withHTTP, 10.5e6, 11.5e6, 4, 4.5, 11.1e6, 0.1e6},
	} {
		n := BreakEven(month, c.perMillion)
		if n < c.lo || n > c.hi || math.Abs(n-c.wantPerMonth) > c.wantPerMonthDelta {
			t.Errorf("%s: break-even %.2fM requests/month, reference ≈ %.0fM", c.name, n/1e6, (c.lo+c.hi)/2e6)
		}
		if r := PerSecond(n); r < c.loRate || r > c.hiRate {
			t.Errorf("%s: break-even %.2f req/s", c.name, r)
		}
	}
}

func TestLambdaPerMillion(t *testing.T) {
	tests := []struct {
		name string
		arch string
		gbs  float64
		api  string
		want float64
	}{
		{"requests only", X86_64, 0, NoAPI, 0.20},
		{"1 GB-s arm64", ARM64, 1, NoAPI, 0.20 + 1e6*0.0000133334},
		{"1 GB-s x86 REST API", X86_64, 1, RESTAPI, 0.20 + 1e6*0.0000166667 + 3.50},
		{"128 MB 2 ms x86 HTTP API", X86_64, 0.125 * 0.002, HTTPAPI, 0.20 + 0.125*0.002*1e6*0.0000166667 + 1.00},
	}
	for _, tt := range tests {
		got, err := LambdaPerMillion("us-east-1", tt.arch, tt.gbs, tt.api)
		if err != nil || !near(got, tt.want) {
			t.Errorf("%s: $%.6f %v, want $%.6f", tt.name, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		region, arch string
		gbs          float64
		api          string
	}{
		{"mars-1", X86_64, 1, NoAPI},
		{"us-east-1", "sparc", 1, NoAPI},
		{"us-east-1", X86_64, -1, NoAPI},
		{"us-east-1", X86_64, math.NaN(), NoAPI},
		{"us-east-1", X86_64, 1, "websocket"},
	} {
		if _, err := LambdaPerMillion(bad.region, bad.arch, bad.gbs, bad.api); err == nil {
			t.Errorf("LambdaPerMillion(%q, %q, %v, %q) succeeded", bad.region, bad.arch, bad.gbs, bad.api)
		}
	}
}

func TestBreakEvenEdges(t *testing.T) {
	if n := BreakEven(18, 0); !math.IsInf(n, 1) {
		t.Errorf("free requests: break-even %v, want +Inf", n)
	}
	if n := BreakEven(0, 1); n != 0 {
		t.Errorf("free task: break-even %v, want 0", n)
	}
	if n := BreakEven(10, 2); n != 5e6 {
		t.Errorf("$10/month vs $2 per million: %v, want 5M", n)
	}
	if r := PerSecond(730 * 3600); r != 1 {
		t.Errorf("PerSecond(one a second for a month) = %v", r)
	}
}

func TestFargateTaskValidate(t *testing.T) {
	ok := []FargateTask{
		{0.25, 0.5, X86_64}, {0.25, 2, ARM64}, {0.5, 1, X86_64}, {0.5, 4, X86_64}, {1, 8, X86_64},
		{2, 16, X86_64}, {4, 30, X86_64}, {8, 60, X86_64}, {8, 20, X86_64}, {16, 32, ARM64}, {16, 120, X86_64},
	}
	for _, task := range ok {
		if err := task.Validate(); err != nil {
			t.Errorf("%v: %v", task, err)
		}
	}
	bad := []struct {
		task FargateTask
		want string
	}{
		{FargateTask{0.3, 1, X86_64}, "0.3 vCPU is not a Fargate task size: use 0.25, 0.5, 1, 2, 4, 8, 16"},
		{FargateTask{0.25, 1.5, X86_64}, "1.5 GB with 0.25 vCPU: use 0.5, 1 or 2 GB"},
		{FargateTask{0.5, 0.5, X86_64}, "0.5 GB with 0.5 vCPU: use 1 to 4 GB in steps of 1 GB"},
		{FargateTask{1, 2.5, X86_64}, "2.5 GB with 1 vCPU: use 2 to 8 GB in steps of 1 GB"},
		{FargateTask{8, 18, X86_64}, "18 GB with 8 vCPU: use 16 to 60 GB in steps of 4 GB"},
		{FargateTask{16, 128, X86_64}, "use 32 to 120 GB in steps of 8 GB"},
		{FargateTask{0.5, 1, "sparc"}, `architecture "sparc": use x86_64 or arm64`},
		{FargateTask{math.NaN(), 1, X86_64}, "not a Fargate task size"},
	}
	for _, b := range bad {
		if err := b.task.Validate(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: %v, want %q", b.task, err, b.want)
		}
	}
	if s := (FargateTask{0.5, 1, ARM64}).String(); s != "0.5 vCPU / 1 GB arm64" {
		t.Errorf("String() = %q", s)
	}
}

func TestFargateMonthArm(t *testing.T) {
	month, err := FargateMonth("us-east-1", FargateTask{1, 2, ARM64})
	if err != nil || !near(month, (0.03238+2*0.00356)*730) {
		t.Errorf("1 vCPU / 2 GB arm64 month = %v %v", month, err)
	}
	if _, err := FargateMonth("mars-1", FargateTask{1, 2, ARM64}); err == nil {
		t.Error("unknown region accepted")
	}
}
