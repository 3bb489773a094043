package runtimeapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

func contextWithCancel(t testing.TB) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(testCtx(t))
	t.Cleanup(cancel)
	return ctx, cancel
}

// serve runs c.Serve in the background and returns a func that stops it and returns its error.
func serve(t testing.TB, c *runtimeapi.Client, workers int, h runtimeapi.HandlerFunc) (stop func() error, errc <-chan error) {
	t.Helper()
	c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := contextWithCancel(t)
	ch := make(chan error, 1)
	go func() { ch <- c.Serve(ctx, workers, h) }()
	return func() error {
		cancel()
		select {
		case err := <-ch:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Serve did not return after its context ended")
			return nil
		}
	}, ch
}

func echo(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
	return c.Respond(ctx, inv.RequestID, inv.Payload)
}

func TestServeConcurrentPollers(t *testing.T) {
	const workers = 4
	srv, c := newPair(t)
	var mu sync.Mutex
	inside := 0
	all := make(chan struct{})
	stop, _ := serve(t, c, workers, func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
		mu.Lock()
		inside++
		if inside == workers {
			close(all)
		}
		mu.Unlock()
		// Every invocation waits until all four are in progress at once.
		select {
		case <-all:
		case <-ctx.Done():
			return ctx.Err()
		}
		return c.Respond(ctx, inv.RequestID, inv.Payload)
	})
	if err := srv.WaitPollers(testCtx(t), workers); err != nil {
		t.Fatalf("%d pollers never waited at once: %v", workers, err)
	}
	var waits []func() *runtimeapitest.Result
	for i := range workers {
		waits = append(waits, invokeAsync(t, srv, fmt.Sprintf(`{"n":%d}`, i), &runtimeapitest.InvokeOptions{Timeout: 5 * time.Second}))
	}
	for i, wait := range waits {
		if r := wait(); string(r.Body) != fmt.Sprintf(`{"n":%d}`, i) || r.Error != nil {
			t.Errorf("invocation %d: %+v", i, r)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestServePanicIsReportedAndServingGoesOn(t *testing.T) {
	srv, c := newPair(t)
	stop, _ := serve(t, c, 1, func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
		if string(inv.Payload) == `"panic"` {
			panicInHandler()
		}
		return echo(ctx, c, inv)
	})
	r, err := srv.Invoke(testCtx(t), []byte(`"panic"`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error == nil || r.Error.Type != runtimeapi.ErrorTypePanic || r.Error.Message != "handler exploded" {
		t.Fatalf("panic result %+v", r.Error)
	}
	if len(r.Error.StackTrace) == 0 || !strings.Contains(r.Error.StackTrace[0], "panicInHandler") {
		t.Errorf("stack trace should start at the panicking function: %q", r.Error.StackTrace)
	}
	r, err = srv.Invoke(testCtx(t), []byte(`"after"`), nil)
	if err != nil || string(r.Body) != `"after"` {
		t.Errorf("invocation after the panic: %+v, %v", r, err)
	}
	if err := stop(); err != nil {
		t.Error(err)
	}
}

func panicInHandler() { panic("handler exploded") }

func TestServeHandlerOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		h         runtimeapi.HandlerFunc
		wantBody  string
		wantType  string
		wantTrail bool
	}{
		{"error, nothing posted", func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
			return typedError{}
		}, "", "App.Typed", false},
		{"nil, nothing posted", func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
			return nil
		}, "", runtimeapi.ErrorTypeNoResponse, false},
		{"error after posting", func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
			c.Respond(ctx, inv.RequestID, []byte(`"done"`))
			return errors.New("late failure")
		}, `"done"`, "", false},
		{"stream left open", func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
			s, _ := c.Stream(ctx, inv.RequestID, "text/plain")
			s.Write([]byte("streamed"))
			return nil
		}, "streamed", "", false},
		{"stream left open with an error", func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
			s, _ := c.Stream(ctx, inv.RequestID, "text/plain")
			s.Write([]byte("half"))
			return typedError{}
		}, "half", "App.Typed", true},
		{"panic mid-stream", func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
			s, _ := c.Stream(ctx, inv.RequestID, "text/plain")
			s.Write([]byte("half"))
			panic("mid-stream")
		}, "half", runtimeapi.ErrorTypePanic, true},
		{"stream closed, then error", func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
			s, _ := c.Stream(ctx, inv.RequestID, "text/plain")
			s.Write([]byte("whole"))
			s.Close()
			return errors.New("late")
		}, "whole", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t)
			stop, _ := serve(t, c, 1, tc.h)
			r, err := srv.Invoke(testCtx(t), []byte(`{}`), nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(r.Body) != tc.wantBody {
				t.Errorf("body %q, want %q", r.Body, tc.wantBody)
			}
			switch {
			case tc.wantType == "" && r.Error != nil:
				t.Errorf("unexpected error %+v", r.Error)
			case tc.wantType != "" && (r.Error == nil || r.Error.Type != tc.wantType):
				t.Errorf("error %+v, want type %q", r.Error, tc.wantType)
			}
			if got := r.Trailer.Get(runtimeapi.HeaderFunctionErrorType) != ""; got != tc.wantTrail {
				t.Errorf("error trailer sent: %v, want %v", got, tc.wantTrail)
			}
			// Serving goes on after every outcome.
			if _, err := srv.Invoke(testCtx(t), []byte(`{}`), nil); err != nil {
				t.Error(err)
			}
			if err := stop(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestServeContextCarriesInvocationAndDeadline(t *testing.T) {
	srv, c := newPair(t)
	type seen struct {
		inv      *runtimeapi.Invocation
		deadline time.Time
		ok       bool
	}
	got := make(chan seen, 1)
	stop, _ := serve(t, c, 1, func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
		fromCtx, ok := runtimeapi.FromContext(ctx)
		d, hasDeadline := ctx.Deadline()
		got <- seen{fromCtx, d, ok && hasDeadline && fromCtx == inv}
		<-ctx.Done() // the deadline ends the invocation's context
		return ctx.Err()
	})
	r, err := srv.Invoke(testCtx(t), []byte(`{}`), &runtimeapitest.InvokeOptions{RequestID: "req-deadline", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := <-got
	if !s.ok || s.inv.RequestID != "req-deadline" || !s.deadline.Equal(s.inv.Deadline) {
		t.Errorf("context: %+v", s)
	}
	if r.Error == nil || r.Error.Type != "deadlineExceededError" {
		t.Errorf("result %+v", r.Error)
	}
	stop()
}

func TestServeMalformedInvocationIsFailedNotFatal(t *testing.T) {
	srv, c := newPair(t)
	stop, _ := serve(t, c, 1, echo)
	r, err := srv.Invoke(testCtx(t), []byte(`{}`), &runtimeapitest.InvokeOptions{
		Header: http.Header{runtimeapi.HeaderDeadlineMs: {"soon"}},
	})
	if err != nil || r.Error == nil || r.Error.Type != runtimeapi.ErrorTypeMalformedInvocation {
		t.Fatalf("malformed invocation: %+v, %v", r, err)
	}
	r, err = srv.Invoke(testCtx(t), []byte(`"fine"`), nil)
	if err != nil || string(r.Body) != `"fine"` {
		t.Errorf("next invocation: %+v, %v", r, err)
	}
	stop()
}

func TestServeReturnsWhenTheAPIGoes(t *testing.T) {
	srv, c := newPair(t)
	_, errc := serve(t, c, 3, echo)
	if err := srv.WaitPollers(testCtx(t), 3); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	select {
	case err := <-errc:
		var ae *runtimeapi.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusInternalServerError {
			t.Errorf("Serve returned %v, want the 500 of a closing API", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve kept going after the Runtime API closed")
	}

	// Connection refused from the start.
	c2, _ := runtimeapi.NewClient(srv.Addr, nil)
	if err := c2.Serve(testCtx(t), 2, echo); err == nil {
		t.Error("Serve against a closed port returned nil")
	}
}

func TestServeNext500(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"errorMessage":"container error","errorType":"Runtime.ContainerError"}`)
	}))
	defer api.Close()
	c, _ := runtimeapi.NewClient(api.URL, nil)
	err := c.Serve(testCtx(t), 2, echo)
	var ae *runtimeapi.APIError
	if !errors.As(err, &ae) || ae.Type != "Runtime.ContainerError" {
		t.Errorf("Serve: %v", err)
	}
}

func TestServeStopLetsInvocationsFinish(t *testing.T) {
	srv, c := newPair(t)
	started := make(chan struct{})
	release := make(chan struct{})
	stop, _ := serve(t, c, 1, func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
		close(started)
		<-release
		if ctx.Err() != nil {
			return fmt.Errorf("invocation context ended by the stop: %w", ctx.Err())
		}
		return echo(ctx, c, inv)
	})
	wait := invokeAsync(t, srv, `"in flight"`, nil)
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case <-stopped:
		t.Fatal("Serve returned while an invocation was in progress")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if r := wait(); string(r.Body) != `"in flight"` {
		t.Errorf("in-flight invocation: %+v", r)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve after stop: %v", err)
	}
}

func TestServeTraceEnv(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			t.Setenv(runtimeapi.EnvTraceID, "untouched")
			srv, c := newPair(t)
			got := make(chan string, 1)
			stop, _ := serve(t, c, workers, func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
				got <- os.Getenv(runtimeapi.EnvTraceID)
				return echo(ctx, c, inv)
			})
			const trace = "Root=1-65a1b2c3-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1"
			srv.Invoke(testCtx(t), []byte(`{}`), &runtimeapitest.InvokeOptions{TraceID: trace})
			want := trace
			if workers > 1 {
				want = "untouched"
			}
			if g := <-got; g != want {
				t.Errorf("%s = %q, want %q", runtimeapi.EnvTraceID, g, want)
			}
			stop()
		})
	}
}

// A released payload's memory carries later events; one that was not released is never
// reused, so a handler may keep it. Every event arrives intact either way.
func TestServeReleasedPayloadsAreReusedSafely(t *testing.T) {
	srv, c := newPair(t)
	var mu sync.Mutex
	var kept [][]byte     // payloads not released, with the content they must keep
	var keptWant []string //
	stop, _ := serve(t, c, 2, func(ctx context.Context, c *runtimeapi.Client, inv *runtimeapi.Invocation) error {
		if strings.HasPrefix(string(inv.Payload), `"keep`) {
			mu.Lock()
			kept = append(kept, inv.Payload)
			keptWant = append(keptWant, string(inv.Payload))
			mu.Unlock()
		} else {
			defer inv.ReleasePayload()
		}
		return c.Respond(ctx, inv.RequestID, inv.Payload)
	})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				tag := "free"
				if i%5 == 0 {
					tag = "keep"
				}
				payload := fmt.Sprintf(`"%s %d/%d %s"`, tag, w, i, strings.Repeat("x", (i*977+w*131)%5000))
				res, err := srv.Invoke(testCtx(t), []byte(payload), nil)
				if err != nil {
					t.Error(err)
					return
				}
				if string(res.Body) != payload {
					t.Errorf("event %d/%d came back as %.40q…", w, i, res.Body)
				}
			}
		}()
	}
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for i, p := range kept {
		if string(p) != keptWant[i] {
			t.Errorf("a payload that was not released changed: %.40q…, was %.40q…", p, keptWant[i])
		}
	}
}
