package runtimeapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// BenchmarkNextRespond measures the client's share of one invocation: Next then Respond against
// a minimal Runtime API over loopback keep-alive (the server answers at once, with no queue).
func BenchmarkNextRespond(b *testing.B) {
	for _, size := range []int{1 << 10, 256 << 10} {
		b.Run(fmt.Sprintf("body=%dKiB", size>>10), func(b *testing.B) {
			payload := bytes.Repeat([]byte("e"), size)
			result := bytes.Repeat([]byte("r"), size)
			deadline := strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					h := w.Header()
					h[runtimeapi.HeaderRequestID] = []string{"8476a536-e9f4-11e8-9739-2dfe598c3fcd"}
					h[runtimeapi.HeaderDeadlineMs] = []string{deadline}
					h[runtimeapi.HeaderFunctionARN] = []string{runtimeapitest.DefaultFunctionARN}
					h[runtimeapi.HeaderTraceID] = []string{"Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"}
					w.Write(payload)
					return
				}
				io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusAccepted)
			}))
			defer api.Close()
			c, _ := runtimeapi.NewClient(api.URL, nil)
			ctx := context.Background()
			b.SetBytes(int64(2 * size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				inv, err := c.Next(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Respond(ctx, inv.RequestID, result); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServeRoundTrip measures a whole invocation through runtimeapitest and Serve:
// Invoke queues the event, a poller's Next returns it, the handler echoes it with Respond, and
// Invoke returns the recorded result. It includes the test server's own cost.
func BenchmarkServeRoundTrip(b *testing.B) {
	for _, size := range []int{1 << 10, 256 << 10} {
		b.Run(fmt.Sprintf("body=%dKiB", size>>10), func(b *testing.B) {
			srv := runtimeapitest.NewServer()
			defer srv.Close()
			c, _ := runtimeapi.NewClient(srv.Addr, nil)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.Serve(ctx, 1, echo) }()
			payload := bytes.Repeat([]byte("e"), size)
			b.SetBytes(int64(2 * size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				r, err := srv.Invoke(ctx, payload, nil)
				if err != nil || len(r.Body) != size {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cancel()
			<-done
		})
	}
}
