package frontdoor

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/local"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// streamFn answers with a streaming response whose body the test writes through the pipe it sends.
func streamFn(pipes chan<- *io.PipeWriter) func(*local.Request) (*local.Response, error) {
	return func(*local.Request) (*local.Response, error) {
		pr, w := io.Pipe()
		pipes <- w
		return &local.Response{RequestID: runtimeapi.NewRequestID(), Streaming: true, Body: pr,
			ContentType: "application/vnd.awslambda.http-integration-response",
			StreamError: func() error { return nil }}, nil
	}
}

func TestRow13StreamingArrivesChunkByChunk(t *testing.T) {
	pipes := make(chan *io.PipeWriter, 1)
	td := startDoor(t, Config{Kind: URL, Streaming: true}, streamFn(pipes))
	respCh := make(chan *http.Response, 1)
	go func() {
		resp, err := td.srv.Client().Get(td.srv.URL + "/stream")
		if err != nil {
			t.Error(err)
			close(respCh)
			return
		}
		respCh <- resp
	}()
	pw := <-pipes
	// The prelude arrives in two writes, the delimiter split across them.
	mustWrite(t, pw, `{"statusCode":201,"headers":{"content-type":"text/event-stream","x-multi":["a","b"]},"cookies":["c=1; Path=/","d=2"]}`+"\x00\x00\x00")
	mustWrite(t, pw, "\x00\x00\x00\x00\x00first\n")
	resp := <-respCh
	if resp == nil {
		t.FailNow()
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := resp.Header.Values("X-Multi"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("X-Multi = %q", got)
	}
	if got := resp.Header.Values("Set-Cookie"); len(got) != 2 {
		t.Errorf("Set-Cookie = %q", got)
	}
	br := bufio.NewReader(resp.Body)
	// Each line must reach the client while the function is still writing the next one.
	for _, line := range []string{"first\n", "second\n", "third\n"} {
		if line != "first\n" {
			mustWrite(t, pw, line)
		}
		got := readLineWithin(t, br, 5*time.Second)
		if got != line {
			t.Fatalf("read %q, want %q", got, line)
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after the end: %q, %v", rest, err)
	}
}

func TestStreamingMidStreamErrorTruncates(t *testing.T) {
	pipes := make(chan *io.PipeWriter, 1)
	failure := make(chan error, 1)
	td := startDoor(t, Config{Kind: URL, Streaming: true}, func(*local.Request) (*local.Response, error) {
		pr, pw := io.Pipe()
		pipes <- pw
		var serr error
		return &local.Response{RequestID: runtimeapi.NewRequestID(), Streaming: true, Body: pr,
			StreamError: func() error {
				select {
				case serr = <-failure:
				default:
				}
				return serr
			}}, nil
	})
	done := make(chan struct{})
	var body []byte
	var rerr error
	go func() {
		defer close(done)
		resp, err := td.srv.Client().Get(td.srv.URL + "/")
		if err != nil {
			rerr = err
			return
		}
		defer resp.Body.Close()
		body, rerr = io.ReadAll(resp.Body)
	}()
	w := <-pipes
	mustWrite(t, w, `{"statusCode":200}`+"\x00\x00\x00\x00\x00\x00\x00\x00partial")
	failure <- errors.New("Runtime.Unknown: boom")
	w.Close()
	<-done
	if rerr == nil || !errors.Is(rerr, io.ErrUnexpectedEOF) {
		t.Errorf("client read error %v, want a truncated body (unexpected EOF)", rerr)
	}
	if string(body) != "partial" {
		t.Errorf("body before truncation = %q", body)
	}
	if !strings.Contains(td.log.String(), "mid-stream") {
		t.Errorf("log = %q", td.log.String())
	}
}

func TestStreamingInvalidResponses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stream string
		err    error
	}{
		{"no delimiter", `{"statusCode":200}` + "body without delimiter", nil},
		{"short delimiter", `{"statusCode":200}` + "\x00\x00\x00\x00body", nil},
		{"prelude not JSON", "hello\x00\x00\x00\x00\x00\x00\x00\x00body", nil},
		{"bad status", `{"statusCode":"x"}` + "\x00\x00\x00\x00\x00\x00\x00\x00", nil},
		{"prelude past 16 KB", `{"statusCode":200,"headers":{"a":"` + strings.Repeat("a", maxPrelude+10) + `"}}` + "\x00\x00\x00\x00\x00\x00\x00\x00", nil},
		{"error before the prelude", `{"statusCo`, errors.New("boom")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td := startDoor(t, Config{Kind: URL, Streaming: true}, func(*local.Request) (*local.Response, error) {
				return &local.Response{RequestID: runtimeapi.NewRequestID(), Streaming: true,
					Body:        io.NopCloser(strings.NewReader(tc.stream)),
					StreamError: func() error { return tc.err }}, nil
			})
			resp, body := td.get(t, "/", nil)
			if resp.StatusCode != 502 || string(body) != "Internal Server Error" {
				t.Errorf("got %d %q, want 502 Internal Server Error", resp.StatusCode, body)
			}
		})
	}
}

