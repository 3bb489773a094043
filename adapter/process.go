package adapter

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// App is the web app `slipway run -- CMD` starts and supervises: its own process group, stdout
// and stderr passed through, signals forwarded, and killed with slipway.
type App struct {
	cmd   *exec.Cmd
	done  chan struct{}
	mu    sync.Mutex
	state *os.ProcessState
	err   error
}

// StartApp starts argv[0] with argv[1:] in env (nil: this process's environment). The app gets
// that environment minus the Runtime API address and the trace id: it is a plain web server, and an app that would itself act as a
// Lambda runtime when it sees AWS_LAMBDA_RUNTIME_API (the slipway library does) must not poll
// /next behind the adapter's back.
func StartApp(argv, env []string) (*App, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("no command to run")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = appEnv(env)
	cmd.SysProcAttr = appSysProcAttr()
	p := &App{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig is delivered when the *thread* that forked the child exits; keep this
		// goroutine on its thread until the child is gone so Go cannot retire the thread early.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		p.mu.Lock()
		p.state, p.err = cmd.ProcessState, err
		p.mu.Unlock()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("cannot start %s: %w", argv[0], err)
	}
	return p, nil
}

// appEnv is the environment for the app.
func appEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k == runtimeapi.EnvRuntimeAPI || k == runtimeapi.EnvTraceID {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Pid is the app's process id (and process group id).
func (p *App) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the app has exited.
func (p *App) Done() <-chan struct{} { return p.done }

// Signal sends sig to the app's whole process group, so a shell script that did not exec its
// server still passes SIGTERM on to it.
func (p *App) Signal(sig os.Signal) error { return signalGroup(p.cmd.Process, sig) }

// Kill kills the app's process group.
func (p *App) Kill() { _ = signalGroup(p.cmd.Process, os.Kill) }

// ExitCode is the code slipway should exit with after the app exited: the app's own code, 128+n
// for a signal, and never 0 (an app that stops on its own is a failure to Lambda).
func (p *App) ExitCode() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == nil {
		return 1
	}
	code := p.state.ExitCode()
	if ws, ok := p.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	if code <= 0 {
		code = 1
	}
	return code
}

// exitedCleanly reports whether the app exited with status 0.
func (p *App) exitedCleanly() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state != nil && p.state.ExitCode() == 0
}

// describeExit says how the app ended ("exit status 1", "signal: killed").
func (p *App) describeExit() string {
	if p == nil {
		return "not started"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.state != nil:
		return p.state.String()
	case p.err != nil:
		return p.err.Error()
	}
	return "still running"
}
