package slipway

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// TestHelperServerProcess is not a test: it is the child process of the shutdown tests, a
// ListenAndServe server whose log records (JSON, one per line) go to stdout.
func TestHelperServerProcess(t *testing.T) {
	if os.Getenv("SLIPWAY_HELPER") != "server" {
		t.Skip("child process of the shutdown tests")
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slow, _ := time.ParseDuration(os.Getenv("SLIPWAY_SLOW"))
	grace, _ := time.ParseDuration(os.Getenv("SLIPWAY_GRACE"))
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		log.Info("slow request started")
		time.Sleep(slow)
		io.WriteString(w, "finished after "+slow.String())
	})
	err := ListenAndServe("127.0.0.1:0", mux, WithLogger(log), WithShutdownTimeout(grace))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serverProcess starts the helper and returns its command and a channel of its log messages.
func serverProcess(t *testing.T, slow, grace time.Duration) (*exec.Cmd, <-chan map[string]any, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServerProcess$")
	cmd.Env = append(os.Environ(), "SLIPWAY_HELPER=server", "SLIPWAY_SLOW="+slow.String(), "SLIPWAY_GRACE="+grace.String(),
		runtimeapi.EnvRuntimeAPI+"=")
	stdout, _ := cmd.StdoutPipe()
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	logs := make(chan map[string]any, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				logs <- rec
			}
		}
		close(logs)
	}()
	return cmd, logs, stderr
}

func waitLog(t *testing.T, logs <-chan map[string]any, msg string) map[string]any {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case rec, ok := <-logs:
			if !ok {
				t.Fatalf("the server exited before logging %q", msg)
			}
			if rec["msg"] == msg {
				return rec
			}
		case <-timeout:
			t.Fatalf("no %q log record", msg)
		}
	}
}

func TestListenAndServeGracefulShutdown(t *testing.T) {
	cmd, logs, stderr := serverProcess(t, 300*time.Millisecond, 5*time.Second)
	addr := waitLog(t, logs, "slipway: listening")["addr"].(string)

	type reply struct {
		status int
		body   string
		err    error
	}
	got := make(chan reply, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			got <- reply{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- reply{status: resp.StatusCode, body: string(b)}
	}()
	waitLog(t, logs, "slow request started")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLog(t, logs, "slipway: shutting down")
	r := <-got
	if r.err != nil || r.status != 200 || r.body != "finished after 300ms" {
		t.Errorf("in-flight request: %+v", r)
	}
	waitLog(t, logs, "slipway: stopped")
	if err := cmd.Wait(); err != nil {
		t.Errorf("server exit: %v (stderr %q)", err, stderr.String())
	}
}

func TestListenAndServeShutdownTimeout(t *testing.T) {
	cmd, logs, stderr := serverProcess(t, time.Minute, 200*time.Millisecond)
	addr := waitLog(t, logs, "slipway: listening")["addr"].(string)
	go http.Get("http://" + addr + "/slow")
	waitLog(t, logs, "slow request started")
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Errorf("exit %v, want status 1", err)
	}
	if !strings.Contains(stderr.String(), "200ms shutdown timeout") {
		t.Errorf("stderr %q", stderr.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v with a 200ms timeout", d)
	}
}

func TestListenAndServeOnLambda(t *testing.T) {
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	t.Setenv(runtimeapi.EnvRuntimeAPI, srv.Addr)
	errc := make(chan error, 1)
	go func() {
		errc <- ListenAndServe("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "on lambda")
		}), WithLogger(quietLogger()))
	}()
	r, err := srv.Invoke(testCtx(t), v2Event("GET", "/", "", nil, nil, false), nil)
	if err != nil || decodeV2(t, r.Body).Body != "on lambda" {
		t.Fatalf("result %+v %v", r, err)
	}
	srv.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("ListenAndServe returned nil after the Runtime API went away")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe kept running")
	}
}

func TestListenAddr(t *testing.T) {
	env := func(port string) func(string) string {
		return func(k string) string {
			if k == "PORT" {
				return port
			}
			return ""
		}
	}
	for _, tc := range []struct{ addr, port, want string }{
		{"", "", "127.0.0.1:8080"},
		{"", "3000", ":3000"},
		{":9000", "3000", ":9000"},
	} {
		if got := listenAddr(tc.addr, env(tc.port)); got != tc.want {
			t.Errorf("listenAddr(%q) with PORT=%q = %q, want %q", tc.addr, tc.port, got, tc.want)
		}
	}
	if err := ListenAndServe("127.0.0.1:notaport", http.NotFoundHandler()); err == nil || !strings.Contains(err.Error(), "notaport") {
		t.Errorf("bad address: %v", err)
	}
}
