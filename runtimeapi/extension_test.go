package runtimeapi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
	"github.com/slipway-dev/slipway/runtimeapi/runtimeapitest"
)

func TestExtensionLifecycle(t *testing.T) {
	srv, rt := newPair(t)
	ext, err := runtimeapi.NewExtensionClient("http://"+srv.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	reg, err := ext.Register(ctx, "lambda-adapter", []string{runtimeapi.EventInvoke, runtimeapi.EventShutdown})
	if err != nil {
		t.Fatal(err)
	}
	if reg.ID == "" || reg.FunctionName != runtimeapitest.FunctionName || reg.FunctionVersion != "$LATEST" ||
		reg.Handler == "" || reg.AccountID != runtimeapitest.AccountID {
		t.Errorf("registration %+v", reg)
	}
	if names := srv.Extensions(); len(names) != 1 || names[0] != "lambda-adapter" {
		t.Errorf("registered names %v", names)
	}

	// INVOKE arrives with the invocation's id, ARN, deadline and trace.
	wait := invokeAsync(t, srv, `{}`, &runtimeapitest.InvokeOptions{RequestID: "req-ext", Timeout: time.Minute})
	inv, err := rt.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ext.NextEvent(ctx, reg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventType != runtimeapi.EventInvoke || ev.RequestID != "req-ext" || ev.InvokedFunctionARN != inv.InvokedFunctionARN ||
		ev.DeadlineMs != inv.Deadline.UnixMilli() || ev.Tracing == nil || ev.Tracing.Value != inv.TraceID {
		t.Errorf("INVOKE event %+v", ev)
	}
	rt.Respond(ctx, inv.RequestID, nil)
	wait()

	// SHUTDOWN wakes a waiting NextEvent.
	got := make(chan *runtimeapi.ExtensionEvent, 1)
	go func() {
		ev, err := ext.NextEvent(ctx, reg.ID)
		if err != nil {
			t.Error(err)
		}
		got <- ev
	}()
	srv.Shutdown(runtimeapi.ShutdownSpindown)
	select {
	case ev := <-got:
		if ev == nil || ev.EventType != runtimeapi.EventShutdown || ev.ShutdownReason != "spindown" || ev.DeadlineMs <= time.Now().UnixMilli() {
			t.Errorf("SHUTDOWN event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no SHUTDOWN event")
	}

	if err := ext.ExitError(ctx, reg.ID, typedError{}); err != nil {
		t.Fatal(err)
	}
	if err := ext.InitError(ctx, reg.ID, errors.New("bad config")); err != nil {
		t.Fatal(err)
	}
	errs := srv.ExtensionErrors()
	if len(errs) != 2 || errs[0].Kind != "exit" || errs[0].ErrorType != "App.Typed" || errs[0].Error.Message != "typed failure" ||
		errs[1].Kind != "init" || errs[1].ErrorType != runtimeapi.ErrorTypeExtensionUnknown || errs[1].Name != "lambda-adapter" {
		t.Errorf("extension errors %+v", errs)
	}
}

func TestExtensionSubscriptions(t *testing.T) {
	srv, rt := newPair(t)
	ext, _ := runtimeapi.NewExtensionClient(srv.Addr, nil)
	ctx := testCtx(t)
	reg, err := ext.Register(ctx, "shutdown-only", []string{runtimeapi.EventShutdown})
	if err != nil {
		t.Fatal(err)
	}
	wait := invokeAsync(t, srv, `{}`, nil)
	inv, _ := rt.Next(ctx)
	rt.Respond(ctx, inv.RequestID, nil)
	wait()
	srv.Shutdown(runtimeapi.ShutdownTimeout)
	// The INVOKE it did not subscribe to is not delivered; SHUTDOWN is the first event.
	ev, err := ext.NextEvent(ctx, reg.ID)
	if err != nil || ev.EventType != runtimeapi.EventShutdown || ev.ShutdownReason != "timeout" {
		t.Errorf("event %+v, %v", ev, err)
	}
}

func TestExtensionErrors(t *testing.T) {
	srv, _ := newPair(t)
	ext, _ := runtimeapi.NewExtensionClient(srv.Addr, nil)
	ctx := testCtx(t)
	var ae *runtimeapi.APIError

	if _, err := ext.Register(ctx, "", nil); err == nil {
		t.Error("empty name accepted")
	}
	if _, err := ext.Register(ctx, "x", []string{"BOGUS"}); !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Errorf("unknown event type: %v", err)
	}
	if _, err := ext.NextEvent(ctx, ""); !errors.As(err, &ae) || ae.StatusCode != 403 || ae.Type != "Extension.MissingExtensionIdentifier" {
		t.Errorf("missing identifier: %v", err)
	}
	if _, err := ext.NextEvent(ctx, "not-registered"); !errors.As(err, &ae) || ae.StatusCode != 403 {
		t.Errorf("unknown identifier: %v", err)
	}
	if err := ext.InitError(ctx, "not-registered", errors.New("x")); !errors.As(err, &ae) || ae.StatusCode != 403 {
		t.Errorf("init error with unknown identifier: %v", err)
	}
	if _, err := ext.Register(ctx, "dup", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ext.Register(ctx, "dup", nil); !errors.As(err, &ae) || ae.StatusCode != 409 {
		t.Errorf("duplicate name: %v", err)
	}
	for i := range 9 { // with "dup", ten: Lambda's limit
		if _, err := ext.Register(ctx, "ext-"+string(rune('a'+i)), nil); err != nil {
			t.Fatalf("extension %d: %v", i+2, err)
		}
	}
	if _, err := ext.Register(ctx, "eleventh", nil); !errors.As(err, &ae) || ae.Type != "Extension.TooManyExtensions" {
		t.Errorf("eleventh extension: %v", err)
	}
}

func TestExtensionNextEndsWithContext(t *testing.T) {
	srv, _ := newPair(t)
	ext, _ := runtimeapi.NewExtensionClient(srv.Addr, nil)
	reg, err := ext.Register(testCtx(t), "idle", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := ext.NextEvent(ctx, reg.ID); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("NextEvent: %v", err)
	}
}
