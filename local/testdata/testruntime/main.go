// Command testruntime is a Lambda runtime for slipway local's tests, written against the
// Runtime API with nothing but net/http, like any custom runtime.
//
// Its first argument picks the init behaviour: "ok" (default), "init-error" (post /init/error
// and exit), "init-exit" (exit 3 during init), "init-hang" (never call /next), "fork" (start a
// grandchild in its own session that sleeps forever, print its pid, then serve).
// An event with a requestContext (from a front door) is answered with a proxy response whose
// body is the event. Otherwise the event's "action" field picks the invocation behaviour:
//
//	pong            respond "pong" (the trivial function of the benchmarks)
//	nap             sleep "ms" milliseconds, then respond "pong"
//	echo (default)  respond {"event":…,"headers":{…},"env":{…},"pid":N}
//	sleep           sleep "ms" milliseconds, then echo with "slept": [start, end] in Unix ns
//	error           post /error with errorType "Test.Failure"
//	crash           exit with status 1 (after printing a line)
//	hang            never respond
//	print           print "lines" lines to stdout and stderr, then echo
//	stream          after "ms" milliseconds, stream "chunks" chunks of "chunk" text, "gapms"
//	                apart; "fail": end with error trailers
//	big             respond with "bytes" bytes
//	exit-after      respond, then exit 0
//	memory          allocate and touch "mb" MB, then echo
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	api    = "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime"
	client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
)

type event struct {
	Action string `json:"action"`
	Ms     int    `json:"ms"`
	Lines  int    `json:"lines"`
	Chunks int    `json:"chunks"`
	Chunk  string `json:"chunk"`
	GapMs  int    `json:"gapms"`
	Fail   bool   `json:"fail"`
	Bytes  int    `json:"bytes"`
	MB     int    `json:"mb"`
}

var (
	ballast [][]byte
	pong    = []byte(`"pong"`)
)

func main() {
	mode := "ok"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "init-error":
		post("/init/error", "Test.InitFailure", []byte(`{"errorMessage":"cannot start","errorType":"Test.InitFailure"}`), nil)
		os.Exit(1)
	case "init-exit":
		fmt.Println("exiting during init")
		os.Exit(3)
	case "init-hang":
		select {}
	case "idle":
		// The test itself speaks the Runtime API; this process only tells it where.
		fmt.Printf("RUNTIME_API=%s\n", os.Getenv("AWS_LAMBDA_RUNTIME_API"))
		select {}
	case "fork":
		cmd := exec.Command("sleep", "3600")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			fmt.Println("fork failed:", err)
			os.Exit(1)
		}
		fmt.Printf("grandchild pid %d\n", cmd.Process.Pid)
	}
	if os.Getenv("TEST_SIGTERM_LOG") != "" {
		go func() {
			ch := make(chan os.Signal, 1)
			signalNotify(ch)
			<-ch
			os.WriteFile(os.Getenv("TEST_SIGTERM_LOG"), []byte("SIGTERM\n"), 0o644)
			os.Exit(0)
		}()
	}
	workers, _ := strconv.Atoi(os.Getenv("AWS_LAMBDA_MAX_CONCURRENCY"))
	for i := 1; i < workers; i++ {
		go poll()
	}
	poll()
}

func poll() {
	for {
		resp, err := client.Get(api + "/invocation/next")
		if err != nil {
			fmt.Fprintln(os.Stderr, "next:", err)
			os.Exit(2)
		}
		payload, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			fmt.Fprintln(os.Stderr, "next status:", resp.StatusCode)
			os.Exit(2)
		}
		handle(resp.Header, payload)
	}
}

