//go:build linux

package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	uuidRE      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	traceRE     = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]$`)
	logStreamRE = regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`)
	reportRE    = regexp.MustCompile(`(?m)^REPORT RequestId: ([0-9a-f-]{36})\tDuration: (\d+\.\d{2}) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB\t(Init Duration: (\d+\.\d{2}) ms\t)?(Status: [a-z]+\t(Error Type: [A-Za-z.]+\t)?)?Estimated Cost: \$\d+\.\d+ \(estimate, list price\)\t$`)
)

func TestInvokeEchoesContextAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	tf := newTestFunction(t, "ok", Config{Name: "echo-fn", Dir: dir, Env: []string{"GREETING=hello", "TZ=Europe/Paris"}, MemoryMB: 256, Timeout: 7 * time.Second})
	before := time.Now()
	r := tf.invokeReq(&Request{
		Payload:         []byte(`{"a":1}`),
		ClientContext:   json.RawMessage(`{"custom": {"k": "v"}}`),
		CognitoIdentity: json.RawMessage(`{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}`),
		TenantID:        "tenant-7",
	})
	b := readBody(t, r)
	var e echo
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if !uuidRE.MatchString(r.RequestID) || r.ExecutedVersion != "$LATEST" || r.Failure != FailureNone {
		t.Errorf("response: id %q version %q failure %v", r.RequestID, r.ExecutedVersion, r.Failure)
	}
	if string(e.Event) != `{"a":1}` {
		t.Errorf("event = %s", e.Event)
	}
	h := func(k string) string {
		if v := e.Headers[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if h("Lambda-Runtime-Aws-Request-Id") != r.RequestID {
		t.Errorf("request id header %q, response %q", h("Lambda-Runtime-Aws-Request-Id"), r.RequestID)
	}
	deadline, err := strconv.ParseInt(h("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if want := before.Add(7 * time.Second).UnixMilli(); err != nil || deadline < want || deadline > want+2000 {
		t.Errorf("deadline %q, want about %d", h("Lambda-Runtime-Deadline-Ms"), want)
	}
	if got := h("Lambda-Runtime-Invoked-Function-Arn"); got != "arn:aws:lambda:us-east-1:123456789012:function:echo-fn" || got != tf.ARN() {
		t.Errorf("ARN header %q, ARN() %q", got, tf.ARN())
	}
	if !traceRE.MatchString(h("Lambda-Runtime-Trace-Id")) {
		t.Errorf("generated trace id %q", h("Lambda-Runtime-Trace-Id"))
	}
	if got := h("Lambda-Runtime-Client-Context"); got != `{"custom":{"k":"v"}}` {
		t.Errorf("client context %q", got)
	}
	if got := h("Lambda-Runtime-Cognito-Identity"); got != `{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}` {
		t.Errorf("cognito identity %q", got)
	}
	if got := h("Lambda-Runtime-Aws-Tenant-Id"); got != "tenant-7" {
		t.Errorf("tenant id %q", got)
	}
	if got := h("Content-Type"); got != "application/json" {
		t.Errorf("content type %q", got)
	}

	env := e.Env
	for k, want := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "echo-fn",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/echo-fn",
		"AWS_REGION":                      "us-east-1",
		"AWS_DEFAULT_REGION":              "us-east-1",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"LAMBDA_TASK_ROOT":                dir,
		"_HANDLER":                        "testruntime",
		"GREETING":                        "hello",
		"AWS_XRAY_CONTEXT_MISSING":        "LOG_ERROR",
		"AWS_XRAY_DAEMON_ADDRESS":         "127.0.0.1:2000",
		"TZ":                              "Europe/Paris", // configured values win over Lambda's
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if !logStreamRE.MatchString(env["AWS_LAMBDA_LOG_STREAM_NAME"]) {
		t.Errorf("log stream %q", env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(env["AWS_LAMBDA_RUNTIME_API"]) {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", env["AWS_LAMBDA_RUNTIME_API"])
	}
	for _, k := range []string{"AWS_EXECUTION_ENV", "AWS_LAMBDA_MAX_CONCURRENCY", "_X_AMZN_TRACE_ID", "PORT"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s is set (%q)", k, v)
		}
	}

	// A caller's trace header is passed on as is; an empty event arrives as {}.
	const trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	e2 := tf.echo("")
	if string(e2.Event) != "{}" {
		t.Errorf("empty payload arrived as %q", e2.Event)
	}
	r = tf.invokeReq(&Request{Payload: []byte(`{}`), TraceID: trace})
	json.Unmarshal(readBody(t, r), &e)
	if got := e.Headers["Lambda-Runtime-Trace-Id"]; len(got) != 1 || got[0] != trace {
		t.Errorf("caller trace id arrived as %q", got)
	}
}

func TestWarmReuseAndLogs(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{Concurrency: 1})
	r1 := tf.invoke(`{"action":"print","lines":2}`)
	var e1 echo
	json.Unmarshal(readBody(t, r1), &e1)
	r2 := tf.invoke(`{"action":"print","lines":1}`)
	var e2 echo
	json.Unmarshal(readBody(t, r2), &e2)
	if e1.PID == 0 || e1.PID != e2.PID {
		t.Errorf("second invocation ran in process %d, first in %d: want the warm environment", e2.PID, e1.PID)
	}

	log1, log2 := string(r1.Log()), string(r2.Log())
	if !strings.HasPrefix(log1, "INIT_START Runtime Version: ") || strings.Contains(log2, "INIT_START") {
		t.Errorf("INIT_START belongs to the cold start only:\n%s\n---\n%s", log1, log2)
	}
	for _, c := range []struct {
		log, id string
		lines   int
		cold    bool
	}{{log1, r1.RequestID, 2, true}, {log2, r2.RequestID, 1, false}} {
		if !strings.Contains(c.log, "START RequestId: "+c.id+" Version: $LATEST\n") || !strings.Contains(c.log, "END RequestId: "+c.id+"\n") {
			t.Errorf("START/END missing:\n%s", c.log)
		}
		for i := 0; i < c.lines; i++ {
			for _, s := range []string{"stdout", "stderr"} {
				if !strings.Contains(c.log, fmt.Sprintf("%s line %d\n", s, i)) {
					t.Errorf("%s line %d missing from the invocation log:\n%s", s, i, c.log)
				}
			}
		}
		m := reportRE.FindStringSubmatch(c.log)
		if m == nil {
			t.Fatalf("no well-formed REPORT line:\n%q", c.log)
		}
		if m[1] != c.id || m[4] != "128" {
			t.Errorf("REPORT id %s memory %s", m[1], m[4])
		}
		if (m[7] != "") != c.cold {
			t.Errorf("Init Duration %q on a cold=%v invocation", m[7], c.cold)
		}
		d, _ := strconv.ParseFloat(m[2], 64)
		billed, _ := strconv.ParseFloat(m[3], 64)
		initD, _ := strconv.ParseFloat(m[7], 64)
		// The line shows rounded durations; billing rounds the exact ones up.
		if want := ceil(d) + ceil(initD); billed < want || billed > want+2 {
			t.Errorf("Billed Duration %v, want ceil(%v)+ceil(%v)", billed, d, initD)
		}
		if used, _ := strconv.Atoi(m[5]); used < 1 {
			t.Errorf("Max Memory Used %d MB", used)
		}
	}
	// On the terminal, function output is tagged with its request id.
	all := tf.log.String()
	if !strings.Contains(all, r1.RequestID+"\tstdout line 1\n") || !strings.Contains(all, r2.RequestID+"\tstderr line 0\n") {
		t.Errorf("function output not tagged with its request id:\n%s", all)
	}
}

func ceil(f float64) float64 {
	n := float64(int64(f))
	if n < f {
		n++
	}
	return n
}

func TestFunctionError(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{Concurrency: 1})
	r := tf.invoke(`{"action":"error"}`)
	b := readBody(t, r)
	if r.Failure != FailureFunction || r.ErrorType != "Test.Failure" {
		t.Errorf("failure %v %q", r.Failure, r.ErrorType)
	}
	if string(b) != `{"errorMessage":"it failed","errorType":"Test.Failure","stackTrace":["main.go:1"]}` {
		t.Errorf("error body %s", b)
	}
	// A function error does not reset the environment.
	e1 := tf.echo(`{}`)
	e2 := tf.echo(`{}`)
	if e1.PID != e2.PID {
		t.Error("environment replaced after a function error")
	}
}

func TestTimeoutKillsAndReplaces(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{Timeout: 300 * time.Millisecond, Concurrency: 1})
	first := tf.echo(`{}`)
	start := time.Now()
	r := tf.invoke(`{"action":"hang"}`)
	elapsed := time.Since(start)
	b := readBody(t, r)
	if r.Failure != FailureTimeout || r.ErrorType != "Sandbox.Timedout" {
		t.Fatalf("failure %v %q: %s", r.Failure, r.ErrorType, b)
	}
	if elapsed < 300*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("timed out after %v", elapsed)
	}
	var body struct{ ErrorType, ErrorMessage string }
	json.Unmarshal(b, &body)
	// The message shows the real elapsed time (at least the timeout; more on a loaded machine).
	m := regexp.MustCompile(`^RequestId: ` + r.RequestID + ` Error: Task timed out after (\d+\.\d\d) seconds$`).FindStringSubmatch(body.ErrorMessage)
	if m == nil || m[1] < "0.30" {
		t.Errorf("timeout message %q", body.ErrorMessage)
	}
	log := string(r.Log())
	if !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ` + r.RequestID + ` Task timed out after \d+\.\d\d seconds$`).MatchString(log) {
		t.Errorf("no timeout line:\n%s", log)
	}
	if m := reportRE.FindStringSubmatch(log); m == nil || m[8] != "Status: timeout\t" {
		t.Errorf("REPORT should say Status: timeout:\n%s", log)
	}
	waitGone(t, first.PID)
	next := tf.echo(`{}`)
	if next.PID == first.PID {
		t.Error("the timed-out environment was reused")
	}
}

func TestCrashAndExitReplaceTheEnvironment(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{Concurrency: 1})
	first := tf.echo(`{}`)
	r := tf.invoke(`{"action":"crash"}`)
	b := readBody(t, r)
	want := `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ` + r.RequestID + ` Error: Runtime exited with error: exit status 1"}`
	if r.Failure != FailureCrash || string(b) != want {
		t.Errorf("crash: %v %s, want %s", r.Failure, b, want)
	}
	log := string(r.Log())
	for _, line := range []string{"about to crash", "RequestId: " + r.RequestID + " Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n", "Status: error\tError Type: Runtime.ExitError\t"} {
		if !strings.Contains(log, line) {
			t.Errorf("crash log lacks %q:\n%s", line, log)
		}
	}
	waitGone(t, first.PID)
	second := tf.echo(`{}`)
	if second.PID == first.PID {
		t.Fatal("crashed environment reused")
	}

	// A runtime that exits right after answering: the answer counts, the environment does not.
	r = tf.invoke(`{"action":"exit-after"}`)
	if b := readBody(t, r); r.Failure != FailureNone {
		t.Errorf("exit after responding: %v %s", r.Failure, b)
	}
	waitGone(t, second.PID)
	third := tf.echo(`{}`)
	if third.PID == second.PID {
		t.Error("exited environment reused")
	}
}

