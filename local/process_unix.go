//go:build unix && !linux

package local

import (
	"os/exec"
	"syscall"
)

// startProcess starts spec in its own process group. Without Linux's subreaper, parent-death
// signal and /proc, processes that leave their group, or outlive a slipway killed with SIGKILL,
// are not caught here: the no-orphan guarantee is Linux-only.
func startProcess(spec procSpec) (*process, error) {
	cmd := &exec.Cmd{
		Path:        spec.path,
		Args:        spec.argv,
		Env:         spec.env,
		Dir:         spec.dir,
		Stdout:      spec.out,
		Stderr:      spec.out,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	pid := cmd.Process.Pid
	p := &process{spec: spec, pid: pid, supervisor: pid, exited: make(chan struct{}), gone: make(chan struct{})}
	p.signal = func(c byte) {
		switch c {
		case ctlTerminate:
			syscall.Kill(pid, syscall.SIGTERM)
		case ctlKill:
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	go func() {
		cmd.Wait()
		p.state = cmd.ProcessState.String()
		close(p.exited)
		syscall.Kill(-pid, syscall.SIGKILL)
		close(p.gone)
	}()
	return p, nil
}
