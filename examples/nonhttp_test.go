package examples

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// invokePath is the Lambda Invoke API path of slipway local's function (named "function").
const invokePath = "/2015-03-31/functions/function/invocations"

// invoke calls the Invoke API with payload and returns the status, the X-Amz-Function-Error
// header and the result.
func invoke(t *testing.T, base string, payload []byte) (status int, functionError string, result []byte) {
	t.Helper()
	resp, err := client.Post(base+invokePath, "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	result, err = io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), result
}

type batchResponse struct {
	BatchItemFailures []struct {
		ItemIdentifier string `json:"itemIdentifier"`
	} `json:"batchItemFailures"`
}

// checkSQS invokes the SQS example with its test event and checks the partial batch response.
func checkSQS(t *testing.T, base string) {
	t.Helper()
	event, err := os.ReadFile(filepath.Join("sqs", "testdata", "sqs-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	status, fnErr, result := invoke(t, base, event)
	if status != http.StatusOK || fnErr != "" {
		t.Fatalf("invoke: %d, function error %q: %s", status, fnErr, result)
	}
	var got batchResponse
	if err := json.Unmarshal(result, &got); err != nil {
		t.Fatalf("result %s: %v", result, err)
	}
	var ids []string
	for _, f := range got.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	// The test event's second message has quantity 0 and the third a body that is not JSON.
	want := []string{"9b2e7f44-6c1d-4a3b-8f5e-7d0c2a1b3e02", "c3a8d912-5e6f-4b7a-9c0d-1e2f3a4b5c03"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("batchItemFailures %v, want %v (result %s)", ids, want, result)
	}
}

// TestSQS: an SQS batch through the Invoke API reaches the app at the pass-through path as is,
// and the app's partial batch response is the invocation's result.
func TestSQS(t *testing.T) {
	t.Parallel()
	command, _ := sqs.prepare(t)
	srv := startLocal(t, "slipway local", sqs.image(), nil, command)

	t.Run("partial-batch-failure", func(t *testing.T) { checkSQS(t, srv.base) })

	t.Run("all-succeed", func(t *testing.T) {
		event := []byte(`{"Records":[{"messageId":"m-1","body":"{\"orderId\":\"ord-1\",\"quantity\":1}","eventSource":"aws:sqs"}]}`)
		status, fnErr, result := invoke(t, srv.base, event)
		if status != http.StatusOK || fnErr != "" || compactJSON(result) != `{"batchItemFailures":[]}` {
			t.Errorf("invoke: %d %q %s, want an empty batchItemFailures", status, fnErr, result)
		}
	})

	// An answer with a 5xx status fails the invocation (so SQS retries the whole batch) instead
	// of being taken for a result.
	t.Run("not-an-sqs-event", func(t *testing.T) {
		status, fnErr, result := invoke(t, srv.base, []byte(`{"Records":"oops"}`))
		if status != http.StatusOK || fnErr != "Unhandled" {
			t.Fatalf("invoke: %d, X-Amz-Function-Error %q: %s; want 200 with Unhandled", status, fnErr, result)
		}
		var e struct{ ErrorType, ErrorMessage string }
		if err := json.Unmarshal(result, &e); err != nil || e.ErrorType == "" || !strings.Contains(e.ErrorMessage, "500") {
			t.Errorf("error result %s: want an errorType and a message with the app's status", result)
		}
	})

	if out := srv.out.String(); !strings.Contains(out, "batch of 4: 2 processed, 2 failed") {
		t.Errorf("the app's log line for the test batch is missing from slipway's output")
	}
}

// sseEvent is one server-sent event of the streaming example.
type sseEvent struct {
	name       string
	data       string
	receivedAt time.Time
}

// readSSE GETs url and returns its events with the time each one arrived.
func readSSE(t *testing.T, url string) (*http.Response, []sseEvent) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var events []sseEvent
	var cur sseEvent
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadString('\n')
		if cur.receivedAt.IsZero() && line != "" {
			cur.receivedAt = time.Now()
		}
		switch line = strings.TrimRight(line, "\n"); {
		case line == "" && cur.name != "":
			events = append(events, cur)
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		}
		if err == io.EOF {
			return resp, events
		}
		if err != nil {
			t.Fatalf("reading the event stream: %v", err)
		}
	}
}

// checkSSE reads count ticks interval ms apart and checks whether the first arrived before the
// app wrote the last (streamed) or only after it (buffered).
func checkSSE(t *testing.T, base string, streamed bool) {
	t.Helper()
	const count, interval = 4, 300
	resp, events := readSSE(t, base+fmt.Sprintf("/sse?count=%d&interval=%d", count, interval))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if len(events) != count+1 || events[count].name != "done" {
		t.Fatalf("got %d events %v, want %d ticks and done", len(events), events, count)
	}
	var ticks []time.Time
	for i, ev := range events[:count] {
		var tick struct {
			N, Count int
			At       int64
		}
		if err := json.Unmarshal([]byte(ev.data), &tick); err != nil || ev.name != "tick" || tick.N != i || tick.Count != count {
			t.Fatalf("event %d: %s %s", i, ev.name, ev.data)
		}
		ticks = append(ticks, time.UnixMilli(tick.At))
	}
	first, last := events[0].receivedAt, ticks[count-1]
	if streamed && first.After(last) {
		t.Errorf("first event received at %s, after the app wrote the last at %s: not streamed",
			first.Format(time.StampMilli), last.Format(time.StampMilli))
	}
	if !streamed && first.Add(time.Millisecond).Before(last) {
		t.Errorf("first event received at %s, before the app wrote the last at %s, from a buffered function",
			first.Format(time.StampMilli), last.Format(time.StampMilli))
	}
	if streamed {
		t.Logf("first event received %v before the last was written", last.Sub(first).Round(time.Millisecond))
	}
}

// TestStreamingExample: the server-sent events example streams through a Function URL in
// RESPONSE_STREAM mode, and the same app still works (buffered) behind API Gateway.
func TestStreamingExample(t *testing.T) {
	for _, tc := range []struct {
		name     string
		flags    []string
		streamed bool
	}{
		{"url-stream", []string{"--event", "url", "--stream"}, true},
		{"http-buffered", []string{"--event", "http"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			command, _ := streaming.prepare(t)
			srv := startLocal(t, "slipway local", streaming.image(), tc.flags, command)
			checkSSE(t, srv.base, tc.streamed)
			resp, body := send(t, srv.base, request{method: "GET", target: "/"})
			if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("new EventSource(")) {
				t.Errorf("the page: %d %.200q", resp.StatusCode, body)
			}
		})
	}
}
