package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// snapStart runs the SnapStart lifecycle of a custom runtime: the before-checkpoint hook, then
// restore/next (which returns only in a restored environment), then the after-restore hook and a
// fresh readiness check before any invocation. The hooks are plain POSTs to the app with an empty
// body; anything but 2xx fails the phase.
func (a *Adapter) snapStart(ctx context.Context, rc *runtimeapi.Client) error {
	if p := a.cfg.BeforeCheckpointPath; p != "" {
		err := a.waitReady(ctx)
		if err == nil {
			err = a.postHook(ctx, p)
		}
		if err != nil {
			f := newFailure(ErrorTypeSnapStartHook, err, "SnapStart before-checkpoint hook %s failed", p)
			_ = rc.InitError(context.WithoutCancel(ctx), asLambdaError(f))
			return f
		}
	}
	base := runtimeBase(a.cfg.RuntimeAPI)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+runtimeapi.PathRestoreNext, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("SnapStart restore/next: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("SnapStart restore/next: unexpected status %d", resp.StatusCode)
	}
	a.log.Debug("restored from a SnapStart snapshot")

	err = nil
	if p := a.cfg.AfterRestorePath; p != "" {
		if herr := a.postHook(ctx, p); herr != nil {
			err = newFailure(ErrorTypeSnapStartHook, herr, "SnapStart after-restore hook %s failed", p)
		}
	}
	if err == nil {
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if a.cfg.ReadinessTimeout > 0 {
			rctx, cancel = context.WithTimeout(ctx, a.cfg.ReadinessTimeout)
		}
		if rerr := a.ready.wait(rctx); rerr != nil {
			err = newFailure(ErrorTypeSnapStartHook, rerr, "the app was not ready after the SnapStart restore")
		}
		cancel()
	}
	if err != nil {
		a.postRestoreError(ctx, base, err)
		return err
	}
	return nil
}

func (a *Adapter) postHook(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+a.cfg.AppAddr()+path, http.NoBody)
	if err != nil {
		return err
	}
	resp, err := a.app.fresh.RoundTrip(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func (a *Adapter) postRestoreError(ctx context.Context, base string, err error) {
	lerr := asLambdaError(err)
	body, _ := json.Marshal(lerr)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, base+runtimeapi.PathRestoreError, bytes.NewReader(body))
	if rerr != nil {
		return
	}
	req.Header.Set(runtimeapi.HeaderFunctionErrorType, lerr.Type)
	req.Header.Set("Content-Type", "application/json")
	resp, rerr := http.DefaultClient.Do(req)
	if rerr != nil {
		a.log.Error("cannot post the restore error", "error", rerr)
		return
	}
	resp.Body.Close()
}

// runtimeBase turns AWS_LAMBDA_RUNTIME_API (host:port, maybe with http:// and a path prefix) into
// a URL prefix.
func runtimeBase(addr string) string {
	addr = strings.TrimSuffix(addr, "/")
	if strings.HasPrefix(addr, "http://") {
		return addr
	}
	return "http://" + addr
}
