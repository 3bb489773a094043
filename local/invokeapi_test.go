//go:build linux

package local

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type apiResult struct {
	status int
	header http.Header
	body   string
}

func invokeHTTP(t *testing.T, srv *httptest.Server, path string, body string, header ...string) apiResult {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return apiResult{resp.StatusCode, resp.Header, string(b)}
}

const invokePath = "/2015-03-31/functions/function/invocations"

func TestInvokeAPI(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{MaxAsyncPayload: 2000, Concurrency: 1})
	srv := httptest.NewServer(InvokeAPI(tf.Function))
	defer srv.Close()

	r := invokeHTTP(t, srv, invokePath, `{"hello":"world"}`, "Content-Type", "application/octet-stream")
	var e echo
	json.Unmarshal([]byte(r.body), &e)
	if r.status != 200 || string(e.Event) != `{"hello":"world"}` || r.header.Get("X-Amz-Executed-Version") != "$LATEST" ||
		!uuidRE.MatchString(r.header.Get("X-Amzn-Requestid")) || r.header.Get("X-Amz-Function-Error") != "" || r.header.Get("X-Amz-Log-Result") != "" {
		t.Errorf("sync invoke: %d %v %s", r.status, r.header, r.body)
	}
	if got := e.Headers["Lambda-Runtime-Aws-Request-Id"]; len(got) != 1 || got[0] != r.header.Get("X-Amzn-Requestid") {
		t.Errorf("x-amzn-RequestId %q is not the invocation's id %q", r.header.Get("X-Amzn-Requestid"), got)
	}

	// Tail: base64 of the end of the invocation's log, REPORT included.
	r = invokeHTTP(t, srv, invokePath, `{"action":"print","lines":200}`, "X-Amz-Log-Type", "Tail")
	tail, err := base64.StdEncoding.DecodeString(r.header.Get("X-Amz-Log-Result"))
	if err != nil || len(tail) > 4096 || len(tail) < 3000 || !strings.Contains(string(tail), "stderr line 199\nEND RequestId: ") ||
		!strings.Contains(string(tail), "\nREPORT RequestId: ") || strings.Contains(string(tail), "stdout line 0\n") {
		t.Errorf("Tail log (%d bytes, %v):\n%s", len(tail), err, tail)
	}

	r = invokeHTTP(t, srv, invokePath, `{"action":"error"}`)
	if r.status != 200 || r.header.Get("X-Amz-Function-Error") != "Unhandled" || !strings.Contains(r.body, `"errorType":"Test.Failure"`) {
		t.Errorf("function error: %d %v %s", r.status, r.header, r.body)
	}

	// Client context travels base64 in, JSON out.
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"a":"b"}}`))
	r = invokeHTTP(t, srv, invokePath, `{}`, "X-Amz-Client-Context", cc, "X-Amz-Tenant-Id", "t1")
	json.Unmarshal([]byte(r.body), &e)
	if got := e.Headers["Lambda-Runtime-Client-Context"]; len(got) != 1 || got[0] != `{"custom":{"a":"b"}}` || e.Headers["Lambda-Runtime-Aws-Tenant-Id"][0] != "t1" {
		t.Errorf("client context / tenant: %v", e.Headers)
	}

	for _, p := range []string{
		"/2015-03-31/functions/function:$LATEST/invocations",
		"/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:function/invocations",
		"/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afunction%3A%24LATEST/invocations",
		"/2015-03-31/functions/123456789012:function:function/invocations",
		"/2015-03-31/functions/function/invocations?Qualifier=%24LATEST",
	} {
		if r := invokeHTTP(t, srv, p, `{}`, "X-Amz-Invocation-Type", "DryRun"); r.status != 204 {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}

	type fault struct {
		name, path, body string
		header           []string
		status           int
		code, message    string
	}
	for _, f := range []fault{
		{"unknown function", "/2015-03-31/functions/nope/invocations", `{}`, nil, 404, "ResourceNotFoundException",
			`{"Message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope","Type":"User"}`},
		{"unknown qualifier", invokePath + "?Qualifier=prod", `{}`, nil, 404, "ResourceNotFoundException",
			`{"Message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:function:prod","Type":"User"}`},
		{"other account", "/2015-03-31/functions/arn:aws:lambda:us-east-1:999999999999:function:function/invocations", `{}`, nil, 404, "ResourceNotFoundException",
			`{"Message":"Function not found: arn:aws:lambda:us-east-1:999999999999:function:function","Type":"User"}`},
		{"conflicting qualifiers", "/2015-03-31/functions/function:1/invocations?Qualifier=2", `{}`, nil, 400, "InvalidParameterValueException",
			`{"Type":"User","message":"The derived qualifier from the function name does not match the specified qualifier."}`},
		{"bad invocation type", invokePath, `{}`, []string{"X-Amz-Invocation-Type", "Later"}, 400, "ValidationException",
			`{"Type":"User","message":"1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"}`},
		{"bad log type", invokePath, `{}`, []string{"X-Amz-Log-Type", "All"}, 400, "ValidationException",
			`{"Type":"User","message":"1 validation error detected: Value 'All' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]"}`},
		{"bad client context", invokePath, `{}`, []string{"X-Amz-Client-Context", "not base64!"}, 400, "InvalidRequestContentException",
			`{"Type":"User","message":"Client context must be a valid Base64-encoded JSON object."}`},
		{"client context not an object", invokePath, `{}`, []string{"X-Amz-Client-Context", base64.StdEncoding.EncodeToString([]byte(`[1]`))}, 400, "InvalidRequestContentException",
			`{"Type":"User","message":"Client context must be a valid Base64-encoded JSON object."}`},
		{"not JSON", invokePath, `{"a":`, nil, 400, "InvalidRequestContentException",
			`{"Type":"User","message":"Could not parse request body into json: Could not parse payload into json: unexpected end of JSON input"}`},
		{"media type", invokePath, `{}`, []string{"Content-Type", "text/html"}, 415, "UnsupportedMediaTypeException",
			`{"Type":"User","message":"The content type of the Invoke request body is not JSON: text/html"}`},
		{"too large", invokePath, `"` + strings.Repeat("x", 6291456) + `"`, nil, 413, "RequestEntityTooLargeException",
			`{"Type":"User","message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}`},
		{"async too large", invokePath, `"` + strings.Repeat("x", 2000) + `"`, []string{"X-Amz-Invocation-Type", "Event"}, 413, "RequestEntityTooLargeException",
			`{"Type":"User","message":"2002 byte payload is too large for the Event invocation type (limit 2000 bytes)"}`},
	} {
		r := invokeHTTP(t, srv, f.path, f.body, f.header...)
		if r.status != f.status || r.header.Get("X-Amzn-ErrorType") != f.code || r.body != f.message || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %q %s\nwant %d %q %s", f.name, r.status, r.header.Get("X-Amzn-ErrorType"), r.body, f.status, f.code, f.message)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL+"/2015-03-31/functions/function", nil)
	if resp, err := srv.Client().Do(req); err != nil || resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
		t.Errorf("unknown operation: %v %v", resp, err)
	}

	// Event: 202 at once, run later.
	r = invokeHTTP(t, srv, invokePath, `{"action":"print","lines":1}`, "X-Amz-Invocation-Type", "Event")
	if r.status != 202 || r.body != "" {
		t.Errorf("Event: %d %q", r.status, r.body)
	}
	id := r.header.Get("X-Amzn-Requestid")
	waitFor(t, "the Event invocation to run", func() bool { return strings.Contains(tf.log.String(), "END RequestId: "+id) })

	// Throttled beyond the concurrency (1 here).
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		invokeHTTP(t, srv, invokePath, `{"action":"sleep","ms":500}`)
	}()
	waitFor(t, "the environment to be busy", func() bool {
		tf.pool.mu.Lock()
		defer tf.pool.mu.Unlock()
		return tf.pool.active == 1 && len(tf.async) == 0
	})
	time.Sleep(20 * time.Millisecond)
	r = invokeHTTP(t, srv, invokePath, `{}`)
	if r.status != 429 || r.header.Get("X-Amzn-ErrorType") != "TooManyRequestsException" ||
		r.body != `{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}` {
		t.Errorf("throttle: %d %v %s", r.status, r.header, r.body)
	}
	wg.Wait()
}

