package adapter

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// BenchmarkOverhead carries the adapter's latency target: what one request through the adapter
// adds over the same request sent straight to the app, in units of one loopback round trip.
//
// Each iteration times three things, interleaved so that machine load hits them alike, and each
// starts from a quiet system, as a Lambda invocation does:
//   - rtt: one small GET to a separate keep-alive server (the unit of the target);
//   - direct: the POST straight to an app over keep-alive (a), once that app's connection is idle;
//   - adapter: the same POST as a Function URL event through the adapter (b), once the adapter's
//     poller is parked in /next (runtimeapitest.Server.WaitPollers), so the runtime's own cycle
//     — the 202 for its last /response and its next GET /next — is not counted: a user's request
//     reaches an idle runtime, it does not wait for the previous one's cycle.
//
// Metrics (medians of single requests): rtt-p50-µs, direct-p50-µs, adapter-p50-µs,
// added-p50-µs = adapter − direct, added/rtt, the target (≤ 1), and added/direct, the same
// against a round trip carrying the same body (the adapter path carries the body over the Runtime
// API and back on top of (a), so at 256 KiB one small round trip cannot be the floor).
// BenchmarkAdapter is the serial-cycle variant (each Invoke also waits for the runtime's previous
// cycle).
func BenchmarkOverhead(b *testing.B) {
	rttPort, rttIdle := idleAwareApp(b, echoApp())
	directPort, directIdle := idleAwareApp(b, echoApp())
	adapterPort := inProcessAppB(b, echoApp())
	srv := runtimeapitest.NewServer()
	defer srv.Close()
	cfg, err := LoadConfig(env{"AWS_LAMBDA_RUNTIME_API": srv.Addr, "AWS_LWA_PORT": strconv.Itoa(adapterPort),
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

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
	rttURL := "http://127.0.0.1:" + strconv.Itoa(rttPort) + "/x"
	directURL := "http://127.0.0.1:" + strconv.Itoa(directPort) + "/echo"

	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := textBody(size.n)
			payload := urlEvent("POST", "/echo", "", map[string]string{"content-type": "application/json"}, nil, body, false)
			rtt := func() {
				resp, err := client.Get(rttURL)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			direct := func() {
				resp, err := client.Post(directURL, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if n != int64(len(body)) {
					b.Fatalf("echoed %d bytes", n)
				}
			}
			adapter := func() {
				res, err := srv.Invoke(ctx, payload, nil)
				if err != nil {
					b.Fatal(err)
				}
				if res.Error != nil || len(res.Body) < len(body) {
					b.Fatalf("result %v (%d bytes)", res.Error, len(res.Body))
				}
			}
			parked := func() {
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if err := srv.WaitPollers(wctx, 1); err != nil {
					b.Fatal("the adapter's poller did not come back to /next: ", err)
				}
			}
			// Warm up every connection and pool.
			for range 20 {
				rtt()
				rttIdle.wait(b)
				direct()
				directIdle.wait(b)
				parked()
				adapter()
			}
			parked()
			rtts, directs, adapters := make(latencies, 0, b.N), make(latencies, 0, b.N), make(latencies, 0, b.N)
			timed := func(l *latencies, f func()) {
				start := time.Now()
				f()
				*l = append(*l, time.Since(start))
			}
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			// Each step waits until what the last one set going has come to rest.
			for range b.N {
				timed(&rtts, rtt)
				rttIdle.wait(b)
				timed(&directs, direct)
				directIdle.wait(b)
				timed(&adapters, adapter)
				parked()
			}
			b.StopTimer()
			r, d, ad := median(rtts), median(directs), median(adapters)
			b.ReportMetric(us(r), "rtt-p50-µs")
			b.ReportMetric(us(d), "direct-p50-µs")
			b.ReportMetric(us(ad), "adapter-p50-µs")
			b.ReportMetric(us(ad-d), "added-p50-µs")
			b.ReportMetric(float64(ad-d)/float64(r), "added/rtt")
			// The same in units of (a) itself: what the adapter adds against one more round
			// trip carrying this body, the floor for a path that carries it twice more.
			b.ReportMetric(float64(ad-d)/float64(d), "added/direct")
		})
	}
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

func median(l latencies) time.Duration {
	s := append(latencies(nil), l...)
	slices.Sort(s)
	return s[len(s)/2]
}

// idleSignal tells when a server's connections have all gone back to waiting for a request.
type idleSignal struct {
	mu     sync.Mutex
	active int
	idle   chan struct{} // receives after a connection turns idle with none left active
}

func (s *idleSignal) connState(_ net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch st {
	case http.StateActive:
		s.active++
	case http.StateIdle, http.StateHijacked, http.StateClosed:
		if s.active > 0 {
			s.active--
		}
		if s.active == 0 {
			select {
			case s.idle <- struct{}{}:
			default:
			}
		}
	}
}

// wait blocks until the server is idle after the request just sent: its connection's goroutine
// has finished it and gone back to reading the next one. Call it once after each request.
func (s *idleSignal) wait(b *testing.B) {
	select {
	case <-s.idle:
	case <-time.After(10 * time.Second):
		b.Fatal("the server never went idle")
	}
}

// idleAwareApp serves h on loopback and reports when its connections go idle.
func idleAwareApp(b *testing.B, h http.Handler) (int, *idleSignal) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sig := &idleSignal{idle: make(chan struct{}, 1)}
	srv := &http.Server{Handler: h, ConnState: sig.connState}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port, sig
}
