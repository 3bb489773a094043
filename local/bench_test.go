//go:build linux

package local

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchClient is the HTTP client of the benchmarks: keep-alive, one connection per worker.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
}

// post sends one request; tf (if any) describes the pool when the request fails.
func post(b *testing.B, c *http.Client, url, body string, tf *testFunction) {
	resp, err := c.Post(url, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		b.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "" {
		state := ""
		if tf != nil {
			state = tf.poolState()
		}
		b.Fatalf("status %d %s\n%s", resp.StatusCode, msg, state)
	}
}

// BenchmarkSerialInvoke times one Invoke API round trip (client → Invoke API → runtime's /next →
// its /response → client) of a trivial function, and, interleaved in the same loop so that
// machine load hits both alike, a bare loopback HTTP round trip of the same size with the same
// client. invoke/bare is the platform's cost in units of one HTTP exchange (at least 3: the
// invoke itself, /next and /response).
func BenchmarkSerialInvoke(b *testing.B) {
	tf := newTestFunction(b, "ok", Config{Concurrency: 1})
	api := httptest.NewServer(InvokeAPI(tf.Function))
	defer api.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`"pong"`))
	}))
	defer bare.Close()
	c := benchClient()
	invokeURL := api.URL + invokePath
	const event = `{"action":"pong"}`
	for i := 0; i < 20; i++ {
		post(b, c, bare.URL, event, nil)
		post(b, c, invokeURL, event, tf)
	}
	var bareT, invokeT time.Duration
	bares, invokes := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		post(b, c, bare.URL, event, nil)
		t1 := time.Now()
		post(b, c, invokeURL, event, tf)
		t2 := time.Now()
		bares[i], invokes[i] = t1.Sub(t0), t2.Sub(t1)
		bareT += bares[i]
		invokeT += invokes[i]
	}
	b.StopTimer()
	b.ReportMetric(float64(invokeT.Nanoseconds())/float64(b.N), "invoke-ns/op")
	b.ReportMetric(float64(bareT.Nanoseconds())/float64(b.N), "bare-ns/op")
	b.ReportMetric(float64(invokeT)/float64(bareT), "invoke/bare")
	// Medians resist the stalls of a shared machine better than means.
	bp, ip := median(bares), median(invokes)
	b.ReportMetric(float64(ip.Nanoseconds()), "invoke-p50-ns")
	b.ReportMetric(float64(bp.Nanoseconds()), "bare-p50-ns")
	b.ReportMetric(float64(ip)/float64(bp), "p50-invoke/bare")
	// The runtime's share as its REPORT lines tell it: from the event's hand-out to the
	// runtime's next /next (its /next reply, its work, its /response and the 202 to it).
	if ms := meanDuration(tf.log.String()); ms > 0 {
		b.ReportMetric(ms*1e6, "fn-ns")
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// BenchmarkThroughput runs 8 environments whose handler sleeps 50 ms, driven by 8 closed-loop
// clients through the Invoke API on loopback. The ideal is 8 / 50 ms = 160 requests/s.
func BenchmarkThroughput(b *testing.B) {
	const envs, nap = 8, 50 * time.Millisecond
	tf := newTestFunction(b, "ok", Config{Concurrency: envs})
	api := httptest.NewServer(InvokeAPI(tf.Function))
	defer api.Close()
	c := benchClient()
	url := api.URL + invokePath
	event := fmt.Sprintf(`{"action":"nap","ms":%d}`, nap.Milliseconds())
	run := func(n int64) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < envs; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= n {
					post(b, c, url, event, tf)
				}
			}()
		}
		wg.Wait()
	}
	run(envs) // cold-start every environment outside the measurement
	b.ResetTimer()
	start := time.Now()
	run(int64(b.N))
	elapsed := time.Since(start)
	b.StopTimer()
	rps := float64(b.N) / elapsed.Seconds()
	ideal := float64(envs) / nap.Seconds()
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(100*rps/ideal, "%ideal")
	// The function's own time per request as REPORT lines tell it (a 50 ms nap that the loaded
	// machine stretches shows here, not as platform overhead).
	if ms := meanDuration(tf.log.String()); ms > 0 {
		b.ReportMetric(ms, "fn-ms")
	}
}

// meanDuration averages the Duration of the REPORT lines in log, in ms.
func meanDuration(log string) float64 {
	var sum float64
	n := 0
	for _, m := range reportRE.FindAllStringSubmatch(log, -1) {
		var d float64
		fmt.Sscan(m[2], &d)
		sum += d
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// BenchmarkColdStart measures what the platform adds to a cold start. platform-ns is an
// environment's whole init phase as Function reports it (Init Duration): loopback listener, log
// pipe, environment variables, the supervisor's exec and its exec of the runtime, until the
// runtime's first /next has reached the platform. bare-ns, measured in the same loop, is the same
// runtime binary exec'd directly by the benchmark until its first /next reaches a plain HTTP
// server: the function's own start-up. added-ns = platform-ns − bare-ns.
func BenchmarkColdStart(b *testing.B) {
	tf := newTestFunction(b, "ok", Config{})
	first := make(chan time.Time, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case first <- time.Now():
		default:
		}
		<-r.Context().Done() // hold the /next, as a platform without work would
	})}
	go srv.Serve(ln)
	defer srv.Close()
	bareEnv := append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())

	var platform, bare time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A cold start after a quiet moment finds the spare supervisor ready (a burst of cold
		// starts does not: all but the first also start a supervisor). Nothing else runs while
		// either variant is timed.
		b.StopTimer()
		for len(tf.spare) == 0 {
			time.Sleep(time.Millisecond)
		}
		b.StartTimer()

		cmd := exec.Command(testRuntime, "ok")
		cmd.Env = bareEnv
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		bare += (<-first).Sub(t0)
		b.StopTimer()
		cmd.Process.Kill()
		cmd.Wait()
		b.StartTimer()

		env := newEnvironment(tf.Function)
		env.active = 1
		d, fl := env.init(10 * time.Second)
		if fl != nil {
			b.Fatalf("init: %s %s", fl.errorType, fl.message)
		}
		platform += d

		b.StopTimer()
		env.spindown()
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(platform.Nanoseconds())/float64(b.N), "platform-ns")
	b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N), "bare-ns")
	b.ReportMetric(float64((platform-bare).Nanoseconds())/float64(b.N), "added-ns")
}

// BenchmarkRuntimeFloor is the floor under BenchmarkSerialInvoke: the same runtime process
// against the smallest Runtime API that works (a channel of events, /next and /response and
// nothing else: no pool, no logs, no Invoke API). floor-ns is one event handed out until its
// response arrives; the platform's own cost is SerialInvoke's invoke-ns minus this, minus the
// one Invoke API round trip.
func BenchmarkRuntimeFloor(b *testing.B) {
	events := make(chan string)
	responses := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case id := <-events:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", "9999999999999")
			w.Write([]byte(`{"action":"pong"}`))
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		responses <- struct{}{}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cmd := exec.Command(testRuntime, "ok")
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+srv.Listener.Addr().String())
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for i := 0; i < 20; i++ {
		events <- "warm-up"
		<-responses
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		events <- "bench"
		<-responses
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "floor-ns")
}
