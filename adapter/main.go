package adapter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// appStopGrace is how long wrapper mode waits for the app after forwarding SIGTERM. Lambda's own
// budget is shorter; this only matters off the platform's clock (tests, emulators).
const appStopGrace = 10 * time.Second

// RunWrapper is `slipway run -- CMD ARGS…`. Off Lambda (no AWS_LAMBDA_RUNTIME_API) it execs CMD,
// so one image runs anywhere. On Lambda it starts CMD, waits for it, and serves invocations —
// unless a slipway extension already serves this environment, in which case it execs CMD and
// leaves the Runtime API to the extension. It returns the process exit code.
func RunWrapper(argv []string) int {
	start := time.Now()
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "slipway run: missing command; usage: slipway run [--] CMD [ARGS…]")
		return 2
	}
	api, onLambda := os.LookupEnv(runtimeapi.EnvRuntimeAPI)
	if !onLambda || api == "" {
		return execOrReport(argv, os.Environ())
	}
	if runtimeClaimed(api) {
		// A slipway extension serves this environment: be the app, and a plain web server (an
		// app that would poll /next itself when it sees the Runtime API must not).
		return execOrReport(argv, appEnv(os.Environ()))
	}
	cfg, err := LoadConfig(os.LookupEnv)
	if err != nil {
		return configFailed(err)
	}
	log := NewLogger(cfg, os.Stdout)

	app, err := StartApp(argv, nil)
	if err != nil {
		f := newFailure(ErrorTypeAppExited, err, "cannot start the app")
		log.Error("init failed", "errorType", f.typ, "error", f.Error())
		postInitError(api, f)
		return 127
	}
	defer app.Kill() // the whole group, grandchildren included

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	go func() {
		for sig := range sigs {
			log.Debug("forwarding signal to the app", "signal", sig.String())
			_ = app.Signal(sig)
			if sig == syscall.SIGTERM || sig == syscall.SIGINT {
				stop() // stop polling; in-flight invocations finish up to their deadlines
			}
		}
	}()

	a, err := New(Options{Config: cfg, Logger: log, App: app, ExtensionName: filepath.Base(os.Args[0]), Start: start})
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}
	err = a.Run(ctx)
	switch {
	case errors.Is(err, errAppExited) || errorType(err) == ErrorTypeAppExited:
		<-app.Done()
		return app.ExitCode()
	case err != nil:
		log.Error("stopped", "errorType", errorType(err), "error", err.Error())
		return 1
	}
	// Graceful stop: the app got the signal; give it time to finish and report its own status.
	select {
	case <-app.Done():
		if app.exitedCleanly() {
			return 0
		}
		return app.ExitCode()
	case <-time.After(appStopGrace):
		log.Warn("the app did not exit after SIGTERM; killing it")
		return 1
	}
}

// RunExtension is the adapter started by Lambda from /opt/extensions/<name> with no arguments: it
// registers as an extension under name and serves the Runtime API for the app Lambda starts as
// the runtime (the image's CMD, or the handler script the layer's wrapper execs).
func RunExtension(name string) int {
	start := time.Now()
	cfg, err := LoadConfig(os.LookupEnv)
	if err != nil {
		return configFailed(err)
	}
	log := NewLogger(cfg, os.Stdout)
	claim, err := claimRuntime(cfg.ExtensionAPI)
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}
	defer claim.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	a, err := New(Options{Config: cfg, Logger: log, ExtensionName: name, RegistrationRequired: true, Start: start})
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}
	if err := a.Run(ctx); err != nil {
		log.Error("stopped", "errorType", errorType(err), "error", err.Error())
		return 1
	}
	return 0
}

// execOrReport replaces this process with argv in env; it returns only on failure.
func execOrReport(argv, env []string) int {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "slipway run: %v\n", err)
		return 127
	}
	err = execApp(path, argv, env)
	fmt.Fprintf(os.Stderr, "slipway run: cannot exec %s: %v\n", argv[0], err)
	return 126
}

// configFailed reports an invalid configuration before anything starts (adapter.md §2.1).
func configFailed(err error) int {
	fmt.Fprintf(os.Stderr, "slipway: invalid configuration:\n%v\n", err)
	if api := os.Getenv(runtimeapi.EnvRuntimeAPI); api != "" {
		postInitError(api, &failure{typ: ErrorTypeConfig, msg: "invalid configuration: " + err.Error()})
	}
	return 2
}

// postInitError tells Lambda why init failed, best effort: the exit that follows fails init anyway.
func postInitError(api string, err error) {
	rc, cerr := runtimeapi.NewClient(api, nil)
	if cerr != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = rc.InitError(ctx, asLambdaError(err))
}
