package local

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

var slipwayBin, testRuntime, awsFn string

// TestMain builds slipway, the platform's own test runtime and the aws-lambda-go function.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slipway-conformance-local-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	slipwayBin = filepath.Join(dir, "slipway")
	testRuntime = filepath.Join(dir, "testruntime")
	awsFn = filepath.Join(dir, "awsfn")
	for _, b := range []struct{ out, pkg, dir string }{
		{slipwayBin, "./cmd/slipway", "../.."},
		{testRuntime, "./local/testdata/testruntime", "../.."},
		{awsFn, "./testdata/awsfn", "."},
	} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Dir, cmd.Stderr = b.dir, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n", b.pkg, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) add(line string) { s.mu.Lock(); s.b.WriteString(line + "\n"); s.mu.Unlock() }
func (s *syncBuffer) String() string  { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startLocal runs slipway local and returns a Lambda client for it.
func startLocal(t *testing.T, args ...string) (*lambda.Client, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(slipwayBin, append([]string{"local", "--listen", "127.0.0.1:0"}, args...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`Invoke API on (http://[0-9.:]+)/`)
		for sc.Scan() {
			log.add(sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("slipway local:\n%s", log.String())
		}
	})
	var endpoint string
	select {
	case endpoint = <-addr:
	case <-time.After(15 * time.Second):
		t.Fatalf("slipway local did not start:\n%s", log.String())
	}
	client := lambda.New(lambda.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLOCAL", SecretAccessKey: "local-secret", Source: "test"}, nil
		}),
		RetryMaxAttempts: 1,
	})
	return client, log
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestSDKInvoke(t *testing.T) {
	client, log := startLocal(t, "--runtime", "--name", "sdk-fn", "--", testRuntime)
	c := ctx(t)

	out, err := client.Invoke(c, &lambda.InvokeInput{
		FunctionName:  aws.String("sdk-fn"),
		Payload:       []byte(`{"action":"print","lines":1}`),
		LogType:       types.LogTypeTail,
		ClientContext: aws.String(base64.StdEncoding.EncodeToString([]byte(`{"custom":{"who":"sdk"}}`))),
	})
	if err != nil {
		t.Fatal(err)
	}
	var echo struct {
		Event   json.RawMessage
		Headers map[string][]string
	}
	if err := json.Unmarshal(out.Payload, &echo); err != nil {
		t.Fatalf("payload %s: %v", out.Payload, err)
	}
	if out.StatusCode != 200 || aws.ToString(out.ExecutedVersion) != "$LATEST" || out.FunctionError != nil ||
		string(echo.Event) != `{"action":"print","lines":1}` || echo.Headers["Lambda-Runtime-Client-Context"][0] != `{"custom":{"who":"sdk"}}` {
		t.Errorf("sync invoke: %d %v %v %s", out.StatusCode, aws.ToString(out.ExecutedVersion), out.FunctionError, out.Payload)
	}
	tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if !strings.Contains(string(tail), "stdout line 0\n") || !strings.Contains(string(tail), "REPORT RequestId: ") {
		t.Errorf("LogResult:\n%s", tail)
	}

	out, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:123456789012:function:sdk-fn"), Payload: []byte(`{"action":"error"}`)})
	if err != nil || out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorType":"Test.Failure"`) {
		t.Errorf("function error: %v %+v", err, out)
	}

	out, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("sdk-fn"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"action":"print","lines":1}`)})
	if err != nil || out.StatusCode != 202 || len(out.Payload) != 0 {
		t.Errorf("Event: %v %+v", err, out)
	}
	out, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("sdk-fn"), InvocationType: types.InvocationTypeDryRun, Qualifier: aws.String("$LATEST")})
	if err != nil || out.StatusCode != 204 {
		t.Errorf("DryRun: %v %+v", err, out)
	}

	_, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || !strings.Contains(aws.ToString(nf.Message), "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope") {
		t.Errorf("unknown function: %v", err)
	}
	_, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("sdk-fn"), Payload: []byte(`not json`)})
	var bad *types.InvalidRequestContentException
	if !errors.As(err, &bad) {
		t.Errorf("invalid payload: %v", err)
	}
	_, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("sdk-fn"), Payload: make([]byte, 6291457)})
	var big *types.RequestTooLargeException
	var apiErr smithy.APIError
	if !errors.As(err, &big) && !(errors.As(err, &apiErr) && apiErr.ErrorCode() == "RequestEntityTooLargeException") {
		t.Errorf("oversize payload: %v", err)
	}
	if !regexp.MustCompile(`END RequestId: [0-9a-f-]{36}\n`).MatchString(log.String()) {
		t.Errorf("no END line in the log")
	}
}

func TestSDKThrottle(t *testing.T) {
	client, _ := startLocal(t, "--runtime", "--concurrency", "1", "--", testRuntime)
	c := ctx(t)
	done := make(chan error, 1)
	go func() {
		_, err := client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("function"), Payload: []byte(`{"action":"sleep","ms":600}`)})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	_, err := client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("function"), Payload: []byte(`{}`)})
	var tm *types.TooManyRequestsException
	if !errors.As(err, &tm) || tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded {
		t.Errorf("second concurrent invocation: %v", err)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

func TestSDKInvokeWithResponseStream(t *testing.T) {
	client, _ := startLocal(t, "--runtime", "--", testRuntime)
	c := ctx(t)
	for _, tt := range []struct {
		payload, want, errCode string
	}{
		{`{"action":"stream","chunks":3,"chunk":"s"}`, "s0;s1;s2;", ""},
		{`{"action":"stream","chunks":2,"chunk":"f","fail":true}`, "f0;f1;", "Test.StreamFailure"},
	} {
		out, err := client.InvokeWithResponseStream(c, &lambda.InvokeWithResponseStreamInput{
			FunctionName: aws.String("function"), Payload: []byte(tt.payload), LogType: types.LogTypeTail,
		})
		if err != nil {
			t.Fatal(err)
		}
		stream := out.GetStream()
		var got strings.Builder
		var complete *types.InvokeWithResponseStreamCompleteEvent
		for ev := range stream.Events() {
			switch v := ev.(type) {
			case *types.InvokeWithResponseStreamResponseEventMemberPayloadChunk:
				got.Write(v.Value.Payload)
			case *types.InvokeWithResponseStreamResponseEventMemberInvokeComplete:
				complete = &v.Value
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatalf("event stream: %v", err)
		}
		stream.Close()
		if got.String() != tt.want || complete == nil || aws.ToString(complete.ErrorCode) != tt.errCode {
			t.Errorf("stream %s: payload %q, complete %+v", tt.payload, got.String(), complete)
			continue
		}
		logText, _ := base64.StdEncoding.DecodeString(aws.ToString(complete.LogResult))
		if !strings.Contains(string(logText), "REPORT RequestId:") {
			t.Errorf("InvokeComplete LogResult:\n%s", logText)
		}
	}
}

// An aws-lambda-go function, unchanged, under --runtime.
func TestAWSLambdaGoFunction(t *testing.T) {
	client, log := startLocal(t, "--runtime", "--name", "gofn", "--memory", "256", "--timeout", "9", "--", awsFn)
	c := ctx(t)
	out, err := client.Invoke(c, &lambda.InvokeInput{
		FunctionName:  aws.String("gofn"),
		Payload:       []byte(`{}`),
		ClientContext: aws.String(base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))),
	})
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		RequestID, FunctionArn, FunctionName, LogStream, TraceEnv string
		DeadlineInMs                                              int64
		ClientCustom                                              map[string]string
		MemoryLimitMB                                             int
	}
	if err := json.Unmarshal(out.Payload, &res); err != nil {
		t.Fatalf("%s: %v", out.Payload, err)
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(res.RequestID) || res.FunctionArn != "arn:aws:lambda:us-east-1:123456789012:function:gofn" ||
		res.FunctionName != "gofn" || res.MemoryLimitMB != 256 || res.ClientCustom["k"] != "v" || res.DeadlineInMs < 8000 || res.DeadlineInMs > 9000 ||
		!strings.Contains(res.LogStream, "[$LATEST]") || !strings.HasPrefix(res.TraceEnv, "Root=1-") {
		t.Errorf("the function saw %+v", res)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(log.String(), "START RequestId: "+res.RequestID); {
		if time.Now().After(deadline) {
			t.Fatalf("START line does not carry the function's request id:\n%s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	out, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"fail"}`)})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorMessage":"the function failed"`) {
		t.Errorf("returned error: %v %s", err, out.Payload)
	}
	out, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"panic"}`)})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "the function panicked") {
		t.Errorf("panic: %v %s", err, out.Payload)
	}
	out, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"exit"}`)})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorType":"Runtime.ExitError"`) ||
		!strings.Contains(string(out.Payload), "Runtime exited with error: exit status 4") {
		t.Errorf("exit: %v %s", err, out.Payload)
	}
	// Still serving after the crash, in a fresh environment.
	out, err = client.Invoke(c, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{}`)})
	if err != nil || out.FunctionError != nil {
		t.Errorf("after the crash: %v %s", err, out.Payload)
	}
	if !strings.Contains(log.String(), "Init Duration") {
		t.Error("no cold start reported")
	}
}
