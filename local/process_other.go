//go:build !unix

package local

import "os/exec"

// startProcess starts spec; killing it kills only the process itself.
func startProcess(spec procSpec) (*process, error) {
	cmd := &exec.Cmd{Path: spec.path, Args: spec.argv, Env: spec.env, Dir: spec.dir, Stdout: spec.out, Stderr: spec.out}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{spec: spec, pid: cmd.Process.Pid, supervisor: cmd.Process.Pid, exited: make(chan struct{}), gone: make(chan struct{})}
	p.signal = func(c byte) {
		if c == ctlKill {
			cmd.Process.Kill()
		}
	}
	go func() {
		cmd.Wait()
		p.state = cmd.ProcessState.String()
		close(p.exited)
		close(p.gone)
	}()
	return p, nil
}
