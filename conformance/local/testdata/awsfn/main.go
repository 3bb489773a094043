// Command awsfn is a Lambda function written with aws-lambda-go, run by slipway local with
// --runtime in the conformance tests. Its event's "do" field picks what it does.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Do string `json:"do"`
}

type result struct {
	RequestID     string            `json:"requestId"`
	FunctionARN   string            `json:"functionArn"`
	DeadlineInMs  int64             `json:"deadlineInMs"`
	ClientCustom  map[string]string `json:"clientCustom"`
	FunctionName  string            `json:"functionName"`
	MemoryLimitMB int               `json:"memoryLimitMB"`
	LogStream     string            `json:"logStream"`
	TraceEnv      string            `json:"traceEnv"`
}

func handle(ctx context.Context, ev event) (*result, error) {
	switch ev.Do {
	case "fail":
		return nil, errors.New("the function failed")
	case "panic":
		panic("the function panicked")
	case "exit":
		os.Exit(4)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	return &result{
		RequestID:     lc.AwsRequestID,
		FunctionARN:   lc.InvokedFunctionArn,
		DeadlineInMs:  time.Until(deadline).Milliseconds(),
		ClientCustom:  lc.ClientContext.Custom,
		FunctionName:  lambdacontext.FunctionName,
		MemoryLimitMB: lambdacontext.MemoryLimitInMB,
		LogStream:     lambdacontext.LogStreamName,
		TraceEnv:      os.Getenv("_X_AMZN_TRACE_ID"),
	}, nil
}

func main() { lambda.Start(handle) }