// event is one decoded eventstream message.
type streamEvent struct {
	headers map[string]string
	payload []byte
}

// decodeEventStream parses application/vnd.amazon.eventstream messages, checking both CRCs.
func decodeEventStream(b []byte) ([]streamEvent, error) {
	var out []streamEvent
	for len(b) > 0 {
		if len(b) < 16 {
			return nil, errors.New("short message")
		}
		total, hlen := binary.BigEndian.Uint32(b), binary.BigEndian.Uint32(b[4:])
		if crc32.ChecksumIEEE(b[:8]) != binary.BigEndian.Uint32(b[8:]) {
			return nil, errors.New("prelude CRC mismatch")
		}
		if int(total) > len(b) || crc32.ChecksumIEEE(b[:total-4]) != binary.BigEndian.Uint32(b[total-4:]) {
			return nil, errors.New("message CRC mismatch")
		}
		ev := streamEvent{headers: map[string]string{}}
		h := b[12 : 12+hlen]
		for len(h) > 0 {
			n := int(h[0])
			name := string(h[1 : 1+n])
			if h[1+n] != 7 {
				return nil, fmt.Errorf("header %s has type %d", name, h[1+n])
			}
			vlen := int(binary.BigEndian.Uint16(h[2+n:]))
			ev.headers[name] = string(h[4+n : 4+n+vlen])
			h = h[4+n+vlen:]
		}
		ev.payload = b[12+hlen : total-4]
		out = append(out, ev)
		b = b[total:]
	}
	return out, nil
}