func TestInitFailures(t *testing.T) {
	tests := []struct {
		mode, errType, status string
		body                  string // regexp
		cfg                   Config
	}{
		{"init-error", "Test.InitFailure", "error", `^\{"errorMessage":"cannot start","errorType":"Test.InitFailure"\}$`, Config{}},
		{"init-exit", "Runtime.ExitError", "error", `^\{"errorType":"Runtime.ExitError","errorMessage":"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3"\}$`, Config{}},
		{"init-hang", "Sandbox.Timedout", "timeout", `^\{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: [0-9a-f-]{36} Error: Task timed out after 0\.\d\d seconds"\}$`,
			Config{InitTimeout: 200 * time.Millisecond, Timeout: 300 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			tf := newTestFunction(t, tt.mode, tt.cfg)
			for i := 0; i < 2; i++ { // every invocation re-runs init and fails the same way
				r := tf.invoke(`{}`)
				b := readBody(t, r)
				if r.Failure != FailureInit || r.ErrorType != tt.errType {
					t.Errorf("failure %v %q, want init %q", r.Failure, r.ErrorType, tt.errType)
				}
				if !regexp.MustCompile(tt.body).Match(b) {
					t.Errorf("body %s", b)
				}
				log := string(r.Log())
				for _, phase := range []string{"init", "invoke"} {
					want := "\tPhase: " + phase + "\tStatus: " + tt.status
					if tt.status == "error" {
						want += "\tError Type: " + tt.errType
					}
					if !strings.Contains(tf.log.String(), want) {
						t.Errorf("no INIT_REPORT for phase %s (%q):\n%s", phase, want, tf.log.String())
					}
				}
				if m := reportRE.FindStringSubmatch(log); m == nil || !strings.HasPrefix(m[8], "Status: "+tt.status) {
					t.Errorf("REPORT of the failed invocation:\n%s", log)
				}
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Command: []string{"no-such-command-anywhere"}, Runtime: true}, "not found in PATH"},
		{Config{Command: []string{"./missing"}, Runtime: true}, "no such file"},
		{Config{}, "Command is empty"},
		{Config{Command: []string{"app"}}, "needs AdapterCommand"},
		{Config{Command: []string{testRuntime}, Runtime: true, Name: "bad name"}, "function name"},
		{Config{Command: []string{testRuntime}, Runtime: true, MemoryMB: 64}, "memory 64 MB out of range"},
		{Config{Command: []string{testRuntime}, Runtime: true, Arch: "sparc"}, "use x86_64 or arm64"},
		{Config{Command: []string{testRuntime}, Runtime: true, Timeout: time.Hour}, "timeout 1h0m0s out of range"},
		{Config{Command: []string{testRuntime}, Runtime: true, Concurrency: -1}, "concurrency -1 out of range"},
		{Config{Command: []string{testRuntime}, Runtime: true, Env: []string{"NOEQUALS"}}, "not KEY=VALUE"},
		{Config{Command: []string{testRuntime}, Runtime: true, ExtensionsDir: "/no/such/dir"}, "not a directory"},
		{Config{Command: []string{testRuntime}, Runtime: true, AccountID: "12"}, "use 12 digits"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want error containing %q", tt.cfg, err, tt.want)
		}
	}
}

func TestConcurrencyAndThrottling(t *testing.T) {
	const n = 3
	tf := newTestFunction(t, "ok", Config{Concurrency: n})
	// parallel runs n sleeps at once and returns what served them.
	parallel := func(sleep time.Duration) []echo {
		var wg sync.WaitGroup
		replies := make([]echo, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				replies[i] = tf.echo(fmt.Sprintf(`{"action":"sleep","ms":%d}`, sleep.Milliseconds()))
			}()
		}
		// Once all environments are busy, one more invocation is throttled at once.
		waitFor(t, "all environments busy", func() bool {
			tf.pool.mu.Lock()
			defer tf.pool.mu.Unlock()
			return tf.pool.active == n
		})
		asked := time.Now().UnixNano()
		_, err := tf.Invoke(context.Background(), &Request{Payload: []byte(`{}`)})
		wg.Wait()
		if !errors.Is(err, ErrThrottled) {
			// Legitimate only if a sleep had ended before the extra invocation was asked for
			// (a machine so loaded that this goroutine slept through it); by the runtimes' own
			// clocks, not ours.
			busy := true
			for _, r := range replies {
				if len(r.Slept) == 2 && r.Slept[1] < asked {
					busy = false
				}
			}
			if busy {
				t.Errorf("invocation beyond the concurrency while all %d environments were busy: %v, want ErrThrottled", n, err)
			} else {
				t.Logf("an environment had already finished when the extra invocation was asked for (%v); not a throttling check", err)
			}
		}
		return replies
	}
	pids := func(replies []echo) []int {
		var p []int
		for _, r := range replies {
			p = append(p, r.PID)
		}
		sort.Ints(p)
		return p
	}
	// The first round cold-starts n environments, the second runs on the same, warm ones.
	cold := parallel(200 * time.Millisecond)
	start := time.Now()
	warm := parallel(400 * time.Millisecond)
	t.Logf("%d parallel 400ms invocations on warm environments took %v", n, time.Since(start))
	// N slow invocations take about one invocation's time because they run at the same time:
	// every sleep overlaps every other (checked on the runtimes' own clocks, so a loaded machine
	// cannot fake or hide it).
	var intervals [][]int64
	for _, r := range warm {
		intervals = append(intervals, r.Slept)
	}
	if !allOverlap(intervals) {
		t.Errorf("the %d sleeps did not all run at once: %v", n, intervals)
	}
	for _, round := range [][]int{pids(cold), pids(warm)} {
		for i := 1; i < len(round); i++ {
			if round[i] == round[i-1] {
				t.Errorf("pids %v: want %d distinct environments", round, n)
			}
		}
	}
	if !reflect.DeepEqual(pids(cold), pids(warm)) {
		t.Errorf("warm round served by %v, want the environments of the first round %v (warm reuse)", pids(warm), pids(cold))
	}
}

