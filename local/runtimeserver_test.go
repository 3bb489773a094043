//go:build linux

package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawRuntime is the test speaking the Runtime API itself: the function's runtime process only
// prints the address (testruntime idle).
type rawRuntime struct {
	t    *testing.T
	base string
	tf   *testFunction
}

// startRawRuntime starts a cold invocation (which waits for init) and returns the Runtime API of
// its environment once the idle runtime has printed it.
func startRawRuntime(t *testing.T, cfg Config) (*rawRuntime, chan *Response) {
	t.Helper()
	tf := newTestFunction(t, "idle", cfg)
	first := make(chan *Response, 1)
	go func() {
		r, err := tf.Invoke(context.Background(), &Request{Payload: []byte(`{"n":1}`)})
		if err != nil {
			t.Errorf("Invoke: %v", err)
			close(first)
			return
		}
		first <- r
	}()
	var addr string
	waitFor(t, "the runtime to print its API address", func() bool {
		m := regexp.MustCompile(`RUNTIME_API=(\S+)`).FindStringSubmatch(tf.log.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	return &rawRuntime{t: t, base: "http://" + addr, tf: tf}, first
}

// call makes one request and returns the status and the body.
func (rr *rawRuntime) call(method, path string, body []byte, header ...string) (int, http.Header, string) {
	rr.t.Helper()
	req, _ := http.NewRequest(method, rr.base+path, bytes.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		rr.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// env is the (only) environment of the function.
func (rr *rawRuntime) env() *environment {
	rr.tf.pool.mu.Lock()
	defer rr.tf.pool.mu.Unlock()
	return rr.tf.pool.envs[0]
}

// park makes a long-poll GET that stays open until the environment goes away.
func (rr *rawRuntime) park(path string, header ...string) {
	req, _ := http.NewRequest("GET", rr.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

func (rr *rawRuntime) expect(method, path string, body []byte, wantStatus int, wantBody string, header ...string) {
	rr.t.Helper()
	status, _, got := rr.call(method, path, body, header...)
	if status != wantStatus || got != wantBody {
		rr.t.Errorf("%s %s = %d %s, want %d %s", method, path, status, got, wantStatus, wantBody)
	}
}

func TestRuntimeAPIProtocol(t *testing.T) {
	rr, first := startRawRuntime(t, Config{Concurrency: 1})

	status, h, body := rr.call("GET", "/2018-06-01/runtime/invocation/next", nil)
	id := h.Get("Lambda-Runtime-Aws-Request-Id")
	if status != 200 || body != `{"n":1}` || !uuidRE.MatchString(id) || h.Get("Content-Type") != "application/json" {
		t.Fatalf("next: %d %q %v", status, body, h)
	}
	rr.expect("POST", "/2018-06-01/runtime/invocation/next", nil, 405, `{"errorType":"MethodNotAllowed","errorMessage":"POST is not allowed here; use GET"}`)
	rr.expect("POST", "/2018-06-01/runtime/invocation/no-such-id/response", []byte("x"), 400, `{"errorType":"InvalidRequestID","errorMessage":"Invalid request ID"}`)
	rr.expect("POST", "/2018-06-01/runtime/init/error", []byte(`{}`), 403, `{"errorType":"InvalidStateTransition","errorMessage":"init/error is only valid once, during init"}`)
	rr.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/response", []byte("x"), 400,
		`{"errorType":"InvalidFunctionResponseMode","errorMessage":"Invalid function response mode"}`, "Lambda-Runtime-Function-Response-Mode", "buffered")
	rr.expect("PUT", "/2020-08-15/logs", []byte(`{}`), 202, `{"errorType":"Logs.NotSupported","errorMessage":"Logs API is not supported"}`)
	rr.expect("PUT", "/2022-07-01/telemetry", []byte(`{}`), 202, `{"errorType":"Telemetry.NotSupported","errorMessage":"Telemetry API is not supported"}`)
	rr.expect("POST", "/2020-01-01/extension/register", []byte(`{"events":[]}`), 403, `{"errorType":"Extension.RegistrationClosed","errorMessage":"Extension registration closed already"}`, "Lambda-Extension-Name", "late")
	rr.expect("POST", "/2020-01-01/extension/register", []byte(`{"events":[]}`), 403, `{"errorType":"Extension.InvalidExtensionName","errorMessage":"Empty extension name"}`)
	rr.expect("GET", "/2020-01-01/extension/event/next", nil, 403, `{"errorType":"Extension.MissingExtensionIdentifier","errorMessage":"Missing Lambda-Extension-Identifier header"}`)
	rr.expect("GET", "/2020-01-01/extension/event/next", nil, 403, `{"errorType":"Extension.UnknownExtensionIdentifier","errorMessage":"Unknown extension nope"}`, "Lambda-Extension-Identifier", "nope")

	// Two pollers wait at once (overlapping /next); the response completes the invocation
	// because the runtime is already back.
	var wg sync.WaitGroup
	got := make(chan string, 2)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, h, body := rr.call("GET", "/2018-06-01/runtime/invocation/next", nil)
			id := h.Get("Lambda-Runtime-Aws-Request-Id")
			rr.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/response", []byte("answer to "+body), 202, `{"status":"OK"}`)
			got <- body
		}()
	}
	waitFor(t, "two waiting pollers", func() bool {
		env := rr.env()
		env.mu.Lock()
		defer env.mu.Unlock()
		return env.waiting == 2
	})
	rr.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/response", []byte("first result"), 202, `{"status":"OK"}`)
	r := <-first
	if b := readBody(t, r); string(b) != "first result" {
		t.Errorf("first invocation answered %q", b)
	}
	rr.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/response", []byte("again"), 400, `{"errorType":"InvalidRequestID","errorMessage":"Invalid request ID"}`)
	if log := string(r.Log()); !strings.Contains(log, "REPORT RequestId: "+id) {
		t.Errorf("first invocation not complete:\n%s", log)
	}
	var last *Response
	for i := 2; i <= 3; i++ {
		last = rr.tf.invoke(fmt.Sprintf(`{"n":%d}`, i))
		if b := readBody(t, last); string(b) != fmt.Sprintf(`answer to {"n":%d}`, i) {
			t.Errorf("invocation %d answered %q", i, b)
		}
	}
	wg.Wait()
	close(got)
	var bodies []string
	for b := range got {
		bodies = append(bodies, b)
	}
	if len(bodies) != 2 || bodies[0] == bodies[1] {
		t.Errorf("the two pollers got %q: want one invocation each", bodies)
	}

	// The third invocation ends when the runtime comes back to /next (here a poller that then
	// gives up, which leaves no trace); error posts with a non-JSON body are wrapped.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", rr.base+"/2018-06-01/runtime/invocation/next", nil)
	go func() {
		if log := string(last.Log()); !strings.Contains(log, "REPORT RequestId: "+last.RequestID) {
			t.Errorf("third invocation log:\n%s", log)
		}
		cancel()
	}()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("canceled /next returned")
	}
	waitFor(t, "the canceled poller to leave", func() bool {
		env := rr.env()
		env.mu.Lock()
		defer env.mu.Unlock()
		return env.waiting == 0
	})
	errCh := make(chan *Response, 1)
	go func() { errCh <- rr.tf.invoke(`{"n":4}`) }()
	_, h, _ = rr.call("GET", "/2018-06-01/runtime/invocation/next", nil)
	id = h.Get("Lambda-Runtime-Aws-Request-Id")
	rr.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/error", []byte("plain text failure"), 202, `{"status":"OK"}`, "Lambda-Runtime-Function-Error-Type", "Custom.Kind")
	r = <-errCh
	if b := readBody(t, r); r.Failure != FailureFunction || r.ErrorType != "Custom.Kind" || string(b) != `{"errorType":"Custom.Kind","errorMessage":"plain text failure"}` {
		t.Errorf("error post gave %v %q %s", r.Failure, r.ErrorType, b)
	}

	// A buffered result over 6 MB + 100 bytes: 413 to the runtime, an error to the caller.
	bigCh := make(chan *Response, 1)
	go func() { bigCh <- rr.tf.invoke(`{"n":5}`) }()
	_, h, _ = rr.call("GET", "/2018-06-01/runtime/invocation/next", nil)
	id = h.Get("Lambda-Runtime-Aws-Request-Id")
	rr.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/response", make([]byte, 6291557), 413,
		`{"errorType":"RequestEntityTooLarge","errorMessage":"Exceeded maximum allowed payload size (6291556 bytes)."}`)
	r = <-bigCh
	if readBody(t, r); r.Failure != FailureResponseTooLarge {
		t.Errorf("oversize result: %v", r.Failure)
	}
	go rr.park("/2018-06-01/runtime/invocation/next")
	if log := string(r.Log()); !strings.Contains(log, "REPORT RequestId: "+r.RequestID) {
		t.Errorf("oversize invocation log:\n%s", log)
	}
}

// Registration during init: internal extensions (registered by the runtime process) may not
// take SHUTDOWN, names are unique, at most 10; init ends once the runtime and every registered
// extension called next, and INVOKE reaches the extensions.
func TestExtensionRegistrationDuringInit(t *testing.T) {
	rr, first := startRawRuntime(t, Config{})
	register := func(name, events string) (int, string, string) {
		status, h, body := rr.call("POST", "/2020-01-01/extension/register", []byte(events), "Lambda-Extension-Name", name)
		return status, h.Get("Lambda-Extension-Identifier"), body
	}
	if status, _, body := register("internal", `{"events":["INVOKE","SHUTDOWN"]}`); status != 403 || !strings.Contains(body, `"errorType":"Extension.InvalidEventType"`) {
		t.Errorf("internal extension subscribing to SHUTDOWN: %d %s", status, body)
	}
	if status, _, body := register("internal", `{"events":["BOGUS"]}`); status != 403 || !strings.Contains(body, "Extension.InvalidEventType") {
		t.Errorf("unknown event: %d %s", status, body)
	}
	if status, _, body := register("internal", `not json`); status != 403 || !strings.Contains(body, `"errorType":"InvalidRequestFormat"`) {
		t.Errorf("malformed register: %d %s", status, body)
	}
	status, extID, body := register("internal", `{"events":["INVOKE"]}`)
	if status != 200 || !uuidRE.MatchString(extID) || body != `{"functionName":"function","functionVersion":"$LATEST","handler":"testruntime"}` {
		t.Fatalf("register: %d %q %s", status, extID, body)
	}
	if status, _, body := register("internal", `{"events":[]}`); status != 403 || !strings.Contains(body, "already registered") {
		t.Errorf("duplicate name: %d %s", status, body)
	}
	for i := 1; i < MaxExtensions; i++ {
		if status, id, _ := register(fmt.Sprintf("ext-%d", i), `{"events":[]}`); status != 200 {
			t.Fatalf("extension %d: %d", i, status)
		} else {
			go rr.park("/2020-01-01/extension/event/next", "Lambda-Extension-Identifier", id)
		}
	}
	if status, _, body := register("one-too-many", `{"events":[]}`); status != 403 || body != `{"errorType":"Extension.TooManyExtensions","errorMessage":"Extension limit (10) reached"}` {
		t.Errorf("eleventh extension: %d %s", status, body)
	}

	next := make(chan http.Header, 1)
	go func() {
		_, h, _ := rr.call("GET", "/2018-06-01/runtime/invocation/next", nil)
		next <- h
	}()
	select {
	case <-next:
		t.Fatal("the invocation started before the extension finished init")
	case <-time.After(200 * time.Millisecond):
	}
	events := make(chan string, 1)
	go func() {
		_, _, ev := rr.call("GET", "/2020-01-01/extension/event/next", nil, "Lambda-Extension-Identifier", extID)
		events <- ev
	}()
	h := <-next
	id := h.Get("Lambda-Runtime-Aws-Request-Id")
	var ev struct {
		EventType, RequestID string
	}
	json.Unmarshal([]byte(<-events), &ev)
	if ev.EventType != "INVOKE" || ev.RequestID != id {
		t.Errorf("extension event %+v for %s", ev, id)
	}
	rr.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/response", []byte("ok"), 202, `{"status":"OK"}`)
	r := <-first
	readBody(t, r)
	// The runtime and the extension ask for more: the invocation is complete.
	go rr.park("/2018-06-01/runtime/invocation/next")
	go rr.park("/2020-01-01/extension/event/next", "Lambda-Extension-Identifier", extID)
	if log := string(r.Log()); !strings.Contains(log, "REPORT RequestId: "+id) || strings.Contains(log, "Status: timeout") {
		t.Errorf("invocation log:\n%s", log)
	}
	if !strings.Contains(rr.tf.log.String(), "EXTENSION\tName: internal\tState: Ready\tEvents: [INVOKE]\n") {
		t.Errorf("no EXTENSION line:\n%s", rr.tf.log.String())
	}
}

// FuzzRuntimeAPI sends arbitrary requests to an environment's Runtime and Extensions API. The
// environment is ready with one invocation in flight; long polls return at once because the
// request's context is already canceled. Whatever arrives, the server answers with a status
// of the API (never a panic), and the in-flight invocation stays consistent.
func FuzzRuntimeAPI(f *testing.F) {
	f.Add("POST", "/2018-06-01/runtime/invocation/ID/response", "", "", []byte(`{"ok":true}`))
	f.Add("POST", "/2018-06-01/runtime/invocation/ID/response", "Lambda-Runtime-Function-Response-Mode", "streaming", []byte("chunk"))
	f.Add("POST", "/2018-06-01/runtime/invocation/ID/error", "Lambda-Runtime-Function-Error-Type", "X.Y", []byte(`{"errorMessage":1}`))
	f.Add("POST", "/2018-06-01/runtime/init/error", "", "", []byte(`[]`))
	f.Add("POST", "/2020-01-01/extension/register", "Lambda-Extension-Name", "x", []byte(`{"events":["INVOKE","NOPE"]}`))
	f.Add("GET", "/2020-01-01/extension/event/next", "Lambda-Extension-Identifier", "ID", []byte(nil))
	f.Add("GET", "/2018-06-01/runtime/invocation/next", "", "", []byte(nil))
	f.Add("PUT", "/2020-08-15/logs", "", "", []byte("{"))
	f.Add("DELETE", "/2018-06-01/runtime/invocation/ID/", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, method, path, hname, hvalue string, body []byte) {
		fn := &Function{cfg: Config{Name: "function", Handler: "h", AccountID: "123456789012", PerEnvConcurrency: 1}, sink: &logSink{w: io.Discard}}
		fn.pool = newPool(fn)
		e := newEnvironment(fn)
		e.state = envReady
		e.registrationOpen = false
		inv := newInvocation(&Request{Payload: []byte(`{}`)}, time.Now())
		inv.env, inv.handedOut, inv.start = e, true, time.Now()
		inv.timer = time.NewTimer(time.Hour)
		e.inflight[inv.id] = inv
		path = strings.ReplaceAll(path, "ID", inv.id)
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://runtime"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		if hname != "" && !strings.ContainsAny(hname, "\r\n:") {
			req.Header.Set(hname, hvalue)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		// The caller's side: read whatever response is delivered, a stream to its end.
		served := make(chan struct{})
		readerDone := make(chan struct{})
		go func() {
			defer close(readerDone)
			select {
			case r := <-inv.resp:
				if r.Body == nil || r.RequestID != inv.id {
					t.Errorf("delivered response %+v", r)
					return
				}
				io.Copy(io.Discard, r.Body)
			case <-served:
			}
		}()
		w := httptest.NewRecorder()
		e.serveHTTP(w, req.WithContext(ctx))
		close(served)
		<-readerDone
		switch w.Code {
		case 200, 202, 400, 403, 404, 405, 413:
		default:
			t.Fatalf("%s %s: status %d", method, path, w.Code)
		}
		if w.Code >= 400 && w.Code != 404 && w.Code != 405 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: %d with a non-JSON body %q", method, path, w.Code, w.Body.String())
		}
	})
}