func TestInvokeWithResponseStream(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{})
	srv := httptest.NewServer(InvokeAPI(tf.Function))
	defer srv.Close()
	const path = "/2021-11-15/functions/function/response-streaming-invocations"

	r := invokeHTTP(t, srv, path, `{"action":"stream","chunks":3,"chunk":"c"}`, "X-Amz-Log-Type", "Tail")
	if r.status != 200 || r.header.Get("Content-Type") != "application/vnd.amazon.eventstream" || r.header.Get("X-Amz-Executed-Version") != "$LATEST" {
		t.Fatalf("stream: %d %v", r.status, r.header)
	}
	events, err := decodeEventStream([]byte(r.body))
	if err != nil {
		t.Fatal(err)
	}
	var payload bytes.Buffer
	for _, ev := range events[:len(events)-1] {
		if ev.headers[":event-type"] != "PayloadChunk" || ev.headers[":message-type"] != "event" {
			t.Errorf("event headers %v", ev.headers)
		}
		payload.Write(ev.payload)
	}
	last := events[len(events)-1]
	var complete struct{ ErrorCode, ErrorDetails, LogResult string }
	json.Unmarshal(last.payload, &complete)
	logText, _ := base64.StdEncoding.DecodeString(complete.LogResult)
	if payload.String() != "c0;c1;c2;" || last.headers[":event-type"] != "InvokeComplete" || complete.ErrorCode != "" || !strings.Contains(string(logText), "REPORT") {
		t.Errorf("payload %q, last event %v %s", payload.String(), last.headers, last.payload)
	}

	r = invokeHTTP(t, srv, path, `{"action":"stream","chunks":1,"chunk":"c","fail":true}`)
	events, err = decodeEventStream([]byte(r.body))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(events[len(events)-1].payload, &complete)
	if complete.ErrorCode != "Test.StreamFailure" || complete.ErrorDetails != `{"errorMessage":"broke mid-stream","errorType":"Test.StreamFailure"}` {
		t.Errorf("mid-stream failure reported as %s", events[len(events)-1].payload)
	}

	// A buffered function error arrives in InvokeComplete, without a payload.
	r = invokeHTTP(t, srv, path, `{"action":"error"}`)
	events, _ = decodeEventStream([]byte(r.body))
	if len(events) != 1 {
		t.Fatalf("%d events for a function error", len(events))
	}
	json.Unmarshal(events[0].payload, &complete)
	if complete.ErrorCode != "Test.Failure" || !strings.Contains(complete.ErrorDetails, "it failed") {
		t.Errorf("function error reported as %s", events[0].payload)
	}
	if r := invokeHTTP(t, srv, path, `{}`, "X-Amz-Invocation-Type", "Event"); r.status != 400 || r.header.Get("X-Amzn-ErrorType") != "ValidationException" {
		t.Errorf("Event on the streaming API: %d %s", r.status, r.body)
	}
}

// FuzzInvokeAPI feeds arbitrary names, headers and bodies to the Invoke API decoder: it must
// answer with a documented status, never panic. DryRun keeps the function out of it.
func FuzzInvokeAPI(f *testing.F) {
	f.Add("function", "", "RequestResponse", "None", "", `{"a":1}`, "application/json")
	f.Add("arn:aws:lambda:us-east-1:123456789012:function:function:$LATEST", "$LATEST", "Event", "Tail", "e30=", `[]`, "")
	f.Add("123456789012:function:function", "1", "DryRun", "", "!!", `{`, "text/html")
	f.Add(":::::::", "::", "x", "y", "eyJhIjoxfQ==", "\x00", "application/json; charset=\"")
	fn := &Function{cfg: Config{Name: "function", Region: "us-east-1", AccountID: "123456789012", MaxAsyncPayload: 1 << 20}}
	h := InvokeAPI(fn).(*invokeAPI)
	f.Fuzz(func(t *testing.T, name, qualifier, invType, logType, clientCtx, body, contentType string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.URL.RawQuery = "Qualifier=" + qualifier
		req.Header.Set("X-Amz-Invocation-Type", invType)
		req.Header.Set("X-Amz-Log-Type", logType)
		req.Header.Set("X-Amz-Client-Context", clientCtx)
		req.Header.Set("Content-Type", contentType)
		r, typ, _, fl := h.parse(req, name, false)
		if fl != nil {
			switch fl.status {
			case 400, 404, 413, 415:
			default:
				t.Fatalf("status %d", fl.status)
			}
			if fl.code == "" {
				t.Fatal("fault without a code")
			}
			return
		}
		if r == nil || (typ != "RequestResponse" && typ != "Event" && typ != "DryRun") {
			t.Fatalf("parse accepted %q as %q", invType, typ)
		}
	})
}
