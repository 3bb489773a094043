package runtimeapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

// TestStreamChunksArriveImmediately proves each Write reaches the server before the next one is
// written: the test writes chunk 2 only after the server has read chunk 1.
func TestStreamChunksArriveImmediately(t *testing.T) {
	srv, c := newPair(t)
	arrived := make(chan string, 10)
	wait := invokeAsync(t, srv, `{}`, &runtimeapitest.InvokeOptions{
		OnChunk: func(p []byte) { arrived <- string(p) },
	})
	inv, err := c.Next(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Stream(testCtx(t), inv.RequestID, "text/event-stream")
	if err != nil {
		t.Fatal(err)
	}
	chunks := []string{"data: one\n\n", "data: two\n\n", "data: three\n\n"}
	for _, chunk := range chunks {
		if _, err := s.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-arrived:
			if got != chunk {
				t.Fatalf("server read %q, want %q", got, chunk)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("chunk %q did not reach the server before the next write", chunk)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := wait()
	if !r.Streamed || r.Error != nil || string(r.Body) != strings.Join(chunks, "") || len(r.Chunks) != 3 {
		t.Errorf("result %+v", r)
	}
	if got := r.Header.Get(runtimeapi.HeaderResponseMode); got != runtimeapi.ResponseModeStreaming {
		t.Errorf("response mode %q", got)
	}
	if got := r.Header.Get("Content-Type"); got != "text/event-stream" {
		t.Errorf("content type %q", got)
	}
	if len(r.TransferEncoding) != 1 || r.TransferEncoding[0] != "chunked" {
		t.Errorf("transfer encoding %v", r.TransferEncoding)
	}
	// Both trailers are declared, and a successful stream sends no values.
	for _, k := range []string{runtimeapi.HeaderFunctionErrorType, runtimeapi.HeaderFunctionErrorBody} {
		v, declared := r.Trailer[k]
		if !declared || len(v) != 0 {
			t.Errorf("trailer %s: declared %v, values %q", k, declared, v)
		}
	}
}

func TestStreamCloseWithErrorSendsTrailers(t *testing.T) {
	srv, c := newPair(t)
	wait := invokeAsync(t, srv, `{}`, nil)
	inv, _ := c.Next(testCtx(t))
	s, err := c.Stream(testCtx(t), inv.RequestID, "application/octet-stream")
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("partial"))
	if err := s.CloseWithError(typedError{}); err != nil {
		t.Fatal(err)
	}
	r := wait()
	if string(r.Body) != "partial" {
		t.Errorf("body %q: the error must travel in trailers, not in the body", r.Body)
	}
	if got := r.Trailer.Get(runtimeapi.HeaderFunctionErrorType); got != "App.Typed" {
		t.Errorf("error type trailer %q", got)
	}
	raw, err := base64.StdEncoding.DecodeString(r.Trailer.Get(runtimeapi.HeaderFunctionErrorBody))
	var body runtimeapi.Error
	if err != nil || json.Unmarshal(raw, &body) != nil || body.Type != "App.Typed" || body.Message != "typed failure" {
		t.Errorf("error body trailer %q (%v)", raw, err)
	}
	if r.Error == nil || r.Error.Type != "App.Typed" {
		t.Errorf("result error %+v", r.Error)
	}
	if err := s.Close(); err == nil {
		t.Error("Close after CloseWithError succeeded")
	}
	if _, err := s.Write([]byte("x")); err == nil {
		t.Error("Write after close succeeded")
	}
}

func TestStreamOverLimitFails(t *testing.T) {
	srv, c := newPair(t)
	runtimeapi.SetMaxStreamSize(c, 10)
	wait := invokeAsync(t, srv, `{}`, nil)
	inv, _ := c.Next(testCtx(t))
	s, _ := c.Stream(testCtx(t), inv.RequestID, "text/plain")
	if _, err := s.Write([]byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Write([]byte("x"))
	var e *runtimeapi.Error
	if !errors.As(err, &e) || e.Type != runtimeapi.ErrorTypeResponseTooLarge {
		t.Fatalf("write past the limit: %v", err)
	}
	if _, err := s.Write([]byte("y")); err == nil {
		t.Error("write after a failed write succeeded")
	}
	if err := s.Close(); !errors.As(err, &e) || e.Type != runtimeapi.ErrorTypeResponseTooLarge {
		t.Errorf("Close: %v", err)
	}
	r := wait()
	if string(r.Body) != "0123456789" || r.Error == nil || r.Error.Type != runtimeapi.ErrorTypeResponseTooLarge {
		t.Errorf("result body %q error %+v", r.Body, r.Error)
	}
}

// A server that refuses the stream at once must not leave writers blocked on the pipe.
func TestStreamRefusedEarly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`)
	}))
	defer srv.Close()
	c, _ := runtimeapi.NewClient(srv.URL, nil)
	s, err := c.Stream(testCtx(t), "gone", "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for {
			if _, err := s.Write(chunk); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		var ae *runtimeapi.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 400 {
			t.Logf("write error %v (the transport may report the broken pipe instead)", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Write blocked after the server refused the stream")
	}
	var ae *runtimeapi.APIError
	if err := s.Close(); !errors.As(err, &ae) || ae.Type != runtimeapi.ErrorTypeInvalidRequestID {
		t.Errorf("Close: %v", err)
	}
}

func TestStreamCancelledContext(t *testing.T) {
	srv, c := newPair(t)
	_ = invokeAsync(t, srv, `{}`, nil)
	inv, _ := c.Next(testCtx(t))
	ctx, cancel := contextWithCancel(t)
	s, _ := c.Stream(ctx, inv.RequestID, "text/plain")
	s.Write([]byte("a"))
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		if _, err := s.Write([]byte("b")); err != nil {
			break
		}
		select {
		case <-deadline:
			t.Fatal("writes kept succeeding after the context was cancelled")
		default:
		}
	}
	if err := s.Close(); err == nil {
		t.Error("Close of a cancelled stream succeeded")
	}
}
