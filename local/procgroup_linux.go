package local

import (
	"bufio"
	"encoding/json"
	"errors"
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

// procGroup runs the processes of one environment under one supervisor and owns the pipe their
// stdout and stderr share.
type procGroup struct {
	cmd  *exec.Cmd
	logR *os.File // read end of the log pipe

	mu      sync.Mutex
	ctl     *os.File // write end of the control pipe; nil once closed
	nextID  int
	procs   map[string]*process
	pending map[string]chan error
	gone    chan struct{} // closed once the supervisor has exited: nothing is left
}

// newProcGroup starts a supervisor, ready to start processes.
func newProcGroup() (*procGroup, error) {
	exe, err := self()
	if err != nil {
		return nil, fmt.Errorf("locating the slipway executable for the process supervisor: %w", err)
	}
	var pipes [6]*os.File // control r/w, status r/w, log r/w
	for i := 0; i < 6; i += 2 {
		if pipes[i], pipes[i+1], err = os.Pipe(); err != nil {
			for _, f := range pipes[:i] {
				f.Close()
			}
			return nil, err
		}
	}
	ctlR, ctlW, stR, stW, logR, logW := pipes[0], pipes[1], pipes[2], pipes[3], pipes[4], pipes[5]
	cmd := &exec.Cmd{
		Path:       exe,
		Args:       []string{supervisorArg0},
		Stdout:     logW,
		Stderr:     logW,
		ExtraFiles: []*os.File{ctlR, stW},
		// Its own process group: a terminal's Ctrl-C reaches only slipway, which then shuts the
		// environments down in order.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	err = cmd.Start()
	ctlR.Close()
	stW.Close()
	logW.Close() // the supervisor and its processes hold it: EOF once they are all gone
	if err != nil {
		ctlW.Close()
		stR.Close()
		logR.Close()
		return nil, fmt.Errorf("starting the process supervisor: %w", err)
	}
	g := &procGroup{cmd: cmd, logR: logR, ctl: ctlW, procs: make(map[string]*process),
		pending: make(map[string]chan error), gone: make(chan struct{})}
	go g.readStatus(stR)
	return g, nil
}

// readStatus dispatches the supervisor's replies until it exits.
func (g *procGroup) readStatus(stR *os.File) {
	r := bufio.NewReader(stR)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			verb, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
			id, arg, _ := strings.Cut(rest, " ")
			g.mu.Lock()
			switch verb {
			case "pid":
				if p := g.procs[id]; p != nil {
					p.pid, _ = strconv.Atoi(arg)
				}
				if ch := g.pending[id]; ch != nil {
					ch <- nil
					delete(g.pending, id)
				}
			case "error":
				if ch := g.pending[id]; ch != nil {
					ch <- errors.New(arg)
					delete(g.pending, id)
				}
				delete(g.procs, id)
			case "exit":
				if p := g.procs[id]; p != nil {
					p.state = arg
					close(p.exited)
					delete(g.procs, id)
				}
			}
			g.mu.Unlock()
		}
		if err != nil {
			break
		}
	}
	stR.Close()
	g.cmd.Wait()
	g.mu.Lock()
	for id, ch := range g.pending {
		ch <- errors.New("the process supervisor exited")
		delete(g.pending, id)
	}
	for id, p := range g.procs {
		p.state = "signal: killed"
		close(p.exited)
		delete(g.procs, id)
	}
	if g.ctl != nil {
		g.ctl.Close()
		g.ctl = nil
	}
	g.mu.Unlock()
	close(g.gone)
}

// start starts spec and returns once it runs (or could not be started: the error says why,
// e.g. "fork/exec /x: no such file or directory").
func (g *procGroup) start(spec procSpec) (*process, error) {
	cmd, err := json.Marshal(supervisorStart{Path: spec.path, Argv: spec.argv, Env: spec.env, Dir: spec.dir})
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	if g.ctl == nil {
		g.mu.Unlock()
		return nil, errors.New("the environment is shutting down")
	}
	g.nextID++
	id := strconv.Itoa(g.nextID)
	p := &process{spec: spec, group: g, exited: make(chan struct{})}
	done := make(chan error, 1)
	g.procs[id], g.pending[id] = p, done
	_, werr := g.ctl.Write([]byte("start " + id + " " + string(cmd) + "\n"))
	g.mu.Unlock()
	if werr != nil {
		return nil, fmt.Errorf("talking to the process supervisor: %w", werr)
	}
	if err := <-done; err != nil {
		return nil, fmt.Errorf("starting %s: %v", spec.path, err)
	}
	return p, nil
}

// signal sends SIGTERM to p, or SIGKILL to its process group.
func (g *procGroup) signal(p *process, kill bool) {
	verb := "term"
	if kill {
		verb = "kill"
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ctl == nil {
		return
	}
	for id, q := range g.procs {
		if q == p {
			g.ctl.Write([]byte(verb + " " + id + "\n"))
		}
	}
}

// close kills every process and everything they started; done is closed once that is over.
func (g *procGroup) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ctl != nil {
		g.ctl.Close() // EOF is the supervisor's signal to clean up
		g.ctl = nil
	}
}

func (g *procGroup) done() <-chan struct{} { return g.gone }

// memRoots are the pids whose descendants are the environment's processes.
func (g *procGroup) memRoots() []int { return []int{g.cmd.Process.Pid} }
