package runtimeapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
)

// FuzzParseInvocation feeds arbitrary /next headers and bodies to the decoder: it must never
// panic, must accept exactly the invocations it can describe, and must name the request id of
// every invocation it refuses.
func FuzzParseInvocation(f *testing.F) {
	f.Add("8476a536-e9f4-11e8-9739-2dfe598c3fcd", "1542409706888", `{"custom":{}}`, `{"cognitoIdentityId":"x"}`, "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700", []byte(`{"a":1}`))
	f.Add("id", "", "", "", "", []byte(nil))
	f.Add("id", "99999999999999999999", "{", "[]", "", []byte("x"))
	f.Add("", "1", "", "", "", []byte("{}"))
	f.Add("id", "-1", "null", "1e999", "t", []byte("{}"))
	f.Fuzz(func(t *testing.T, id, deadline, clientContext, cognito, trace string, payload []byte) {
		h := http.Header{}
		set := func(k, v string) {
			if v != "" {
				h[k] = []string{v}
			}
		}
		set(HeaderRequestID, id)
		set(HeaderDeadlineMs, deadline)
		set(HeaderClientContext, clientContext)
		set(HeaderCognitoIdentity, cognito)
		set(HeaderTraceID, trace)
		inv, err := parseInvocation(h, payload)
		if id == "" {
			if err == nil {
				t.Fatal("accepted an invocation without a request id")
			}
			return
		}
		ms, perr := strconv.ParseInt(deadline, 10, 64)
		valid := perr == nil && ms > 0 &&
			(clientContext == "" || json.Valid([]byte(clientContext))) &&
			(cognito == "" || json.Valid([]byte(cognito)))
		if !valid {
			var bad *MalformedInvocationError
			if !errors.As(err, &bad) || bad.RequestID != id {
				t.Fatalf("invalid headers gave %v, want a MalformedInvocationError for %q", err, id)
			}
			return
		}
		if err != nil {
			t.Fatalf("valid headers refused: %v", err)
		}
		if inv.RequestID != id || inv.Deadline.UnixMilli() != ms || inv.TraceID != trace ||
			string(inv.ClientContext) != clientContext || string(inv.CognitoIdentity) != cognito || string(inv.Payload) != string(payload) {
			t.Fatalf("invocation %+v does not match its headers", inv)
		}
	})
}
