package adapter

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// envBenchChild makes the test binary the adapter process of BenchmarkAdapterProcess.
const envBenchChild = "SLIPWAY_BENCH_ADAPTER_CHILD"

// BenchmarkAdapterProcess carries the adapter's allocation target: the adapter runs in a process
// of its own (this test binary, re-executed), in front of the benchmark's app and Runtime API,
// as on Lambda. What that process allocates per invocation is the adapter's own cost, exactly:
// nothing of the app or of the Runtime API server is counted. Metrics:
//   - adapter-B/op and adapter-allocs/op: the adapter process's allocations per invocation
//     (runtime.MemStats, read while it waits in /next before and after the timed loop);
//   - adapter-B/body: adapter-B/op over the body size (the target: ≤ 2);
//   - p50-µs: median latency of single invocations, each sent once the adapter's poller is
//     parked in /next (cross-process, so not comparable with BenchmarkOverhead).
//
// B/op and allocs/op are the benchmark process's own (Runtime API server and app), not the target.
func BenchmarkAdapterProcess(b *testing.B) {
	port := inProcessAppB(b, echoApp())
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAdapterBenchChild$")
	cmd.Env = append(cleanEnv(), envBenchChild+"=1", "AWS_LAMBDA_RUNTIME_API="+srv.Addr,
		"AWS_LWA_PORT="+strconv.Itoa(port), "AWS_LWA_READINESS_CHECK_PATH=/health")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		stdin.Close() // the child stops serving and exits
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()
	replies := bufio.NewScanner(stdout)
	// stats asks the child for its cumulative allocations.
	stats := func() (bytes, allocs uint64) {
		if _, err := io.WriteString(stdin, "stats\n"); err != nil {
			b.Fatal(err)
		}
		for replies.Scan() {
			if _, err := fmt.Sscanf(replies.Text(), "alloc %d %d", &bytes, &allocs); err == nil {
				return bytes, allocs
			}
		}
		b.Fatal("the adapter process did not report its allocations")
		return 0, 0
	}
	ctx := context.Background()
	parked := func() {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := srv.WaitPollers(wctx, 1); err != nil {
			b.Fatal("the adapter's poller did not come back to /next: ", err)
		}
	}
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := textBody(size.n)
			payload := urlEvent("POST", "/echo", "", map[string]string{"content-type": "application/json"}, nil, body, false)
			invoke := func() {
				res, err := srv.Invoke(ctx, payload, nil)
				if err != nil {
					b.Fatal(err)
				}
				if res.Error != nil || len(res.Body) < len(body) {
					b.Fatalf("result %v (%d bytes)", res.Error, len(res.Body))
				}
			}
			for range 50 {
				parked()
				invoke()
			}
			parked()
			bytes0, allocs0 := stats()
			lat := make(latencies, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				invoke()
				lat = append(lat, time.Since(start))
				parked()
			}
			b.StopTimer()
			bytes1, allocs1 := stats()
			perOp := float64(bytes1-bytes0) / float64(b.N)
			b.ReportMetric(perOp, "adapter-B/op")
			b.ReportMetric(float64(allocs1-allocs0)/float64(b.N), "adapter-allocs/op")
			b.ReportMetric(perOp/float64(len(body)), "adapter-B/body")
			lat.report(b)
		})
	}
}

// TestAdapterBenchChild is the adapter process of BenchmarkAdapterProcess; it does nothing in a
// normal test run. It serves invocations with the configuration in its environment and, for
// each "stats" line on stdin, prints "alloc BYTES COUNT": its cumulative allocations.
func TestAdapterBenchChild(t *testing.T) {
	if os.Getenv(envBenchChild) == "" {
		t.Skip("only as BenchmarkAdapterProcess's adapter process")
	}
	cfg, err := LoadConfig(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Config: cfg, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Printf("alloc %d %d\n", m.TotalAlloc, m.Mallocs)
		}
		stop() // stdin closed: the benchmark is over
	}()
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
