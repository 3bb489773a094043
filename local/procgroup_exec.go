//go:build !linux

package local

import (
	"os"
	"os/exec"
	"sync"
)

// procGroup runs the processes of one environment directly. Without Linux's subreaper,
// parent-death signal and /proc, processes that leave their group, or outlive a slipway killed
// with SIGKILL, are not caught here: the no-orphan guarantee is Linux-only.
type procGroup struct {
	logR, logW *os.File

	mu     sync.Mutex
	procs  []*process
	closed bool
	wg     sync.WaitGroup
	gone   chan struct{}
}

func newProcGroup() (*procGroup, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	return &procGroup{logR: r, logW: w, gone: make(chan struct{})}, nil
}

func (g *procGroup) start(spec procSpec) (*process, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, os.ErrClosed
	}
	cmd := &exec.Cmd{Path: spec.path, Args: spec.argv, Env: spec.env, Dir: spec.dir, Stdout: g.logW, Stderr: g.logW}
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{spec: spec, pid: cmd.Process.Pid, group: g, exited: make(chan struct{})}
	g.procs = append(g.procs, p)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		cmd.Wait()
		p.state = cmd.ProcessState.String()
		close(p.exited)
		signalGroup(p.pid, true)
	}()
	return p, nil
}

func (g *procGroup) signal(p *process, kill bool) { signalGroup(p.pid, kill) }

func (g *procGroup) close() {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	procs := append([]*process(nil), g.procs...)
	g.mu.Unlock()
	for _, p := range procs {
		signalGroup(p.pid, true)
	}
	go func() {
		g.wg.Wait()
		g.logW.Close()
		close(g.gone)
	}()
}

func (g *procGroup) done() <-chan struct{} { return g.gone }

func (g *procGroup) memRoots() []int { return nil }
