package local

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

var (
	selfOnce sync.Once
	selfPath string
	selfErr  error
)

// self is the executable that serves as supervisor (see supervisor_linux.go).
func self() (string, error) {
	selfOnce.Do(func() { selfPath, selfErr = os.Executable() })
	return selfPath, selfErr
}

// startProcess starts spec under its own supervisor and returns once the process runs (or could
// not be started: the error says why, e.g. "no such file or directory").
func startProcess(spec procSpec) (*process, error) {
	exe, err := self()
	if err != nil {
		return nil, fmt.Errorf("locating the slipway executable for the process supervisor: %w", err)
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	stR, stW, err := os.Pipe()
	if err != nil {
		ctlR.Close()
		ctlW.Close()
		return nil, err
	}
	cmd := &exec.Cmd{
		Path:       exe,
		Args:       append([]string{supervisorArg0, spec.path}, spec.argv...),
		Env:        spec.env,
		Dir:        spec.dir,
		Stdout:     spec.out,
		Stderr:     spec.out,
		ExtraFiles: []*os.File{ctlR, stW},
		// Its own process group: a terminal's Ctrl-C reaches only slipway, which then shuts the
		// environments down in order.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	err = cmd.Start()
	ctlR.Close()
	stW.Close()
	if err != nil {
		ctlW.Close()
		stR.Close()
		return nil, fmt.Errorf("starting the process supervisor: %w", err)
	}

	p := &process{spec: spec, supervisor: cmd.Process.Pid, exited: make(chan struct{}), gone: make(chan struct{})}
	closed := false
	p.signal = func(c byte) {
		if closed {
			return
		}
		if c == ctlKill {
			// Closing the pipe is the kill signal; it also works if the write would block.
			ctlW.Close()
			closed = true
			return
		}
		ctlW.Write([]byte{c})
	}

	status := bufio.NewReader(stR)
	first, err := status.ReadString('\n')
	switch {
	case strings.HasPrefix(first, "pid "):
		p.pid, _ = strconv.Atoi(strings.TrimSpace(first[4:]))
	default:
		msg := strings.TrimSpace(strings.TrimPrefix(first, "error "))
		if msg == "" && err != nil {
			msg = "the process supervisor exited early"
		}
		p.kill()
		stR.Close()
		cmd.Wait()
		return nil, fmt.Errorf("starting %s: %s", spec.path, msg)
	}

	go func() {
		defer close(p.gone)
		for {
			line, err := status.ReadString('\n')
			if s, ok := strings.CutPrefix(line, "exit "); ok {
				p.state = strings.TrimSpace(s)
				close(p.exited)
			}
			if err != nil {
				break
			}
		}
		select {
		case <-p.exited:
		default:
			p.state = "the process supervisor died"
			close(p.exited)
		}
		stR.Close()
		cmd.Wait()
		p.mu.Lock()
		if !closed {
			ctlW.Close()
			closed = true
		}
		p.mu.Unlock()
	}()
	return p, nil
}
