package adapter

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// Options configure an Adapter beyond its Config: who the app is and how it was started.
type Options struct {
	Config *Config
	Logger *slog.Logger // nil: NewLogger(Config, os.Stdout)
	// App is the app process this adapter supervises (wrapper mode); nil when the app is not
	// ours to watch (extension mode: it is the image's CMD or the layer's wrapper).
	App *App
	// ExtensionName, when set, registers the adapter as a Lambda extension under this name (the
	// executable's file name in /opt/extensions). Registration makes Lambda send SIGTERM to the
	// runtime process at shutdown, so the app can stop gracefully.
	ExtensionName string
	// RegistrationRequired makes a failed registration fatal (extension mode); otherwise it is
	// logged and the adapter carries on (wrapper mode, where registering is only a bonus).
	RegistrationRequired bool
	// Start is when the process started, the origin of the 9.8 s async-init budget and of the
	// readiness timeout. Zero means when Run is called.
	Start time.Time
}

// Adapter runs the Runtime API loop in front of the app.
type Adapter struct {
	cfg        *Config
	opts       Options
	log        *slog.Logger
	dec        *event.Decoder
	app        *appClient
	ready      *readiness
	proc       *App
	appAddr    string // host:port of the app, for URLs and pass-through Host
	ctxHeaders contextHeaders
	respOpts   *event.ResponseOptions

	readyCh   chan struct{} // closed once the app passed its readiness check
	notReady  chan struct{} // closed when readiness failed for good (readyErr says why)
	readyErr  error
	readyOnce sync.Once

	inflight   sync.WaitGroup
	fatalOnce  sync.Once
	fatalErr   error
	stopServe  context.CancelCauseFunc
	stopServeM sync.Mutex
}

// New prepares an adapter; nothing is started until Run.
func New(opts Options) (*Adapter, error) {
	cfg := opts.Config
	if cfg == nil {
		return nil, errors.New("adapter: Options.Config is required")
	}
	log := opts.Logger
	if log == nil {
		log = NewLogger(cfg, nil)
	}
	dec, err := event.NewDecoder(event.Options{BasePath: cfg.BasePath, PassThroughPath: cfg.PassThroughPath})
	if err != nil {
		return nil, err
	}
	a := &Adapter{
		cfg:      cfg,
		opts:     opts,
		log:      log,
		dec:      dec,
		app:      newAppClient(cfg),
		proc:     opts.App,
		readyCh:  make(chan struct{}),
		notReady: make(chan struct{}),
		appAddr:  cfg.AppAddr(),
		ctxHeaders: newContextHeaders(LambdaEnvConfig{
			FunctionName: cfg.Function.Name,
			Memory:       cfg.Function.MemoryMB,
			Version:      cfg.Function.Version,
			LogStream:    cfg.Function.LogStream,
			LogGroup:     cfg.Function.LogGroup,
		}),
	}
	a.respOpts = &event.ResponseOptions{PassThroughFailure: a.passThroughFails}
	a.ready = newReadiness(cfg, a.app.pool, log)
	if a.opts.Start.IsZero() {
		a.opts.Start = time.Now()
	}
	return a, nil
}

// passThroughFails decides whether a non-HTTP event's reply fails the invocation: the listed error
// statuses when AWS_LWA_ERROR_STATUS_CODES is set, else any 5xx (so SQS redelivers).
func (a *Adapter) passThroughFails(status int) bool {
	if !a.cfg.ErrorStatus.Empty() {
		return a.cfg.ErrorStatus.Contains(status)
	}
	return status >= 500
}

// Run registers (when asked), waits for the app, and serves invocations until ctx ends (a
// graceful stop: polling ends, in-flight invocations finish up to their deadlines), the app exits,
// or the Runtime API fails. A nil error means a graceful stop.
func (a *Adapter) Run(ctx context.Context) error {
	for _, w := range a.cfg.Warnings {
		a.log.Warn(w)
	}
	defer a.app.close()
	rc, err := runtimeapi.NewClient(a.cfg.RuntimeAPI, nil)
	if err != nil {
		return err
	}
	if a.opts.ExtensionName != "" {
		if err := a.register(ctx); err != nil {
			if a.opts.RegistrationRequired {
				return err
			}
			a.log.Warn("cannot register as a Lambda extension; the app will get no SIGTERM at shutdown", "error", err)
		}
	}

	// Readiness is abandoned when the app process exits: there is nothing left to wait for.
	initCtx, stopInit := context.WithCancelCause(ctx)
	defer stopInit(nil)
	if a.proc != nil {
		go func() {
			select {
			case <-a.proc.Done():
				stopInit(errAppExited)
			case <-initCtx.Done():
			}
		}()
	}
	if err := a.initReadiness(initCtx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		a.log.Error("init failed", "errorType", errorType(err), "error", err.Error())
		if perr := rc.InitError(context.WithoutCancel(ctx), asLambdaError(err)); perr != nil {
			a.log.Error("cannot post the init error", "error", perr)
		}
		return err
	}
	if a.cfg.SnapStart {
		if err := a.snapStart(ctx, rc); err != nil {
			return err
		}
	}
	return a.serve(ctx, rc)
}

var errAppExited = errors.New("app exited")

