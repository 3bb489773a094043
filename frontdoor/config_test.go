package frontdoor

import (
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	for _, tc := range []struct {
		in      Config
		stage   string
		timeout time.Duration
	}{
		{Config{}, "$default", HTTPAPIIntegrationTimeout},
		{Config{Kind: "REST"}, "prod", RESTIntegrationTimeout},
		{Config{Kind: REST, Stage: "v1", IntegrationTimeout: -1}, "v1", 0},
		{Config{Kind: URL}, "", 0},
		{Config{Kind: ALB}, "", 0},
	} {
		c, err := tc.in.normalize()
		if err != nil {
			t.Fatalf("%+v: %v", tc.in, err)
		}
		if c.Stage != tc.stage || c.IntegrationTimeout != tc.timeout || c.Region != "us-east-1" || c.AccountID != "123456789012" {
			t.Errorf("%+v → %+v", tc.in, c)
		}
	}
}

func TestConfigRejectsWhatCannotExist(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string // the message names the field
	}{
		{Config{Kind: "apigw"}, "Kind"},
		{Config{Kind: HTTPAPI, ALBMultiValue: true}, "ALBMultiValue"},
		{Config{Kind: REST, Streaming: true}, "Streaming"},
		{Config{Kind: HTTPAPI, BinaryMediaTypes: []string{"image/png"}}, "BinaryMediaTypes"},
		{Config{Kind: REST, BinaryMediaTypes: []string{"png"}}, "BinaryMediaTypes[0]"},
		{Config{Kind: REST, Stage: "$default"}, "Stage"},
		{Config{Kind: HTTPAPI, Stage: "a/b"}, "Stage"},
		{Config{Kind: URL, Stage: "prod"}, "Stage"},
		{Config{Kind: URL, IntegrationTimeout: time.Second}, "IntegrationTimeout"},
		{Config{Region: "mars"}, "Region"},
		{Config{AccountID: "12"}, "AccountID"},
		{Config{Kind: REST, RawPathEncoded: true}, "RawPathEncoded"},
		{Config{Kind: ALB, TargetGroupARN: "tg"}, "TargetGroupARN"},
	} {
		_, err := New(tc.cfg, &fakeFn{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want one naming %s", tc.cfg, err, tc.want)
		}
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Error("nil Invoker accepted")
	}
}

func TestMatchesMediaType(t *testing.T) {
	for _, tc := range []struct {
		ranges []string
		ct     string
		want   bool
	}{
		{[]string{"image/png"}, "image/png", true},
		{[]string{"image/png"}, "IMAGE/PNG; q=1", true},
		{[]string{"image/*"}, "image/gif", true},
		{[]string{"*/*"}, "anything/else", true},
		{[]string{"image/png"}, "image/gif", false},
		{[]string{"*/*"}, "", false},
		{nil, "image/png", false},
	} {
		if got := matchesMediaType(tc.ranges, tc.ct); got != tc.want {
			t.Errorf("matchesMediaType(%v, %q) = %v", tc.ranges, tc.ct, got)
		}
	}
}