func TestPerEnvironmentConcurrency(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{Concurrency: 1, PerEnvConcurrency: 3})
	var wg sync.WaitGroup
	pids := make([]int, 3)
	var envs [3]map[string]string
	var slept [3][]int64
	for i := range pids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := tf.echo(`{"action":"sleep","ms":300}`)
			pids[i], envs[i], slept[i] = e.PID, e.Env, e.Slept
		}()
	}
	wg.Wait()
	// The three sleeps ran at once in the one environment: their intervals share an instant.
	if !allOverlap(slept[:]) {
		t.Errorf("3 invocations in one environment did not run at once: %v", slept)
	}
	if pids[0] != pids[1] || pids[1] != pids[2] {
		t.Errorf("pids %v: want one environment", pids)
	}
	if envs[0]["AWS_LAMBDA_MAX_CONCURRENCY"] != "3" || envs[0]["AWS_LAMBDA_INITIALIZATION_TYPE"] != "lambda-managed-instances" {
		t.Errorf("Managed Instances variables: %q %q", envs[0]["AWS_LAMBDA_MAX_CONCURRENCY"], envs[0]["AWS_LAMBDA_INITIALIZATION_TYPE"])
	}
}

func TestStreamingResponse(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{})
	start := time.Now()
	r := tf.invoke(`{"action":"stream","chunks":3,"chunk":"part","gapms":300}`)
	if !r.Streaming || r.ContentType != "text/plain" {
		t.Fatalf("streaming %v content type %q", r.Streaming, r.ContentType)
	}
	buf := make([]byte, 64)
	n, err := r.Body.Read(buf)
	firstAt := time.Since(start)
	if err != nil || string(buf[:n]) != "part0;" {
		t.Fatalf("first read %q %v", buf[:n], err)
	}
	rest, err := io.ReadAll(r.Body)
	lastAt := time.Since(start)
	if err != nil || string(rest) != "part1;part2;" {
		t.Fatalf("rest %q %v", rest, err)
	}
	if firstAt > 400*time.Millisecond || lastAt < 550*time.Millisecond {
		t.Errorf("first chunk after %v, last after %v: chunks were not forwarded as they came", firstAt, lastAt)
	}
	if err := r.StreamError(); err != nil {
		t.Errorf("StreamError = %v", err)
	}

	r = tf.invoke(`{"action":"stream","chunks":2,"chunk":"x","fail":true}`)
	if b := readBody(t, r); string(b) != "x0;x1;" {
		t.Errorf("failed stream body %q", b)
	}
	var fe *FunctionError
	if !errors.As(r.StreamError(), &fe) || fe.Type != "Test.StreamFailure" || string(fe.Payload) != `{"errorMessage":"broke mid-stream","errorType":"Test.StreamFailure"}` {
		t.Errorf("StreamError = %#v", r.StreamError())
	}
	if !strings.Contains(string(r.Log()), "REPORT RequestId: "+r.RequestID) {
		t.Error("no REPORT after a stream")
	}
}