func handle(h http.Header, payload []byte) {
	id := h.Get("Lambda-Runtime-Aws-Request-Id")
	var ev event
	json.Unmarshal(payload, &ev)
	var front struct {
		RequestContext json.RawMessage `json:"requestContext"`
	}
	if json.Unmarshal(payload, &front) == nil && front.RequestContext != nil {
		// An HTTP event from a front door: answer with the proxy response shape every front
		// door accepts, carrying the event back.
		out, _ := json.Marshal(map[string]any{"statusCode": 200, "headers": map[string]string{"content-type": "application/json"}, "body": string(payload)})
		post("/invocation/"+id+"/response", "", out, nil)
		return
	}
	var slept []int64 // when a sleep action ran, so tests can see invocations overlap
	switch ev.Action {
	case "pong":
		post("/invocation/"+id+"/response", "", pong, nil)
		return
	case "nap":
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
		post("/invocation/"+id+"/response", "", pong, nil)
		return
	case "sleep":
		from := time.Now()
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
		slept = []int64{from.UnixNano(), time.Now().UnixNano()}
	case "error":
		post("/invocation/"+id+"/error", "Test.Failure", []byte(`{"errorMessage":"it failed","errorType":"Test.Failure","stackTrace":["main.go:1"]}`), nil)
		return
	case "crash":
		fmt.Println("about to crash")
		os.Exit(1)
	case "hang":
		fmt.Println("hanging")
		select {}
	case "print":
		for i := 0; i < ev.Lines; i++ {
			fmt.Printf("stdout line %d\n", i)
			fmt.Fprintf(os.Stderr, "stderr line %d\n", i)
		}
	case "stream":
		stream(id, ev)
		return
	case "big":
		post("/invocation/"+id+"/response", "", bytes.Repeat([]byte("x"), ev.Bytes), nil)
		return
	case "memory":
		b := make([]byte, ev.MB<<20)
		for i := range b {
			b[i] = 1
		}
		ballast = append(ballast, b)
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	out, _ := json.Marshal(map[string]any{"event": json.RawMessage(payload), "headers": h, "env": env, "pid": os.Getpid(), "slept": slept})
	post("/invocation/"+id+"/response", "", out, nil)
	if ev.Action == "exit-after" {
		os.Exit(0)
	}
}

func post(path, errType string, body []byte, hdr http.Header) {
	req, _ := http.NewRequest("POST", api+path, bytes.NewReader(body))
	if errType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errType)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "post:", err)
		os.Exit(2)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 {
		fmt.Fprintf(os.Stderr, "post %s: %d %s\n", path, resp.StatusCode, b)
	}
}

// stream posts a chunked response by hand over a raw connection, so each chunk leaves at once
// and the error trailers are real HTTP trailers.
func stream(id string, ev event) {
	time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
	conn, err := net.Dial("tcp", os.Getenv("AWS_LAMBDA_RUNTIME_API"))
	if err != nil {
		os.Exit(2)
	}
	defer conn.Close()
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: runtime\r\n", id)
	fmt.Fprintf(w, "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n")
	fmt.Fprintf(w, "Content-Type: text/plain\r\n")
	fmt.Fprintf(w, "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n")
	w.Flush()
	for i := 0; i < ev.Chunks; i++ {
		if i > 0 && ev.GapMs > 0 {
			time.Sleep(time.Duration(ev.GapMs) * time.Millisecond)
		}
		c := fmt.Sprintf("%s%d;", ev.Chunk, i)
		fmt.Fprintf(w, "%x\r\n%s\r\n", len(c), c)
		w.Flush()
	}
	fmt.Fprintf(w, "0\r\n")
	if ev.Fail {
		body := base64.StdEncoding.EncodeToString([]byte(`{"errorMessage":"broke mid-stream","errorType":"Test.StreamFailure"}`))
		fmt.Fprintf(w, "Lambda-Runtime-Function-Error-Type: Test.StreamFailure\r\nLambda-Runtime-Function-Error-Body: %s\r\n", body)
	}
	fmt.Fprintf(w, "\r\n")
	w.Flush()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 202 {
		fmt.Fprintln(os.Stderr, "stream post failed:", err)
	}
}
