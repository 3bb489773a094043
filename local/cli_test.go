//go:build linux

package local

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests drive the slipway binary as users do: slipway local on a free port, requests
// over HTTP, signals to the process.

type cliRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	stderr *syncBuffer
	done   chan struct{}
}

func startCLI(t *testing.T, args ...string) *cliRun {
	t.Helper()
	cmd := exec.Command(slipwayBin, append([]string{"local", "--listen", "127.0.0.1:0"}, args...)...)
	stderr := &syncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &cliRun{t: t, cmd: cmd, stderr: stderr, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		re := regexp.MustCompile(`Invoke API on (http://[0-9.:]+)/`)
		for sc.Scan() {
			line := sc.Text()
			stderr.Write([]byte(line + "\n"))
			if m := re.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
	}()
	go func() {
		cmd.Wait()
		pw.Close()
		close(c.done)
	}()
	t.Cleanup(func() {
		pids := descendants(cmd.Process.Pid)
		select {
		case <-c.done:
		default:
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-c.done:
			case <-time.After(15 * time.Second):
				cmd.Process.Kill()
				<-c.done
			}
		}
		// No test leaves a process behind.
		for _, pid := range pids {
			if !processGone(pid) {
				t.Errorf("process %d outlived slipway local", pid)
			}
		}
		if t.Failed() {
			t.Logf("slipway local stderr:\n%s", stderr.String())
		}
	})
	select {
	case c.base = <-addr:
	case <-c.done:
		t.Fatalf("slipway local exited at start:\n%s", stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("slipway local did not print its address:\n%s", stderr.String())
	}
	return c
}

func (c *cliRun) invoke(body string, header ...string) apiResult {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+invokePath, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("invoke: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return apiResult{resp.StatusCode, resp.Header, string(b)}
}

func (c *cliRun) echo(body string) echo {
	c.t.Helper()
	r := c.invoke(body)
	var e echo
	if r.status != 200 || json.Unmarshal([]byte(r.body), &e) != nil || r.header.Get("X-Amz-Function-Error") != "" {
		c.t.Fatalf("invoke: %d %v %s", r.status, r.header, r.body)
	}
	return e
}

// tree lists slipway local's descendants: supervisors, runtimes, whatever they started.
func (c *cliRun) tree() []int { return descendants(c.cmd.Process.Pid) }

func TestCLIFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--event", "soap"}, `--event "soap": use http, rest, url or alb`},
		{[]string{"--memory", "64"}, "--memory 64: use 128 to 10240 (MB)"},
		{[]string{"--timeout", "0"}, "--timeout 0s: use 1s to 900s"},
		{[]string{"--timeout", "soon"}, `invalid value "soon" for flag -timeout: use a duration like 30s or 2m, or seconds`},
		{[]string{"--arch", "sparc"}, `--arch "sparc": use x86_64 or arm64`},
		{[]string{"--env", "NOEQUALS"}, `--env "NOEQUALS": use KEY=VALUE`},
		{[]string{"--stream"}, "--stream needs --event url"},
		{[]string{"--alb-multi-value"}, "--alb-multi-value needs --event alb"},
		{[]string{"--concurrency", "0"}, "--concurrency 0: use 1 to 1000"},
		{[]string{"--listen", "nowhere"}, `--listen "nowhere": use host:port`},
		{[]string{"--env-file", "/no/such/file"}, "--env-file: open /no/such/file"},
		{[]string{"--runtime"}, "--runtime needs a command"},
		{[]string{"--runtime", "--", "/no/such/bootstrap"}, `command "/no/such/bootstrap": no such file`},
		{[]string{"--name", "bad name", "--runtime", "--", testRuntime}, `--name: function name "bad name": use 1 to 64 letters`},
		{[]string{"--region", "mars", "--runtime", "--", testRuntime}, `--region: region "mars" is not a region name like us-east-1`},
		{[]string{"--account", "42", "--runtime", "--", testRuntime}, `--account: account id "42": use 12 digits`},
		{[]string{"--extensions", "/no/such/dir", "--runtime", "--", testRuntime}, `--extensions: extensions directory "/no/such/dir" is not a directory`},
		{[]string{"--stage", "dev", "--event", "alb"}, "--stage needs --event rest or http"},
	} {
		out, err := exec.Command(slipwayBin, append([]string{"local"}, tt.args...)...).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), tt.want) {
			t.Errorf("slipway local %v: %v\n%s\nwant exit 2 and %q", tt.args, err, out, tt.want)
		}
	}
	out, err := exec.Command(slipwayBin, "local", "--help").CombinedOutput()
	for _, flag := range []string{"-listen", "-event", "-alb-multi-value", "-stage", "-name", "-concurrency", "-timeout", "-init-timeout", "-memory", "-arch", "-env", "-env-file", "-runtime", "-extensions"} {
		if err != nil || !strings.Contains(string(out), "  "+flag+" ") && !strings.Contains(string(out), "  "+flag+"\n") {
			t.Errorf("--help does not explain %s (%v)", flag, err)
		}
	}
}

