//go:build unix

package adapter

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// These tests run the real slipway binary the way Lambda starts it.

// slipwayProc starts the slipway binary (as name, when set) with args and the given environment.
func slipwayProc(t *testing.T, name string, args []string, environ ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	bin := slipwayBinary(t)
	if name != "" {
		dir := t.TempDir()
		link := filepath.Join(dir, name)
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(link, data, 0o755); err != nil {
			t.Fatal(err)
		}
		bin = link
	}
	cmd := exec.Command(bin, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(cleanEnv(), environ...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("slipway output:\n%s", out.String())
		}
	})
	return cmd, out
}

func waitCmd(t *testing.T, cmd *exec.Cmd, timeout time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(timeout):
		t.Fatal("slipway did not exit")
		return -1
	}
}

func invokeSrv(t *testing.T, srv *runtimeapitest.Server, payload []byte) *runtimeapitest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := srv.Invoke(ctx, payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func pidAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// Wrapper mode: `slipway run -- app` starts the app, registers as an extension, serves
// invocations, forwards SIGTERM and exits with the app's status.
func TestWrapperMode(t *testing.T) {
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	port := freePort(t)
	cmd, out := slipwayProc(t, "", append([]string{"run", "--"}, nodeAppArgv(t)...),
		"AWS_LAMBDA_RUNTIME_API="+srv.Addr, "PORT="+strconv.Itoa(port), "AWS_LWA_READINESS_CHECK_PATH=/health")

	r := parseResult(t, invokeSrv(t, srv, urlEvent("GET", "/echo", "a=1", nil, nil, nil, false)))
	if e := parseEcho(t, r); e.Method != "GET" || e.Query != "a=1" {
		t.Errorf("echo %+v", e)
	}
	if got := srv.Extensions(); len(got) != 1 || got[0] != "slipway" {
		t.Errorf("registered extensions %q, want [slipway]", got)
	}
	// SIGTERM while an invocation is in flight: it is forwarded to the app, and the invocation
	// still completes.
	inflight := make(chan *runtimeapitest.Result, 1)
	go func() { inflight <- invokeSrv(t, srv, urlEvent("GET", "/stream", "", nil, nil, nil, false)) }()
	time.Sleep(80 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if r := parseResult(t, <-inflight); string(r.body(t)) != "chunk-0\nchunk-1\nchunk-2\n" {
		t.Errorf("in-flight invocation after SIGTERM: %d %q", r.StatusCode, r.body(t))
	}
	// The Express app closes its server on SIGTERM and exits 0: so does slipway.
	if code := waitCmd(t, cmd, 10*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM\n%s", code, out.String())
	}
}

// The app crashes after init: the invocation fails with Slipway.AppExited and slipway exits with
// the app's status, so Lambda replaces the environment.
func TestWrapperModeAppCrash(t *testing.T) {
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	port := freePort(t)
	cmd, _ := slipwayProc(t, "", append([]string{"run"}, goAppArgv(t)...),
		"AWS_LAMBDA_RUNTIME_API="+srv.Addr, "PORT="+strconv.Itoa(port))
	res := invokeSrv(t, srv, urlEvent("GET", "/crash", "", nil, nil, nil, false))
	if res.Error == nil || res.Error.Type != ErrorTypeAppExited {
		t.Fatalf("error %+v", res.Error)
	}
	if code := waitCmd(t, cmd, 10*time.Second); code != 3 {
		t.Errorf("exit code %d, want the app's 3", code)
	}
}

// Killing slipway (as Lambda does with SIGKILL) takes the app down with it.
func TestWrapperModeAppDiesWithSlipway(t *testing.T) {
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	port := freePort(t)
	cmd, out := slipwayProc(t, "", []string{"run", "--", "sh", "-c", "echo app-pid=$$; exec " + goAppArgv(t)[0]},
		"AWS_LAMBDA_RUNTIME_API="+srv.Addr, "PORT="+strconv.Itoa(port))
	waitHTTP(t, port)
	var pid int
	for _, line := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "app-pid="); ok {
			pid, _ = strconv.Atoi(v)
		}
	}
	if pid == 0 || !pidAlive(pid) {
		t.Fatalf("app pid %d not running\n%s", pid, out.String())
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(3 * time.Second)
	for pidAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if pidAlive(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatal("the app outlived a SIGKILLed slipway")
	}
}

// Off Lambda, `slipway run` execs the app: same PID, nothing in between.
func TestOffLambdaExecs(t *testing.T) {
	cmd, out := slipwayProc(t, "", []string{"run", "--", "sh", "-c", "echo pid=$$"})
	if code := waitCmd(t, cmd, 5*time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if want := "pid=" + strconv.Itoa(cmd.Process.Pid) + "\n"; out.String() != want {
		t.Errorf("output %q, want %q (the app must replace slipway)", out.String(), want)
	}
	cmd, _ = slipwayProc(t, "", []string{"run", "--", "sh", "-c", "exit 7"})
	if code := waitCmd(t, cmd, 5*time.Second); code != 7 {
		t.Errorf("exit code %d, want 7", code)
	}
	cmd, out = slipwayProc(t, "", []string{"run", "--", "/no/such/app"})
	if code := waitCmd(t, cmd, 5*time.Second); code != 127 || !strings.Contains(out.String(), "/no/such/app") {
		t.Errorf("exit code %d, output %q", code, out.String())
	}
}

// Extension mode: Lambda starts /opt/extensions/<name> with no arguments; it registers under its
// file name and serves the app Lambda starts separately. A `slipway run` started as the runtime
// in the same environment defers to it: it execs the app, and only one process polls /next.
func TestExtensionModeAndCoexistence(t *testing.T) {
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	port := freePort(t)
	env := []string{"AWS_LAMBDA_RUNTIME_API=" + srv.Addr, "PORT=" + strconv.Itoa(port), "AWS_LWA_READINESS_CHECK_PATH=/health"}
	_, extOut := slipwayProc(t, "lambda-adapter", nil, env...)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for len(srv.Extensions()) == 0 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if got := srv.Extensions(); len(got) != 1 || got[0] != "lambda-adapter" {
		t.Fatalf("registered extensions %q, want [lambda-adapter]\n%s", got, extOut.String())
	}
	// Lambda starts the runtime only after extensions registered: here the image's CMD is
	// itself `slipway run -- app`.
	wrapper, wrapperOut := slipwayProc(t, "", []string{"run", "--", "sh", "-c",
		"echo pid=$$ api=${AWS_LAMBDA_RUNTIME_API:-hidden}; exec " + goAppArgv(t)[0]}, env...)
	r := parseResult(t, invokeSrv(t, srv, urlEvent("GET", "/health", "", nil, nil, nil, false)))
	if string(r.body(t)) != "ok" {
		t.Fatalf("body %q", r.body(t))
	}
	if !strings.HasPrefix(wrapperOut.String(), "pid="+strconv.Itoa(wrapper.Process.Pid)+" api=hidden\n") {
		t.Errorf("the runtime-side slipway did not exec the app: %q", wrapperOut.String())
	}
	if err := srv.WaitPollers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := srv.Pollers(); n != 1 {
		t.Errorf("%d processes poll /next, want exactly 1", n)
	}
	if got := srv.Extensions(); len(got) != 1 {
		t.Errorf("extensions %q: the deferring wrapper must not register", got)
	}
}

// An invalid configuration stops slipway before registration, naming the variable, and tells
// Lambda why through an init error.
func TestConfigErrorAtStart(t *testing.T) {
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	cmd, out := slipwayProc(t, "", []string{"run", "--", "sleep", "30"},
		"AWS_LAMBDA_RUNTIME_API="+srv.Addr, "AWS_LWA_INVOKE_MODE=streaming")
	if code := waitCmd(t, cmd, 5*time.Second); code != 2 {
		t.Errorf("exit code %d", code)
	}
	want := `AWS_LWA_INVOKE_MODE="streaming" is invalid: accepted values are buffered, response_stream (case-insensitive)`
	if !strings.Contains(out.String(), want) {
		t.Errorf("output %q lacks %q", out.String(), want)
	}
	if ie := srv.InitError(); ie == nil || ie.Type != ErrorTypeConfig || !strings.Contains(ie.Message, want) {
		t.Errorf("init error %+v", ie)
	}
	if len(srv.Extensions()) != 0 {
		t.Error("registered despite the invalid configuration")
	}
}

// `slipway layer` writes the layer; the zip's content is checked in TestWriteLayer.
func TestLayerCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "layer.zip")
	cmd, log := slipwayProc(t, "", []string{"layer", "-o", out})
	if code := waitCmd(t, cmd, 10*time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, log.String())
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(data, []byte("PK")) {
		t.Fatalf("no zip written: %v", err)
	}
	bin, _ := os.ReadFile(slipwayBinary(t))
	if len(data) < len(bin)/4 {
		t.Errorf("layer of %d bytes cannot hold a %d-byte binary", len(data), len(bin))
	}
	cmd, log = slipwayProc(t, "", []string{"layer", "-o", out, "--binary", "/etc/hostname"})
	if code := waitCmd(t, cmd, 5*time.Second); code != 1 || !strings.Contains(log.String(), "not a Linux (ELF) executable") {
		t.Errorf("non-ELF binary: exit %d %q", code, log.String())
	}
}
