//go:build linux

// The tests run real processes and check them through /proc, so they need Linux (the platform
// itself also builds elsewhere, without the no-orphan guarantee).

package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Binaries built once per test run: the test runtime, the test extension, a plain web app, and
// (for the end-to-end tests) slipway itself.
var (
	testRuntime   string
	testExtension string
	testWebApp    string
	slipwayBin    string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slipway-local-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testRuntime = filepath.Join(dir, "testruntime")
	testExtension = filepath.Join(dir, "testextension")
	testWebApp = filepath.Join(dir, "webapp")
	slipwayBin = filepath.Join(dir, "slipway")
	for out, pkg := range map[string]string{
		testRuntime:   "./testdata/testruntime",
		testExtension: "./testdata/testextension",
		testWebApp:    "./testdata/webapp",
		slipwayBin:    "../cmd/slipway",
	} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n", pkg, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer is a log writer tests can read while the function writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testFunction is a Function under test with its log, shut down (and checked for leftover
// processes) at the end of the test.
type testFunction struct {
	*Function
	log *syncBuffer
	t   testing.TB
}

// newTestFunction starts a function running the test runtime in mode (see testdata/testruntime).
func newTestFunction(t testing.TB, mode string, cfg Config) *testFunction {
	t.Helper()
	if cfg.Command == nil {
		cfg.Command = []string{testRuntime, mode}
		cfg.Runtime = true
	}
	log := &syncBuffer{}
	if cfg.Log == nil {
		cfg.Log = log
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = 500 * time.Millisecond
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tf := &testFunction{Function: f, log: log, t: t}
	t.Cleanup(func() {
		// Every test ends by checking that no process is left: whatever runs below the test
		// process now (tests do not run in parallel) must be gone once Shutdown returns.
		pids := descendants(os.Getpid())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f.Shutdown(ctx)
		for _, pid := range pids {
			if !processGone(pid) {
				t.Errorf("process %d survived Shutdown", pid)
			}
		}
		if t.Failed() {
			t.Logf("function log:\n%s", log.String())
		}
	})
	return tf
}

// echo is what the test runtime answers by default.
type echo struct {
	Event   json.RawMessage     `json:"event"`
	Headers map[string][]string `json:"headers"`
	Env     map[string]string   `json:"env"`
	PID     int                 `json:"pid"`
	Slept   []int64             `json:"slept"` // [start, end] of a sleep action, Unix ns
}

func (tf *testFunction) invoke(payload string) *Response {
	tf.t.Helper()
	return tf.invokeReq(&Request{Payload: []byte(payload)})
}

func (tf *testFunction) invokeReq(req *Request) *Response {
	tf.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := tf.Invoke(ctx, req)
	if err != nil {
		tf.t.Fatalf("Invoke: %v", err)
	}
	return r
}

func readBody(t testing.TB, r *Response) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	r.Body.Close()
	return b
}

func (tf *testFunction) echo(payload string) echo {
	tf.t.Helper()
	r := tf.invoke(payload)
	b := readBody(tf.t, r)
	if r.Failure != FailureNone {
		tf.t.Fatalf("invocation failed (%v %s): %s", r.Failure, r.ErrorType, b)
	}
	var e echo
	if err := json.Unmarshal(b, &e); err != nil {
		tf.t.Fatalf("echo response %q: %v", b, err)
	}
	return e
}

// processGone reports whether pid no longer runs (a zombie waiting for its reaper counts as
// gone: it runs no code and holds no resources but its table entry).
func processGone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the command name in parentheses.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z' || s[i+2] == 'X'
	}
	return false
}

// waitGone waits until every pid is gone.
func waitGone(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for !processGone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d is still running", pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// waitFor polls cond for up to 5 s.
// allOverlap reports whether every interval ([start, end] in Unix ns, as the test programs
// report their sleeps) shares one instant with every other: the invocations ran at once, whatever
// the load on the machine did to wall-clock times.
func allOverlap(intervals [][]int64) bool {
	var latestStart, earliestEnd int64 = 0, 1<<63 - 1
	for _, iv := range intervals {
		if len(iv) != 2 {
			return false
		}
		latestStart, earliestEnd = max(latestStart, iv[0]), min(earliestEnd, iv[1])
	}
	return len(intervals) > 1 && latestStart < earliestEnd
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// poolState describes the pool for failure messages.
func (tf *testFunction) poolState() string {
	var b strings.Builder
	tf.pool.mu.Lock()
	defer tf.pool.mu.Unlock()
	fmt.Fprintf(&b, "pool: active %d, %d environments\n", tf.pool.active, len(tf.pool.envs))
	for _, e := range tf.pool.envs {
		e.mu.Lock()
		fmt.Fprintf(&b, "  env active %d state %d waiting %d inflight %d\n", e.active, e.state, e.waiting, len(e.inflight))
		for _, inv := range e.inflight {
			fmt.Fprintf(&b, "    %s handed %v claimed %v responded %v runtimeDone %v extPending %d finished %v\n",
				inv.id, inv.handedOut, inv.claimed, inv.responded, inv.runtimeDone, inv.extPending, inv.finished)
		}
		e.mu.Unlock()
	}
	return b.String()
}
