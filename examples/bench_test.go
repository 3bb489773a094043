package examples

import (
	"io"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// Benchmarks of the examples through real processes, for numbers a user can compare: what a
// request costs through slipway local + the adapter (or the library) against the same app
// served directly, and how long a cold start takes. Run them on a quiet machine, e.g.
//
//	go test ./examples/ -run '^$' -bench . -benchtime 2s -count 6 | tee new.txt
//	go test ./examples/ -run '^$' -bench ColdStart -benchtime 10x -count 3

// benchGet makes b.N GETs of url after a warm-up, failing on any status but 200.
func benchGet(b *testing.B, url string) {
	get := func() {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("GET %s: status %d", url, resp.StatusCode)
		}
	}
	for range 20 {
		get()
	}
	b.ResetTimer()
	for range b.N {
		get()
	}
}

// BenchmarkWarmRequest is one GET /echo round trip on a warm environment: client → front door
// → event → Runtime API → adapter → app and back.
func BenchmarkWarmRequest(b *testing.B) {
	for _, ex := range httpApps {
		for _, event := range []string{"http", "alb"} {
			b.Run(ex.name+"/"+event, func(b *testing.B) {
				command, _ := ex.prepare(b)
				flags := []string{"--event", event, "--concurrency", "1"} // one warm environment
				if ex.runtime {
					flags = append(flags, "--runtime")
				}
				srv := startLocal(b, "slipway local", ex.image(), flags, command)
				benchGet(b, srv.base+"/echo/bench?x=1")
			})
		}
	}
}

// BenchmarkDirect is the same request to the app itself, no Lambda: the baseline that
// BenchmarkWarmRequest's overhead is measured against.
func BenchmarkDirect(b *testing.B) {
	for _, ex := range httpApps {
		b.Run(ex.name, func(b *testing.B) {
			command, _ := ex.prepare(b)
			_, base := startOnPort(b, "app", ex.image(), command)
			benchGet(b, base+"/echo/bench?x=1")
		})
	}
}

var initDuration = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)

// BenchmarkColdStart starts slipway local and times its first request, which waits for a new
// execution environment: the processes start, the adapter registers, the app becomes ready.
// It reports the REPORT line's Init Duration as init-ms.
func BenchmarkColdStart(b *testing.B) {
	for _, ex := range httpApps {
		b.Run(ex.name, func(b *testing.B) {
			command, _ := ex.prepare(b)
			var flags []string
			if ex.runtime {
				flags = append(flags, "--runtime")
			}
			var initMs float64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				srv := startLocal(b, "slipway local", ex.image(), flags, command)
				b.StartTimer()
				resp, err := client.Get(srv.base + "/")
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				b.StopTimer()
				m := initDuration.FindStringSubmatch(srv.waitOutput(regexp.MustCompile(`(REPORT RequestId: .*)`), 5*time.Second))
				if m == nil {
					b.Fatalf("the first REPORT line has no Init Duration:\n%s", srv.out.String())
				}
				ms, _ := strconv.ParseFloat(m[1], 64)
				initMs += ms
				srv.stop()
				b.StartTimer()
			}
			b.ReportMetric(initMs/float64(b.N), "init-ms")
		})
	}
}
