package pricing

import (
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12+1e-6*math.Abs(b) }

// The worked examples of the pricing reference.
func TestInvocation(t *testing.T) {
	tests := []struct {
		name     string
		arch     string
		memoryMB int
		billedMs int64
		want     float64
	}{
		{"512MB 50ms x86 (reference example)", X86_64, 512, 50, 0.0000002 + 0.5*0.05*0.0000166667},
		{"128MB 1ms x86", X86_64, 128, 1, 0.0000002 + 0.125*0.001*0.0000166667},
		{"1024MB 1s arm64", ARM64, 1024, 1000, 0.0000002 + 0.0000133334},
		{"no duration", X86_64, 128, 0, 0.0000002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Invocation("us-east-1", tt.arch, tt.memoryMB, tt.billedMs)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got, tt.want) {
				t.Errorf("got %.12f, want %.12f", got, tt.want)
			}
		})
	}
	got, _ := Invocation("us-east-1", X86_64, 512, 50)
	if FormatUSD(got) != "$0.0000006167" { // ≈ $0.000000617 in the reference
		t.Errorf("reference example formats as %s, want $0.0000006167", FormatUSD(got))
	}
}

func TestInvocationErrors(t *testing.T) {
	for _, c := range []struct{ region, arch string }{{"mars-1", X86_64}, {"us-east-1", "sparc"}} {
		if _, err := Invocation(c.region, c.arch, 128, 1); err == nil {
			t.Errorf("Invocation(%q, %q) succeeded", c.region, c.arch)
		}
	}
	if _, err := Invocation("us-east-1", X86_64, 0, 1); err == nil {
		t.Error("zero memory accepted")
	}
	_, err := For("mars-1")
	if err == nil || !strings.Contains(err.Error(), "us-east-1") {
		t.Errorf("unknown region error should list known regions: %v", err)
	}
}

func TestFargateWorkedExample(t *testing.T) {
	hour, err := FargateHour("us-east-1", X86_64, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	month := hour * 730
	if math.Abs(month-18.0) > 0.05 {
		t.Errorf("0.5 vCPU / 1 GB x86 for 730 h = $%.2f, reference says ≈ $18.0", month)
	}
}

func TestAPIGatewayAndBreakEven(t *testing.T) {
	http, err := APIGatewayRequest("us-east-1", "http")
	if err != nil || !near(http, 1e-6) {
		t.Fatalf("HTTP API request = %v, %v", http, err)
	}
	if _, err := APIGatewayRequest("us-east-1", "websocket"); err == nil {
		t.Error("unknown API kind accepted")
	}
	// Break-even with Fargate (reference: ≈ 29M requests/month without API Gateway,
	// ≈ 11M with an HTTP API) for 512 MB, 50 ms requests.
	req, _ := Invocation("us-east-1", X86_64, 512, 50)
	hour, _ := FargateHour("us-east-1", X86_64, 0.5, 1)
	month := hour * 730
	if n := month / req; n < 28e6 || n > 30e6 {
		t.Errorf("break-even without API Gateway = %.1fM requests, want ≈ 29M", n/1e6)
	}
	if n := month / (req + http); n < 10.5e6 || n > 11.5e6 {
		t.Errorf("break-even with HTTP API = %.1fM requests, want ≈ 11M", n/1e6)
	}
}

func TestFormatUSD(t *testing.T) {
	for in, want := range map[float64]string{
		0:            "$0.00",
		0.0000002021: "$0.0000002021",
		18:           "$18.00",
		0.5:          "$0.50",
		1.25:         "$1.25",
	} {
		if got := FormatUSD(in); got != want {
			t.Errorf("FormatUSD(%v) = %s, want %s", in, got, want)
		}
	}
}