func TestStreamingModeMismatch(t *testing.T) {
	t.Run("buffered function behind a streaming URL", func(t *testing.T) {
		td := startDoor(t, Config{Kind: URL, Streaming: true}, result(okResult))
		resp, body := td.get(t, "/", nil)
		if resp.StatusCode != 200 || string(body) != okResult {
			t.Errorf("got %d %q, want the result document itself", resp.StatusCode, body)
		}
	})
	t.Run("streaming function behind a buffered URL", func(t *testing.T) {
		td := startDoor(t, Config{Kind: URL}, func(*local.Request) (*local.Response, error) {
			return &local.Response{RequestID: runtimeapi.NewRequestID(), Streaming: true,
				Body: io.NopCloser(strings.NewReader(`{"statusCode":200}` + "\x00\x00\x00\x00\x00\x00\x00\x00hi"))}, nil
		})
		resp, _ := td.get(t, "/", nil)
		if resp.StatusCode != 502 {
			t.Errorf("status %d, want 502", resp.StatusCode)
		}
	})
	t.Run("function error before streaming", func(t *testing.T) {
		td := startDoor(t, Config{Kind: URL, Streaming: true}, failed(local.FailureFunction, "Runtime.Unknown"))
		resp, body := td.get(t, "/", nil)
		if resp.StatusCode != 502 || string(body) != "Internal Server Error" {
			t.Errorf("got %d %q", resp.StatusCode, body)
		}
	})
}

func TestStreamingClientGoneClosesBody(t *testing.T) {
	closed := make(chan struct{})
	td := startDoor(t, Config{Kind: URL, Streaming: true}, func(*local.Request) (*local.Response, error) {
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte(`{"statusCode":200}` + "\x00\x00\x00\x00\x00\x00\x00\x00"))
			for {
				if _, err := pw.Write([]byte(strings.Repeat("x", 1024))); err != nil {
					close(closed) // the front door closed the body: the invocation can finish
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		return &local.Response{RequestID: runtimeapi.NewRequestID(), Streaming: true, Body: pr}, nil
	})
	resp, err := td.srv.Client().Get(td.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	_, _ = io.ReadFull(resp.Body, buf)
	resp.Body.Close()
	td.srv.CloseClientConnections()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream body was not closed after the client went away")
	}
}

func mustWrite(t *testing.T, w io.Writer, s string) {
	t.Helper()
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatalf("writing the stream: %v", err)
	}
}

func readLineWithin(t *testing.T, br *bufio.Reader, d time.Duration) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() {
		s, _ := br.ReadString('\n')
		ch <- s
	}()
	select {
	case s := <-ch:
		return s
	case <-time.After(d):
		t.Fatal("a chunk did not reach the client while the function kept the stream open")
		return ""
	}
}
