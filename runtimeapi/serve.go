package runtimeapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
)

// HandlerFunc handles one invocation. It must finish it with exactly one of Respond, RespondError
// or a Stream; Serve reports a returned error via RespondError if nothing was posted yet.
type HandlerFunc func(ctx context.Context, c *Client, inv *Invocation) error

// Serve runs workers concurrent pollers (Next → h) until ctx ends or the Runtime API fails.
// ctx passed to h carries the invocation (FromContext) and its deadline.
//
// For each invocation, after h returns:
//   - a stream h opened and left open is closed, with h's error as trailers if it returned one;
//   - if h posted nothing, its error is posted with RespondError, and a nil error becomes a
//     Runtime.NoResponse error rather than an invocation that never ends;
//   - a panic in h is recovered and reported like a returned error (type Runtime.Panic, with its
//     stack), and the poller goes on.
//
// Posts must use the ctx h received (or one derived from it) for Serve to see them.
//
// When ctx ends, Serve stops polling, lets invocations in progress finish (their contexts are not
// cancelled, only bounded by their deadline) and returns nil. A failure of the API itself — /next
// refused or answered with anything but 200, a post answered with 5xx or not at all — stops every
// poller the same way and is returned: the process should exit so Lambda replaces it. A post
// refused with 4xx concerns one invocation only; it is logged and polling continues.
//
// With one worker, the trace id of each invocation is also put in _X_AMZN_TRACE_ID, as Lambda's
// own runtimes do; with several there is no single current invocation, so the variable is left
// alone and the trace id lives only in the invocation.
func (c *Client) Serve(ctx context.Context, workers int, h HandlerFunc) error {
	if workers < 1 {
		workers = 1
	}
	pollCtx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, workers)
	for range workers {
		go func() { errc <- c.pollLoop(ctx, pollCtx, workers == 1, h) }()
	}
	var first error
	for range workers {
		if err := <-errc; err != nil && first == nil {
			first = err
			stop()
		}
	}
	return first
}

// pollLoop is one worker: Next, handle, repeat. It returns nil once pollCtx ends.
func (c *Client) pollLoop(ctx, pollCtx context.Context, setTraceEnv bool, h HandlerFunc) error {
	// Invocations outlive a stop request: they get the caller's values but not its
	// cancellation, and end by their own deadline.
	base := context.WithoutCancel(ctx)
	for {
		inv, err := c.Next(pollCtx)
		if err != nil {
			if pollCtx.Err() != nil {
				return nil
			}
			var bad *MalformedInvocationError
			if errors.As(err, &bad) {
				c.logger().Error("runtimeapi: unusable invocation", "requestId", bad.RequestID, "error", bad.Err)
				if perr := c.RespondError(base, bad.RequestID, bad); fatalPostError(perr) {
					return perr
				}
				continue
			}
			return err
		}
		if setTraceEnv {
			os.Setenv(EnvTraceID, inv.TraceID)
		}
		if err := c.handle(base, inv, h); err != nil {
			return err
		}
	}
}

// handle runs h for inv and makes sure the invocation ends with exactly one result. The error it
// returns is fatal for the runtime.
func (c *Client) handle(base context.Context, inv *Invocation, h HandlerFunc) error {
	st := &invocationState{}
	inv.state = st
	ctx, cancel := NewContext(base, inv)
	defer cancel()

	herr := callHandler(ctx, c, inv, h)

	st.mu.Lock()
	posted, stream, released := st.posted, st.stream, st.released
	st.mu.Unlock()
	if released {
		putPayload(inv.Payload)
		inv.Payload = nil
	}

	// Serve's own posts must not be cut short by the invocation deadline: Lambda decides
	// about timeouts, and a late report is better than none.
	pctx := context.WithoutCancel(ctx)
	var perr error
	switch {
	case stream != nil:
		var closed bool
		closed, perr = stream.closeAfterHandler(herr)
		if !closed && herr != nil {
			c.logger().Error("runtimeapi: handler failed after its stream was closed",
				"requestId", inv.RequestID, "error", herr)
		}
	case posted:
		if herr != nil {
			c.logger().Error("runtimeapi: handler failed after posting its result",
				"requestId", inv.RequestID, "error", herr)
		}
		return nil
	case herr != nil:
		perr = c.RespondError(pctx, inv.RequestID, herr)
	default:
		perr = c.RespondError(pctx, inv.RequestID, &Error{
			Type:    ErrorTypeNoResponse,
			Message: "the handler returned without posting a response",
		})
	}
	if fatalPostError(perr) {
		return perr
	}
	if perr != nil {
		c.logger().Error("runtimeapi: could not finish invocation", "requestId", inv.RequestID, "error", perr)
	}
	return nil
}

// callHandler runs h, turning a panic into an *Error with the panic's stack.
func callHandler(ctx context.Context, c *Client, inv *Invocation, h HandlerFunc) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = PanicError(v)
		}
	}()
	return h(ctx, c, inv)
}

// PanicError describes a recovered panic value as an invocation error: its ErrorType when the
// value has one, else Runtime.Panic; its message; and the stack of the panicking goroutine, from
// the function that panicked down, as "function (file:line)" frames. Call it in the deferred
// function that recovered.
func PanicError(v any) *Error {
	e := &Error{Type: ErrorTypePanic, Message: fmt.Sprint(v)}
	if err, ok := v.(error); ok {
		e.Message = err.Error()
		var et ErrorTyper
		if errors.As(err, &et) && et.ErrorType() != "" {
			e.Type = et.ErrorType()
		}
	}
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var stack []string
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" {
			// Everything so far is the recovering code; the panicking function comes next.
			stack = stack[:0]
		} else {
			stack = append(stack, f.Function+" ("+f.File+":"+strconv.Itoa(f.Line)+")")
		}
		if !more {
			break
		}
	}
	if len(stack) > 32 {
		stack = stack[:32]
	}
	e.StackTrace = stack
	return e
}
