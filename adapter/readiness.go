package adapter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Readiness polling: about 1 ms apart while the app is likely still binding its port, then LWA's
// 10 ms. A fixed 10 ms poll adds up to 10 ms to every cold start; a tighter loop for longer only
// burns the CPU the app needs to boot.
const (
	readinessFastInterval = time.Millisecond
	readinessFastPeriod   = 100 * time.Millisecond
	readinessSlowInterval = 10 * time.Millisecond
	// readinessAttemptTimeout bounds one check, so an app that accepts connections but never
	// answers cannot hang init (LWA waits forever). Generous, because the first render of some
	// frameworks takes seconds and a retry would only start it again.
	readinessAttemptTimeout = 5 * time.Second
	readinessLogEvery       = 2 * time.Second
)

// readiness checks that the app accepts traffic, over HTTP or TCP (adapter.md §2).
type readiness struct {
	protocol ReadinessProtocol
	url      string // http://host:port/path for HTTP checks
	addr     string // host:port
	healthy  StatusSet
	rt       http.RoundTripper
	log      *slog.Logger
	now      func() time.Time
	logEvery time.Duration
}

func newReadiness(c *Config, rt http.RoundTripper, log *slog.Logger) *readiness {
	return &readiness{
		protocol: c.ReadinessProtocol,
		url:      "http://" + c.ReadinessAddr() + c.ReadinessPath,
		addr:     c.ReadinessAddr(),
		healthy:  c.HealthyStatus,
		rt:       rt,
		log:      log,
		now:      time.Now,
		logEvery: readinessLogEvery,
	}
}

// wait polls until the app is ready or ctx ends (then it returns ctx's error). It logs
// "app is not ready after Nms" every 2 s of waiting.
func (r *readiness) wait(ctx context.Context) error {
	start := r.now()
	nextLog := r.logEvery
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for attempt := 1; ; attempt++ {
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("%w (last check: %v)", ctx.Err(), last)
			}
			return ctx.Err()
		case <-timer.C:
		}
		err := r.check(ctx)
		if err == nil {
			r.log.Debug("app is ready", "after_ms", r.now().Sub(start).Milliseconds(), "checks", attempt)
			return nil
		}
		if ctx.Err() == nil || last == nil {
			last = err // keep the app's last real answer, not the cancellation that cut a check short
		}
		elapsed := r.now().Sub(start)
		if elapsed >= nextLog {
			r.log.Info(fmt.Sprintf("app is not ready after %dms", nextLog.Milliseconds()),
				"url", r.target(), "last_error", last.Error())
			for nextLog <= elapsed {
				nextLog += r.logEvery
			}
		}
		timer.Reset(pollInterval(elapsed))
	}
}

// pollInterval is the pause before the next check, elapsed into the wait.
func pollInterval(elapsed time.Duration) time.Duration {
	if elapsed < readinessFastPeriod {
		return readinessFastInterval
	}
	return readinessSlowInterval
}

func (r *readiness) target() string {
	if r.protocol == ReadinessTCP {
		return "tcp://" + r.addr
	}
	return r.url
}

var errUnhealthy = errors.New("unhealthy status")

// check runs one readiness check.
func (r *readiness) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readinessAttemptTimeout)
	defer cancel()
	if r.protocol == ReadinessTCP {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", r.addr)
		if err != nil {
			return err
		}
		return conn.Close()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return err
	}
	resp, err := r.rt.RoundTrip(req)
	if err != nil {
		return err
	}
	// Drain a little so the connection can be reused by the first invocation.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
	if !r.healthy.Contains(resp.StatusCode) {
		return fmt.Errorf("%w %d", errUnhealthy, resp.StatusCode)
	}
	return nil
}
