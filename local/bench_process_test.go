//go:build linux

package local

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSerialInvokeProcess carries slipway local's serial Invoke target (≤ 4× a bare round
// trip) as a user meets it: a client in this process → the real `slipway local --runtime --
// testruntime ok` binary → the runtime, against the same client → a bare HTTP server in another
// process (testdata/bareserver). Both sides then pay the same cross-process wake-ups for the
// client's own round trip, which BenchmarkSerialInvoke's in-process bare server does not.
// Interleaved in one loop, so machine load hits both alike; medians of single calls.
//
// Metrics: invoke-p50-ns, bare-p50-ns, p50-invoke/bare (the target), and the means
// invoke-ns/op, bare-ns/op, invoke/bare.
func BenchmarkSerialInvokeProcess(b *testing.B) {
	bareURL := startBareServer(b)
	invokeURL := startSlipwayLocal(b, "--name", "function", "--runtime", "--", testRuntime, "ok") +
		"/2015-03-31/functions/function/invocations"
	c := benchClient()
	const event = `{"action":"pong"}`
	for range 50 {
		post(b, c, bareURL, event, nil)
		post(b, c, invokeURL, event, nil)
	}
	bares, invokes := make([]time.Duration, b.N), make([]time.Duration, b.N)
	var bareT, invokeT time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		post(b, c, bareURL, event, nil)
		t1 := time.Now()
		post(b, c, invokeURL, event, nil)
		t2 := time.Now()
		bares[i], invokes[i] = t1.Sub(t0), t2.Sub(t1)
		bareT += bares[i]
		invokeT += invokes[i]
	}
	b.StopTimer()
	b.ReportMetric(float64(invokeT.Nanoseconds())/float64(b.N), "invoke-ns/op")
	b.ReportMetric(float64(bareT.Nanoseconds())/float64(b.N), "bare-ns/op")
	b.ReportMetric(float64(invokeT)/float64(bareT), "invoke/bare")
	bp, ip := median(bares), median(invokes)
	b.ReportMetric(float64(ip.Nanoseconds()), "invoke-p50-ns")
	b.ReportMetric(float64(bp.Nanoseconds()), "bare-p50-ns")
	b.ReportMetric(float64(ip)/float64(bp), "p50-invoke/bare")
}

var (
	bareServerOnce sync.Once
	bareServerBin  string
	bareServerErr  error
)

// startBareServer builds (once) and starts testdata/bareserver, and returns its URL.
func startBareServer(b *testing.B) string {
	bareServerOnce.Do(func() {
		bareServerBin = filepath.Join(filepath.Dir(testRuntime), "bareserver")
		out, err := exec.Command("go", "build", "-o", bareServerBin, "./testdata/bareserver").CombinedOutput()
		if err != nil {
			bareServerErr = &buildError{string(out), err}
		}
	})
	if bareServerErr != nil {
		b.Fatal(bareServerErr)
	}
	cmd := exec.Command(bareServerBin)
	return "http://" + startAndScan(b, cmd, regexp.MustCompile(`listening on ([0-9.:]+)`), false)
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// startSlipwayLocal runs the slipway binary's local command on a free loopback port and returns
// the base URL of its Invoke API. Its logs are read and dropped, as a terminal would show them.
func startSlipwayLocal(b *testing.B, args ...string) string {
	cmd := exec.Command(slipwayBin, append([]string{"local", "--listen", "127.0.0.1:0"}, args...)...)
	return "http://" + startAndScan(b, cmd, regexp.MustCompile(`Invoke API on http://([0-9.:]+)/`), true)
}

// startAndScan starts cmd, waits for a line of its stdout (or stderr) matching re, and returns
// the first submatch; the rest of that output is drained. The process is stopped (SIGTERM, then
// SIGKILL) when the benchmark ends.
func startAndScan(b *testing.B, cmd *exec.Cmd, re *regexp.Regexp, stderr bool) string {
	b.Helper()
	pr, pw := io.Pipe()
	if stderr {
		cmd.Stderr = pw
	} else {
		cmd.Stdout = pw
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		pw.Close()
		close(done)
	}()
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case addr := <-found:
		return addr
	case <-done:
		b.Fatalf("%s exited before it was ready", cmd.Path)
	case <-time.After(20 * time.Second):
		b.Fatalf("%s did not say where it listens", cmd.Path)
	}
	return ""
}
