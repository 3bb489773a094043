package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// Benchmarks of the adapter's per-request cost (see BENCHMARKS.md, section "Adapter").
//
//	go test -run '^$' -bench . -benchmem -count 6 ./adapter | benchstat -
//
// Each reports ns/op, B/op and a p50-µs metric (median latency of one request). B/op counts every
// allocation in the process: for the adapter path that includes the in-process Runtime API server
// and the app, so compare against the direct path to see what the adapter adds.

// echoApp answers every request with its own body (same size, same content type).
func echoApp() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			return
		}
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	})
}

var benchSizes = []struct {
	name string
	n    int
}{{"1KiB", 1 << 10}, {"256KiB", 256 << 10}}

// textBody is a JSON document of about n bytes, so neither path needs base64.
func textBody(n int) []byte {
	b := bytes.Repeat([]byte("a"), n-12)
	return append(append([]byte(`{"data":"`), b...), `"}`...)
}

// latencies records per-iteration durations and reports their median.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Nanoseconds())/1e3, "p50-µs")
}

// BenchmarkLoopbackRoundTrip is the unit of the target: one small request and reply over a
// keep-alive loopback connection.
func BenchmarkLoopbackRoundTrip(b *testing.B) {
	port := inProcessAppB(b, echoApp())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/x"
	lat := make(latencies, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	lat.report(b)
}

// BenchmarkDirect sends the requests straight to the app: the baseline.
func BenchmarkDirect(b *testing.B) {
	port := inProcessAppB(b, echoApp())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/echo"
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := textBody(size.n)
			lat := make(latencies, 0, b.N)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if n != int64(len(body)) {
					b.Fatalf("echoed %d bytes", n)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			lat.report(b)
		})
	}
}

// BenchmarkAdapter sends the same requests through the adapter's invocation path: event queued in
// an in-process Runtime API → the adapter's /next returns → request to the app → /response
// arrives.
func BenchmarkAdapter(b *testing.B) {
	port := inProcessAppB(b, echoApp())
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	cfg, err := LoadConfig(env{"AWS_LAMBDA_RUNTIME_API": srv.Addr, "AWS_LWA_PORT": strconv.Itoa(port),
		"AWS_LWA_READINESS_CHECK_PATH": "/health"}.lookup)
	if err != nil {
		b.Fatal(err)
	}
	a, err := New(Options{Config: cfg, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { stop(); <-done }()

	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := textBody(size.n)
			payload := urlEvent("POST", "/echo", "", map[string]string{"content-type": "application/json"}, nil, body, false)
			lat := make(latencies, 0, b.N)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				res, err := srv.Invoke(ctx, payload, nil)
				if err != nil {
					b.Fatal(err)
				}
				if res.Error != nil || len(res.Body) < len(body) {
					b.Fatalf("result %v (%d bytes)", res.Error, len(res.Body))
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			lat.report(b)
		})
	}
}

// BenchmarkReadiness measures the time from the app starting to listen (t0) to the adapter's
// first /next (t1): how much the readiness loop adds to a cold start.
func BenchmarkReadiness(b *testing.B) {
	lat := make(latencies, 0, b.N)
	for i := 0; i < b.N; i++ {
		srv := runtimeapitest.NewServer()
		port := freePort(b)
		cfg, err := LoadConfig(env{"AWS_LAMBDA_RUNTIME_API": srv.Addr, "AWS_LWA_PORT": strconv.Itoa(port)}.lookup)
		if err != nil {
			b.Fatal(err)
		}
		a, _ := New(Options{Config: cfg, Logger: discardLogger()})
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		// The app boots for a while (the adapter polls "connection refused"), then listens.
		time.Sleep(time.Duration(20+i%30) * time.Millisecond)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		app := &http.Server{Handler: echoApp()}
		go app.Serve(ln)
		wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := srv.WaitPollers(wctx, 1); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		cancel()
		stop()
		<-done
		app.Close()
		srv.Close()
	}
	lat.report(b)
}

// BenchmarkIdleRSS starts the slipway binary in extension mode in front of a ready app, lets it
// reach its idle state (waiting in /next) and reports its resident set size.
func BenchmarkIdleRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	port := inProcessAppB(b, echoApp())
	var rss float64
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(slipwayBinary(b))
		cmd.Env = append(cleanEnv(), "AWS_LAMBDA_RUNTIME_API="+srv.Addr, "PORT="+strconv.Itoa(port))
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := srv.WaitPollers(ctx, 1); err != nil {
			b.Fatal(err)
		}
		cancel()
		// Serve one request so the pools exist, then let it settle.
		ictx, icancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := srv.Invoke(ictx, urlEvent("GET", "/", "", nil, nil, nil, false), nil); err != nil {
			b.Fatal(err)
		}
		icancel()
		time.Sleep(300 * time.Millisecond)
		status, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
				rss = float64(kb) / 1024
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	b.ReportMetric(rss, "RSS-MB")
}

func inProcessAppB(b *testing.B, h http.Handler) int {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// BenchmarkRuntimeAPIOnly is the floor of the adapter path: the same in-process Runtime API and
// client carrying the same event and a result of the same size, with a handler that answers at
// once — no decoding, no app.
func BenchmarkRuntimeAPIOnly(b *testing.B) {
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	rc, err := runtimeapi.NewClient(srv.Addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var reply []byte
	go func() {
		done <- rc.Serve(ctx, 1, func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
			return c.Respond(ctx, inv.RequestID, reply)
		})
	}()
	defer func() { stop(); <-done }()
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := textBody(size.n)
			payload := urlEvent("POST", "/echo", "", map[string]string{"content-type": "application/json"}, nil, body, false)
			reply, _ = json.Marshal(map[string]any{"statusCode": 200, "headers": map[string]string{"content-type": "application/json"},
				"body": string(body), "isBase64Encoded": false})
			lat := make(latencies, 0, b.N)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := srv.Invoke(ctx, payload, nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			lat.report(b)
		})
	}
}

// BenchmarkProcessing is the adapter's own CPU work per invocation without any socket: decode the
// event, build the request to the app (context headers, path, body), and encode the app's reply
// as the result. Everything else on the adapter path is I/O that the direct path has too, or the
// Runtime API exchange (BenchmarkRuntimeAPIOnly).
func BenchmarkProcessing(b *testing.B) {
	cfg, err := LoadConfig(env{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}.lookup)
	if err != nil {
		b.Fatal(err)
	}
	a, err := New(Options{Config: cfg, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := textBody(size.n)
			inv := &runtimeapi.Invocation{RequestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd", Deadline: time.Now().Add(time.Minute),
				InvokedFunctionARN: runtimeapitest.DefaultFunctionARN, TraceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
				Payload: urlEvent("POST", "/echo", "", map[string]string{"content-type": "application/json"}, nil, body, false)}
			respHeader := http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(body))}}
			log := invLog{a.log, inv.RequestID}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req, ev, err := a.dec.Decode(ctx, inv.Payload)
				if err != nil {
					b.Fatal(err)
				}
				scratch := getBuffer()
				out, err := a.outgoing(ctx, req, ev, inv, scratch, log)
				if err != nil {
					b.Fatal(err)
				}
				sent, _ := io.Copy(io.Discard, out.Body)
				result := getBuffer()
				result.Grow(len(body)*4/3 + 512)
				res, err := ev.AppendResponse(result.AvailableBuffer(), 200, respHeader, body, a.respOpts)
				if err != nil || sent != int64(len(body)) || len(res) < len(body) {
					b.Fatal(err, sent, len(res))
				}
				putBuffer(result)
				putBuffer(scratch)
			}
		})
	}
}