func TestResponseSizeLimit(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{})
	r := tf.invoke(`{"action":"big","bytes":6291556}`)
	if b := readBody(t, r); r.Failure != FailureNone || len(b) != 6291556 {
		t.Errorf("response at the limit: %v, %d bytes", r.Failure, len(b))
	}
	r = tf.invoke(`{"action":"big","bytes":6291557}`)
	b := readBody(t, r)
	want := `{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes)."}`
	if r.Failure != FailureResponseTooLarge || string(b) != want {
		t.Errorf("response over the limit: %v %s", r.Failure, b)
	}
	if _, err := tf.Invoke(context.Background(), &Request{Payload: make([]byte, 6291457)}); !errors.Is(err, ErrRequestTooLarge) {
		t.Errorf("oversize request: %v", err)
	}
}

func TestAsyncInvocation(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{MaxAsyncPayload: 1000})
	r, err := tf.Invoke(context.Background(), &Request{Payload: []byte(`{"action":"print","lines":1}`), Async: true})
	if err != nil {
		t.Fatal(err)
	}
	if b := readBody(t, r); len(b) != 0 || !uuidRE.MatchString(r.RequestID) {
		t.Errorf("async response %q id %q", b, r.RequestID)
	}
	waitFor(t, "the queued invocation to run", func() bool {
		return strings.Contains(tf.log.String(), "END RequestId: "+r.RequestID)
	})
	if _, err := tf.Invoke(context.Background(), &Request{Payload: make([]byte, 1001), Async: true}); !errors.Is(err, ErrRequestTooLarge) ||
		!strings.Contains(err.Error(), "1001 byte payload is too large for the Event invocation type (limit 1000 bytes)") {
		t.Errorf("oversize Event payload: %v", err)
	}
}

