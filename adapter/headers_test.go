package adapter

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/event"

	"github.com/slipway-dev/slipway/runtimeapi"
)

func TestContextHeaders(t *testing.T) {
	c := newContextHeaders(LambdaEnvConfig{FunctionName: "fn", Memory: 256, Version: "$LATEST", LogStream: "2024/01/01/[$LATEST]abc", LogGroup: "/aws/lambda/fn"})
	inv := &runtimeapi.Invocation{
		RequestID:          "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		Deadline:           time.UnixMilli(1700000003000),
		InvokedFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:fn",
		TraceID:            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		ClientContext:      json.RawMessage(`{"custom": {"k": "v"}}`),
		TenantID:           "tenant-1",
	}
	h := http.Header{
		// Forged by the client: all must go.
		"X-Amzn-Lambda-Context":  {`{"request_id":"forged"}`},
		"x-amzn-request-context": {`{"forged":true}`},
		"X-AMZ-TENANT-ID":        {"other-tenant"},
		"X-Amzn-Trace-Id":        {"Root=forged"},
		"Accept":                 {"*/*"},
	}
	rc := json.RawMessage("{\n  \"requestId\": \"abc\",\n  \"stage\": \"prod\"\n}")
	h = canonicalHeader(h)
	c.apply(h, inv, rc, new(bytes.Buffer))

	if got := h.Get(event.HeaderRequestContext); got != `{"requestId":"abc","stage":"prod"}` {
		t.Errorf("request context %q", got)
	}
	var lc LambdaContext
	if err := json.Unmarshal([]byte(h.Get(event.HeaderLambdaContext)), &lc); err != nil {
		t.Fatal(err)
	}
	if lc.RequestID != inv.RequestID || lc.Deadline != 1700000003000 || lc.InvokedFunctionARN != inv.InvokedFunctionARN ||
		lc.XRayTraceID != inv.TraceID || string(lc.ClientContext) != `{"custom": {"k": "v"}}` || string(lc.Identity) != "null" ||
		lc.EnvConfig != c.env || lc.TenantID == nil || *lc.TenantID != "tenant-1" {
		t.Errorf("lambda context %+v", lc)
	}
	for _, want := range []string{`"request_id"`, `"invoked_function_arn"`, `"xray_trace_id"`, `"env_config"`, `"function_name"`, `"log_stream"`, `"tenant_id"`} {
		if !strings.Contains(h.Get(event.HeaderLambdaContext), want) {
			t.Errorf("lambda context lacks %s", want)
		}
	}
	if got := h.Values(event.HeaderTenantID); len(got) != 1 || got[0] != "tenant-1" {
		t.Errorf("tenant %q", got)
	}
	if got := h.Values(event.HeaderTraceID); len(got) != 1 || got[0] != inv.TraceID {
		t.Errorf("trace %q", got)
	}
	// Invalid UTF-8, quotes and control bytes in values still give valid JSON.
	odd := &runtimeapi.Invocation{RequestID: "a\"b\\c\xff\u00e9", Deadline: time.UnixMilli(5)}
	var v LambdaContext
	if err := json.Unmarshal(c.appendLambdaContext(nil, odd), &v); err != nil || v.RequestID != "a\"b\\c\ufffd\u00e9" {
		t.Errorf("escaping: %v %q", err, v.RequestID)
	}
	if len(h) != 5 {
		t.Errorf("client copies survived: %v", h)
	}
}

func TestContextHeadersNoTenantNoControlBytes(t *testing.T) {
	c := newContextHeaders(LambdaEnvConfig{})
	inv := &runtimeapi.Invocation{RequestID: "id\r\nX-Injected: 1", Deadline: time.UnixMilli(1), TraceID: "Root=1\x00\x7f"}
	h := canonicalHeader(http.Header{"x-amz-tenant-id": {"spoofed"}})
	c.apply(h, inv, json.RawMessage(`{"k":"v\u0000`+"\x7f"+`"}`), new(bytes.Buffer))
	if _, ok := h["X-Amz-Tenant-Id"]; ok {
		t.Error("client-sent tenant id kept for a function without tenancy")
	}
	if h.Get(event.HeaderRequestContext) != "null" && !json.Valid([]byte(h.Get(event.HeaderRequestContext))) {
		t.Errorf("request context not JSON: %q", h.Get(event.HeaderRequestContext))
	}
	for k, vs := range h {
		for _, v := range vs {
			for i := 0; i < len(v); i++ {
				if v[i] < 0x20 || v[i] == 0x7f {
					t.Errorf("%s has control byte %#x: %q", k, v[i], v)
				}
			}
		}
	}
	var lc LambdaContext
	if err := json.Unmarshal([]byte(h.Get(event.HeaderLambdaContext)), &lc); err != nil {
		t.Fatalf("lambda context not JSON: %v", err)
	}
	if lc.TenantID != nil || string(lc.ClientContext) != "null" {
		t.Errorf("%+v", lc)
	}
}

func TestPassThroughRequestContextIsNull(t *testing.T) {
	h := http.Header{}
	hdrs := newContextHeaders(LambdaEnvConfig{})
	hdrs.apply(h, &runtimeapi.Invocation{}, nil, new(bytes.Buffer))
	if got := h.Get(event.HeaderRequestContext); got != "null" {
		t.Errorf("got %q", got)
	}
}

func TestRedactedHeaders(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer s3cret"}, "Cookie": {"sid=s3cret"}, "set-cookie": {"a=s3cret"}, "Accept": {"x"}}
	got := redactedHeaders(h)
	for k, v := range got {
		if strings.Contains(strings.Join(v, ""), "s3cret") {
			t.Errorf("%s logged with its value", k)
		}
	}
	if got["Accept"][0] != "x" {
		t.Error("ordinary header redacted")
	}
}

func TestHasControlByte(t *testing.T) {
	for i := 0; i < 256; i++ {
		for pos := 0; pos < 19; pos++ {
			b := []byte(strings.Repeat("a", 19))
			b[pos] = byte(i)
			want := i < 0x20 || i == 0x7f
			if got := hasControlByte(b); got != want {
				t.Fatalf("byte %#x at %d: got %v", i, pos, got)
			}
		}
	}
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.Intn(40))
		for j := range b {
			b[j] = byte(0x20 + rng.Intn(0xe0)) // mostly clean, DEL and high bytes included
			if rng.Intn(50) == 0 {
				b[j] = byte(rng.Intn(0x20))
			}
		}
		want := false
		for _, c := range b {
			want = want || c < 0x20 || c == 0x7f
		}
		if hasControlByte(b) != want {
			t.Fatalf("%q: got %v", b, !want)
		}
	}
	if hasControlByte([]byte(`{"k":"é ~ \u007f"}`)) {
		t.Error("clean JSON reported")
	}
}
