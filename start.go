package slipway

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// Start runs h as a Lambda function against the Runtime API until the process is stopped.
//
// It reads AWS_LAMBDA_RUNTIME_API (required: Start only works on Lambda or an emulator; use
// ListenAndServe to run anywhere) and AWS_LAMBDA_MAX_CONCURRENCY (Lambda Managed Instances:
// that many invocations are served at once, 1 when unset). Invalid options or environment are
// reported to Lambda as an init error and returned.
//
// On SIGTERM or SIGINT, Start stops taking invocations, lets those in progress finish and
// returns nil. It returns an error when the Runtime API fails, after which the process should
// exit so Lambda replaces the environment.
func Start(h http.Handler, opts ...Option) error {
	return NewHandler(h, opts...).serveLambda(context.Background(), os.Getenv)
}

// serveLambda is Start with its context and environment supplied.
func (h *Handler) serveLambda(ctx context.Context, getenv func(string) string) error {
	addr := getenv(runtimeapi.EnvRuntimeAPI)
	if addr == "" {
		return errors.New("slipway: " + runtimeapi.EnvRuntimeAPI + " is not set: Start runs only on Lambda; use ListenAndServe to run anywhere")
	}
	c, err := runtimeapi.NewClient(addr, nil)
	if err != nil {
		return err
	}
	c.Logger = h.opts.logger
	info, err := runtimeapi.FunctionInfoFromEnv(getenv)
	if err == nil {
		err = h.err
	}
	if err != nil {
		if ierr := c.InitError(ctx, err); ierr != nil {
			return errors.Join(err, ierr)
		}
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return c.Serve(ctx, info.MaxConcurrency, h.handleInvocation)
}