func TestExtensionsLifecycle(t *testing.T) {
	extDir := t.TempDir()
	if err := os.Symlink(testExtension, filepath.Join(extDir, "my-ext")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(extDir, "not-executable"), []byte("x"), 0o644)
	extLog := filepath.Join(t.TempDir(), "ext.log")
	tf := newTestFunction(t, "ok", Config{ExtensionsDir: extDir, Env: []string{"TEST_EXT_LOG=" + extLog, "TEST_EXT_INVOKE_MS=600"}})
	start := time.Now()
	r := tf.invoke(`{}`)
	readBody(t, r)
	log := string(r.Log())
	if !strings.Contains(log, "EXTENSION\tName: my-ext\tState: Ready\tEvents: [INVOKE, SHUTDOWN]\n") {
		t.Errorf("no EXTENSION line:\n%s", log)
	}
	// Warm: the caller gets the answer at once; the invocation lasts until the extension is done.
	begin := time.Now()
	r2 := tf.invoke(`{}`)
	answered := time.Since(begin)
	readBody(t, r2)
	m := reportRE.FindStringSubmatch(string(r2.Log()))
	if m == nil {
		t.Fatalf("no REPORT:\n%s", r2.Log())
	}
	if d, _ := strconv.ParseFloat(m[2], 64); d < 600 || answered > 450*time.Millisecond {
		t.Errorf("Duration %s ms, answered after %v: want the extension's 600 ms in Duration only", m[2], answered)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(extLog)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 {
		t.Fatalf("extension log:\n%s", b)
	}
	var reg map[string]string
	json.Unmarshal([]byte(strings.TrimPrefix(lines[0], "REGISTER 200 ")), &reg)
	if reg["functionName"] != "function" || reg["functionVersion"] != "$LATEST" || reg["handler"] != "testruntime" || reg["accountId"] != "123456789012" {
		t.Errorf("register response %s", lines[0])
	}
	var env map[string]string
	json.Unmarshal([]byte(strings.TrimPrefix(lines[1], "ENV ")), &env)
	if env["AWS_LAMBDA_FUNCTION_NAME"] != "function" || env["AWS_LAMBDA_RUNTIME_API"] == "" {
		t.Errorf("extension environment lacks the function variables")
	}
	for _, k := range []string{"_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_XRAY_DAEMON_ADDRESS"} {
		if _, ok := env[k]; ok {
			t.Errorf("extension environment has %s", k)
		}
	}
	var inv struct {
		EventType, RequestID, InvokedFunctionArn string `json:",omitempty"`
		DeadlineMs                               int64
		Tracing                                  struct{ Type, Value string }
	}
	json.Unmarshal([]byte(lines[2]), &inv)
	if inv.EventType != "INVOKE" || inv.RequestID != r.RequestID || inv.InvokedFunctionArn != tf.ARN() || inv.DeadlineMs < start.UnixMilli() ||
		inv.Tracing.Type != "X-Amzn-Trace-Id" || !traceRE.MatchString(inv.Tracing.Value) {
		t.Errorf("INVOKE event %s", lines[2])
	}
	var sd struct {
		EventType, ShutdownReason string
		DeadlineMs                int64
	}
	json.Unmarshal([]byte(lines[4]), &sd)
	if sd.EventType != "SHUTDOWN" || sd.ShutdownReason != "spindown" || sd.DeadlineMs < time.Now().Add(-5*time.Second).UnixMilli() {
		t.Errorf("SHUTDOWN event %s", lines[4])
	}
}

func TestShutdownSendsSIGTERMAndLeavesNothing(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "sigterm")
	tf := newTestFunction(t, "fork", Config{Env: []string{"TEST_SIGTERM_LOG=" + marker}})
	e := tf.echo(`{}`)
	grandchild := grandchildPID(t, tf.log.String())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(marker); string(b) != "SIGTERM\n" {
		t.Errorf("the runtime did not get SIGTERM (marker %q)", b)
	}
	for _, pid := range []int{e.PID, grandchild} {
		if !processGone(pid) {
			t.Errorf("process %d survived Shutdown", pid)
		}
	}
	if _, err := tf.Invoke(context.Background(), &Request{}); !errors.Is(err, ErrShuttingDown) {
		t.Errorf("Invoke after Shutdown: %v", err)
	}
}