func TestCLIInvokeAndEnvFile(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "env")
	os.WriteFile(envFile, []byte("# settings\nexport FROM_FILE=\"quoted value\"\n\nOTHER=1\n"), 0o644)
	c := startCLI(t, "--runtime", "--name", "cli-fn", "--memory", "512", "--arch", "arm64", "--region", "eu-west-1",
		"--env", "FROM_FLAG=x", "--env-file", envFile, "--", testRuntime)
	if !strings.Contains(c.stderr.String(), "Invoke API on "+c.base+"/2015-03-31/functions/cli-fn/invocations (function arn:aws:lambda:eu-west-1:123456789012:function:cli-fn)") {
		t.Errorf("start-up message:\n%s", c.stderr.String())
	}
	req, _ := http.NewRequest("POST", c.base+"/2015-03-31/functions/cli-fn/invocations", strings.NewReader(`{}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e echo
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	for k, want := range map[string]string{"FROM_FLAG": "x", "FROM_FILE": "quoted value", "OTHER": "1", "AWS_REGION": "eu-west-1",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_FUNCTION_NAME": "cli-fn"} {
		if e.Env[k] != want {
			t.Errorf("%s = %q, want %q", k, e.Env[k], want)
		}
	}
	if _, ok := e.Env["PORT"]; ok {
		t.Error("--runtime functions get no PORT")
	}
	waitFor(t, "the REPORT line", func() bool { return strings.Contains(c.stderr.String(), "Memory Size: 512 MB") })
	// arm64 prices in REPORT, but eu-west-1 has none in the table: no cost figure, no error.
	if strings.Contains(c.stderr.String(), "Estimated Cost") {
		t.Errorf("cost estimated for a region without prices:\n%s", c.stderr.String())
	}
}

func TestCLIConcurrencyAndThrottle(t *testing.T) {
	c := startCLI(t, "--runtime", "--concurrency", "3", "--", testRuntime)
	// round runs three sleeps at once; the first round creates the three environments (their cold
	// starts take unequal times on a loaded machine), the second is checked on warm ones.
	round := func(sleep time.Duration, starts int) []apiResult {
		var wg sync.WaitGroup
		results := make([]apiResult, 3)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = c.invoke(fmt.Sprintf(`{"action":"sleep","ms":%d}`, sleep.Milliseconds()))
			}()
		}
		// Once the three invocations have started (their START lines), a fourth is throttled.
		waitFor(t, "three invocations started", func() bool {
			return strings.Count(c.stderr.String(), "START RequestId:") == starts
		})
		asked := time.Now().UnixNano()
		r := c.invoke(`{}`)
		wg.Wait()
		if r.status != 429 || r.header.Get("X-Amzn-ErrorType") != "TooManyRequestsException" {
			// Legitimate only if a sleep had ended, by the runtime's own clock, before the fourth
			// was asked for: a machine so loaded that this goroutine slept through the window.
			busy := true
			for _, res := range results {
				var e echo
				if json.Unmarshal([]byte(res.body), &e) == nil && len(e.Slept) == 2 && e.Slept[1] < asked {
					busy = false
				}
			}
			if busy {
				t.Errorf("fourth concurrent invocation while three were running: %d %.300s", r.status, r.body)
			} else {
				t.Logf("a sleep had ended before the fourth invocation was asked for (%d); not a throttling check", r.status)
			}
		}
		return results
	}
	round(300*time.Millisecond, 3)
	var intervals [][]int64
	for i, r := range round(600*time.Millisecond, 6) {
		if r.status != 200 {
			t.Errorf("invocation %d: %d %s", i, r.status, r.body)
			continue
		}
		var e echo
		if err := json.Unmarshal([]byte(r.body), &e); err != nil {
			t.Fatalf("invocation %d: %v: %s", i, err, r.body)
		}
		intervals = append(intervals, e.Slept)
	}
	if !allOverlap(intervals) {
		t.Errorf("3 invocations with --concurrency 3 did not run at once: %v", intervals)
	}
}

// The no-orphan guarantee when slipway itself dies without a chance to clean up.
func TestCLISIGKILLLeavesNoProcess(t *testing.T) {
	c := startCLI(t, "--runtime", "--concurrency", "2", "--", testRuntime, "fork")
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.invoke(`{"action":"sleep","ms":300}`)
		}()
	}
	wg.Wait()
	pids := c.tree()
	// Two environments: each a supervisor, a runtime and a grandchild in its own session.
	if len(pids) < 6 {
		t.Fatalf("process tree %v: want two supervisors, runtimes and grandchildren", pids)
	}
	if n := len(regexp.MustCompile(`grandchild pid \d+`).FindAllString(c.stderr.String(), -1)); n != 2 {
		t.Fatalf("%d grandchildren reported", n)
	}
	c.cmd.Process.Kill()
	<-c.done
	waitGone(t, pids...)
}

func TestCLIShutdownOnSIGTERM(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "sigterm")
	c := startCLI(t, "--runtime", "--env", "TEST_SIGTERM_LOG="+marker, "--", testRuntime, "fork")
	c.echo(`{}`)
	inflight := make(chan apiResult, 1)
	go func() { inflight <- c.invoke(`{"action":"sleep","ms":400}`) }()
	time.Sleep(100 * time.Millisecond)
	pids := c.tree()
	c.cmd.Process.Signal(syscall.SIGTERM)
	if r := <-inflight; r.status != 200 {
		t.Errorf("in-flight invocation at SIGTERM: %d %s", r.status, r.body)
	}
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("slipway local did not exit after SIGTERM")
	}
	if code := c.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d", code)
	}
	if b, _ := os.ReadFile(marker); string(b) != "SIGTERM\n" {
		t.Error("the runtime did not get SIGTERM")
	}
	waitGone(t, pids...)
	if !strings.Contains(c.stderr.String(), "slipway local: stopped") {
		t.Errorf("no stop message:\n%s", c.stderr.String())
	}
}

// Image mode: the extensions start first and CMD runs as is (the extension would be the
// adapter); every environment gets its own app port.
func TestCLIImageMode(t *testing.T) {
	extDir := t.TempDir()
	os.Symlink(testExtension, filepath.Join(extDir, "lambda-adapter"))
	extLog := filepath.Join(t.TempDir(), "ext.log")
	c := startCLI(t, "--extensions", extDir, "--concurrency", "2", "--env", "TEST_EXT_LOG="+extLog, "--", testRuntime)
	var wg sync.WaitGroup
	envs := make([]echo, 2)
	for i := range envs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			envs[i] = c.echo(`{"action":"sleep","ms":300}`)
		}()
	}
	wg.Wait()
	if envs[0].PID == envs[1].PID {
		t.Fatal("one environment for two concurrent invocations")
	}
	p0, p1 := envs[0].Env["PORT"], envs[1].Env["PORT"]
	if p0 == "" || p0 == p1 || envs[0].Env["AWS_LWA_PORT"] != p0 || envs[1].Env["AWS_LWA_PORT"] != p1 {
		t.Errorf("app ports %q/%q, AWS_LWA_PORT %q/%q: want one free port per environment",
			p0, p1, envs[0].Env["AWS_LWA_PORT"], envs[1].Env["AWS_LWA_PORT"])
	}
	waitFor(t, "both extensions' INVOKE events", func() bool {
		b, _ := os.ReadFile(extLog)
		return strings.Count(string(b), `"eventType":"INVOKE"`) == 2
	})
	if !strings.Contains(c.stderr.String(), "EXTENSION\tName: lambda-adapter\tState: Ready\tEvents: [INVOKE, SHUTDOWN]") {
		t.Errorf("no EXTENSION line:\n%s", c.stderr.String())
	}
}

func TestCLIPortSetByUserLowersConcurrency(t *testing.T) {
	c := startCLI(t, "--extensions", t.TempDir(), "--env", "PORT=8123", "--", testRuntime)
	if !strings.Contains(c.stderr.String(), "--concurrency lowered from 10 to 1") {
		t.Errorf("no warning about the fixed port:\n%s", c.stderr.String())
	}
	if e := c.echo(`{}`); e.Env["PORT"] != "8123" || e.Env["AWS_LWA_PORT"] != "" {
		t.Errorf("PORT %q AWS_LWA_PORT %q", e.Env["PORT"], e.Env["AWS_LWA_PORT"])
	}
}

// One request per front door reaches the function as that front door's event.
func TestCLIFrontDoorWiring(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // a fragment of the event the function got
	}{
		{[]string{"--event", "http"}, `"version":"2.0"`},
		{[]string{"--event", "rest", "--stage", "dev"}, `"resource":"/{proxy+}"`},
		{[]string{"--event", "url"}, `.lambda-url.`},
		{[]string{"--event", "alb", "--alb-multi-value"}, `"multiValueHeaders"`},
	} {
		t.Run(tt.args[1], func(t *testing.T) {
			c := startCLI(t, append(tt.args, "--runtime", "--", testRuntime)...)
			if !strings.Contains(c.stderr.String(), "front door on "+c.base+"/") {
				t.Errorf("front door URL not printed:\n%s", c.stderr.String())
			}
			resp, err := http.Get(c.base + "/some/path?q=1")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), tt.want) || !strings.Contains(string(b), "/some/path") {
				t.Errorf("GET /some/path: %d %s", resp.StatusCode, b)
			}
			// The Invoke API shares the listener; the Runtime API is never reachable there.
			if r := c.invoke(`{}`); r.status != 200 {
				t.Errorf("Invoke API next to the front door: %d %s", r.status, r.body)
			}
			resp, err = http.Get(c.base + "/2018-06-01/runtime/invocation/next")
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), "/2018-06-01/runtime/invocation/next") || strings.Contains(string(b), "Lambda-Runtime-Aws-Request-Id") {
				t.Errorf("a Runtime API path through the front door: %d %s", resp.StatusCode, b)
			}
		})
	}
}

// get fetches path from the front door and decodes the JSON answer.
func (c *cliRun) get(path string, header ...string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

// The default mode: the built-in inspector, as a web app behind the adapter.
func TestCLIDefaultInspector(t *testing.T) {
	c := startCLI(t)
	status, m := c.get("/inspect/me?x=1", "Accept", "application/json")
	if status != 200 || m["path"] != "/inspect/me" || m["rawQuery"] != "x=1" {
		t.Fatalf("inspector answered %d %v", status, m)
	}
	found := false
	for _, h := range m["headers"].([]any) {
		if h.(map[string]any)["name"] == "X-Amzn-Lambda-Context" {
			found = true
		}
	}
	if !found {
		t.Errorf("the inspector did not see the Lambda context header: %v", m["headers"])
	}
	waitFor(t, "the invocation's REPORT", func() bool { return strings.Contains(c.stderr.String(), "REPORT RequestId: ") })
}

// A web app CMD behind the adapter: environments side by side, each with its own port, and
// nothing left once slipway is killed.
func TestCLIWebApp(t *testing.T) {
	c := startCLI(t, "--concurrency", "2", "--", testWebApp)
	// round sends two slow requests at once: the first round creates the two environments, the
	// second is checked on warm ones (cold starts take unequal times on a loaded machine).
	round := func(sleep int) []map[string]any {
		var wg sync.WaitGroup
		answers := make([]map[string]any, 2)
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, m := c.get(fmt.Sprintf("/slow/%d?sleep=%d", i, sleep))
				if status != 200 {
					t.Errorf("request %d: %d %v", i, status, m)
				}
				answers[i] = m
			}()
		}
		wg.Wait()
		return answers
	}
	round(200)
	answers := round(600)
	var intervals [][]int64
	for _, a := range answers {
		var iv []int64
		if s, ok := a["slept"].([]any); ok && len(s) == 2 {
			f0, _ := s[0].(float64) // Unix ns as float64: precise to a microsecond, plenty here
			f1, _ := s[1].(float64)
			iv = []int64{int64(f0), int64(f1)}
		}
		intervals = append(intervals, iv)
	}
	if !allOverlap(intervals) {
		t.Errorf("two requests with --concurrency 2 did not run at once: %v", intervals)
	}
	if answers[0] == nil || answers[1] == nil {
		t.FailNow()
	}
	if answers[0]["pid"] == answers[1]["pid"] || answers[0]["port"] == answers[1]["port"] || answers[0]["lambdaContext"] != true {
		t.Errorf("answers %v and %v: want two apps on two ports, with the Lambda context", answers[0], answers[1])
	}
	if answers[0]["path"] != "/slow/0" || answers[0]["query"] != "sleep=600" {
		t.Errorf("the app saw %v", answers[0])
	}
	pids := c.tree()
	c.cmd.Process.Kill()
	<-c.done
	waitGone(t, pids...)
}

// Image mode with the real adapter: slipway in the extensions directory is the adapter
// (started with no arguments, it registers as an extension), and CMD runs as is.
func TestCLIImageModeWithSlipwayExtension(t *testing.T) {
	extDir := t.TempDir()
	if err := os.Symlink(slipwayBin, filepath.Join(extDir, "lambda-adapter")); err != nil {
		t.Fatal(err)
	}
	c := startCLI(t, "--extensions", extDir, "--", testWebApp)
	status, m := c.get("/image?mode=1")
	if status != 200 || m["path"] != "/image" || m["lambdaContext"] != true {
		t.Fatalf("image mode answered %d %v", status, m)
	}
	if !strings.Contains(c.stderr.String(), "EXTENSION\tName: lambda-adapter\tState: Ready") {
		t.Errorf("the adapter did not register as the extension lambda-adapter:\n%s", c.stderr.String())
	}
	// The app is the runtime process itself: no `slipway run` in between.
	for _, pid := range c.tree() {
		if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); strings.Contains(string(cmdline), "run\x00--") {
			t.Errorf("process %d runs the adapter wrapper: %q", pid, cmdline)
		}
	}
}

// A web app's streamed response reaches a Function URL client chunk by chunk: adapter in
// response_stream mode (set by --stream), the Runtime API's streaming post, the front door.
func TestCLIStreamingWebApp(t *testing.T) {
	c := startCLI(t, "--event", "url", "--stream", "--", testWebApp)
	start := time.Now()
	resp, err := http.Get(c.base + "/stream?chunks=3&gapms=300")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	first, err := r.ReadString('\n')
	firstAt := time.Since(start)
	rest, _ := io.ReadAll(r)
	lastAt := time.Since(start)
	if resp.StatusCode != 200 || first != "chunk 0\n" || string(rest) != "chunk 1\nchunk 2\n" || err != nil {
		t.Fatalf("stream: %d %q %q %v", resp.StatusCode, first, rest, err)
	}
	if firstAt > lastAt-400*time.Millisecond {
		t.Errorf("first chunk after %v, last after %v: not streamed", firstAt, lastAt)
	}
}