// initReadiness waits for the app during init. With async init it gives up after 9.8 s, lets init
// finish, and keeps checking in the background; the first invocations wait for it.
func (a *Adapter) initReadiness(ctx context.Context) error {
	var overall time.Time
	if a.cfg.ReadinessTimeout > 0 {
		overall = a.opts.Start.Add(a.cfg.ReadinessTimeout)
	}
	waitCtx, cancel := ctx, context.CancelFunc(func() {})
	bound := overall
	if a.cfg.AsyncInit {
		if async := a.opts.Start.Add(asyncInitBudget); bound.IsZero() || async.Before(bound) {
			bound = async
		}
	}
	if !bound.IsZero() {
		waitCtx, cancel = context.WithDeadline(ctx, bound)
	}
	err := a.ready.wait(waitCtx)
	cancel()
	switch {
	case err == nil:
		a.markReady(nil)
		return nil
	case context.Cause(ctx) == errAppExited:
		return a.markReady(newFailure(ErrorTypeAppExited, nil, "the app exited before it was ready: %s", a.proc.describeExit()))
	case ctx.Err() != nil:
		return ctx.Err()
	case !overall.IsZero() && !time.Now().Before(overall):
		return a.markReady(a.readinessTimeout())
	}
	// Async init: init ends now, readiness goes on behind the first invocation.
	a.log.Info("app is not ready yet; finishing init (async init), invocations will wait for it",
		"after_ms", time.Since(a.opts.Start).Milliseconds())
	go func() {
		bg, cancel := ctx, context.CancelFunc(func() {})
		if !overall.IsZero() {
			bg, cancel = context.WithDeadline(context.WithoutCancel(ctx), overall)
		}
		defer cancel()
		if a.proc != nil {
			var stop context.CancelFunc
			bg, stop = context.WithCancel(bg)
			defer stop()
			go func() {
				select {
				case <-a.proc.Done():
					stop()
				case <-bg.Done():
				}
			}()
		}
		switch err := a.ready.wait(bg); {
		case err == nil:
			a.markReady(nil)
		case a.appExited():
			a.fatal(a.markReady(newFailure(ErrorTypeAppExited, nil, "the app exited before it was ready: %s", a.proc.describeExit())))
		case !overall.IsZero():
			a.fatal(a.markReady(a.readinessTimeout()))
		}
	}()
	return nil
}

func (a *Adapter) readinessTimeout() error {
	return newFailure(ErrorTypeReadinessTimeout, nil, "the app was not ready within %s (%s=%g) at %s",
		a.cfg.ReadinessTimeout, EnvReadinessTimeout, a.cfg.ReadinessTimeout.Seconds(), a.ready.target())
}

// markReady records the outcome of readiness once: nil = ready.
func (a *Adapter) markReady(err error) error {
	a.readyOnce.Do(func() {
		if err == nil {
			close(a.readyCh)
			return
		}
		a.readyErr = err
		close(a.notReady)
	})
	return err
}

// waitReady blocks an invocation until the app is ready (only ever waits with async init).
func (a *Adapter) waitReady(ctx context.Context) error {
	select {
	case <-a.readyCh:
		return nil
	default:
	}
	select {
	case <-a.readyCh:
		return nil
	case <-a.notReady:
		return a.readyErr
	case <-ctx.Done():
		return newFailure(ErrorTypeAppNotReady, nil, "the app was not ready before the invocation deadline (%s)", a.ready.target())
	}
}

// serve runs the Runtime API loop.
func (a *Adapter) serve(ctx context.Context, rc *runtimeapi.Client) error {
	serveCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	a.stopServeM.Lock()
	a.stopServe = stop
	fatal := a.fatalErr
	a.stopServeM.Unlock()
	if fatal != nil {
		return fatal
	}
	if a.proc != nil {
		go func() {
			select {
			case <-a.proc.Done():
				a.fatal(newFailure(ErrorTypeAppExited, nil, "the app exited: %s", a.proc.describeExit()))
			case <-serveCtx.Done():
			}
		}()
	}
	workers := a.cfg.Function.MaxConcurrency
	a.log.Debug("serving invocations", "workers", workers, "app", a.cfg.AppAddr(), "invoke_mode", string(a.cfg.InvokeMode))
	err := rc.Serve(serveCtx, workers, a.handle)
	a.inflight.Wait()
	a.stopServeM.Lock()
	fatal = a.fatalErr
	a.stopServeM.Unlock()
	switch {
	case fatal != nil:
		return fatal
	case ctx.Err() != nil:
		return nil
	}
	return err
}

// fatal stops the adapter because the environment cannot serve any more (the app exited, or it
// never became ready): Run returns err and the process exits, so Lambda replaces the environment.
func (a *Adapter) fatal(err error) {
	a.fatalOnce.Do(func() {
		a.stopServeM.Lock()
		a.fatalErr = err
		stop := a.stopServe
		a.stopServeM.Unlock()
		a.log.Error("stopping: the environment cannot serve", "errorType", errorType(err), "error", err.Error())
		if stop != nil {
			stop(err)
		}
	})
}

func (a *Adapter) appExited() bool {
	if a.proc == nil {
		return false
	}
	select {
	case <-a.proc.Done():
		return true
	default:
		return false
	}
}

// register registers as an external extension subscribed to nothing, then calls event/next once
// so Lambda counts the extension as initialised. The call blocks for the environment's life.
func (a *Adapter) register(ctx context.Context) error {
	ec, err := runtimeapi.NewExtensionClient(a.cfg.ExtensionAPI, nil)
	if err != nil {
		return err
	}
	reg, err := ec.Register(ctx, a.opts.ExtensionName, []string{})
	if err != nil {
		return newFailure(ErrorTypeRegistration, err, "cannot register extension %q", a.opts.ExtensionName)
	}
	a.log.Debug("registered as a Lambda extension", "name", a.opts.ExtensionName)
	go func() {
		for {
			ev, err := ec.NextEvent(ctx, reg.ID)
			if err != nil {
				if ctx.Err() == nil {
					a.log.Debug("extension event loop ended", "error", err)
				}
				return
			}
			a.log.Debug("extension event", "type", ev.EventType)
		}
	}()
	return nil
}