func TestTimeoutKillsGrandchildren(t *testing.T) {
	tf := newTestFunction(t, "fork", Config{Timeout: 300 * time.Millisecond})
	r := tf.invoke(`{"action":"hang"}`)
	readBody(t, r)
	if r.Failure != FailureTimeout {
		t.Fatalf("failure %v", r.Failure)
	}
	waitGone(t, grandchildPID(t, tf.log.String()))
}

func grandchildPID(t *testing.T, log string) int {
	t.Helper()
	m := regexp.MustCompile(`grandchild pid (\d+)`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no grandchild pid in the log:\n%s", log)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

func TestIdleEnvironmentsAreReaped(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{IdleTimeout: 100 * time.Millisecond})
	e := tf.echo(`{}`)
	waitGone(t, e.PID)
	r := tf.invoke(`{}`)
	readBody(t, r)
	if !strings.Contains(string(r.Log()), "Init Duration") {
		t.Error("invocation after reaping was not a cold start")
	}
}

func TestMaxMemoryUsed(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{})
	r := tf.invoke(`{"action":"memory","mb":64}`)
	readBody(t, r)
	m := reportRE.FindStringSubmatch(string(r.Log()))
	if m == nil {
		t.Fatal("no REPORT")
	}
	if used, _ := strconv.Atoi(m[5]); used < 64 || used > 200 {
		t.Errorf("Max Memory Used %d MB after touching 64 MB", used)
	}
}

// Shutting down while an environment is still in init: the invocation ends at once with
// ErrShuttingDown, init is not retried, and no process is left.
func TestShutdownDuringInit(t *testing.T) {
	tf := newTestFunction(t, "init-hang", Config{InitTimeout: 5 * time.Second, Timeout: 5 * time.Second})
	errc := make(chan error, 1)
	go func() {
		_, err := tf.Invoke(context.Background(), &Request{Payload: []byte(`{}`)})
		errc <- err
	}()
	var pids []int
	waitFor(t, "the runtime to start", func() bool {
		tf.pool.mu.Lock()
		defer tf.pool.mu.Unlock()
		if len(tf.pool.envs) == 0 {
			return false
		}
		env := tf.pool.envs[0]
		env.mu.Lock()
		defer env.mu.Unlock()
		if env.runtime == nil || env.runtime.pid == 0 {
			return false
		}
		pids = []int{env.runtime.pid, env.group.cmd.Process.Pid}
		return true
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	tf.Shutdown(ctx)
	if err := <-errc; !errors.Is(err, ErrShuttingDown) {
		t.Errorf("Invoke during init at shutdown: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Shutdown took %v", elapsed)
	}
	for _, pid := range pids {
		if !processGone(pid) {
			t.Errorf("process %d survived Shutdown", pid)
		}
	}
	if strings.Contains(tf.log.String(), "INIT_REPORT") {
		t.Errorf("init was reported (or retried) after shutdown:\n%s", tf.log.String())
	}
}

// A caller that stops waiting, or closes a stream it does not want, does not hold the function
// up: the stream is discarded as the runtime sends it, and the invocation ends normally (no
// timeout, no reset).
func TestAbandonedStreamDoesNotBlockTheRuntime(t *testing.T) {
	tf := newTestFunction(t, "ok", Config{Timeout: 5 * time.Second, Concurrency: 1})
	first := tf.echo(`{}`)
	const slowStream = `{"action":"stream","chunks":3,"chunk":"x","gapms":100,"ms":150}`
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := tf.Invoke(ctx, &Request{Payload: []byte(slowStream)}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Invoke with a short context: %v", err)
	}
	waitFor(t, "the abandoned invocation to end", func() bool {
		return strings.Count(tf.log.String(), "REPORT RequestId") == 2
	})
	r := tf.invoke(slowStream)
	r.Body.Close() // not interested
	waitFor(t, "both invocations to end", func() bool {
		return strings.Count(tf.log.String(), "REPORT RequestId") == 3
	})
	if strings.Contains(tf.log.String(), "Status: timeout") {
		t.Errorf("an abandoned stream timed out:\n%s", tf.log.String())
	}
	if next := tf.echo(`{}`); next.PID != first.PID {
		t.Error("the environment was replaced")
	}
}
