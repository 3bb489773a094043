package local

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The supervisor is the small process between the Function and the processes of one
// environment (its runtime and extensions). It exists because nothing else keeps the promise
// "no orphan, ever" on Linux:
//
//   - It is a child subreaper (PR_SET_CHILD_SUBREAPER), so whatever the processes fork, even a
//     daemon that double-forks into its own session, stays below it and can be found in /proc.
//   - It holds the read end of a control pipe whose only write end is in the Function's process.
//     When that process dies for any reason, SIGKILL included, the kernel closes the write end,
//     the supervisor reads EOF and kills its whole subtree before exiting.
//   - Each process runs in its own process group with Pdeathsig SIGKILL, so it dies with the
//     supervisor even if the supervisor is killed on its own.
//
// The supervisor is the Function's own executable re-executed with a marker as argv[0] (see
// init below): no separate binary, and no environment variable that could leak into the
// processes it starts. Supervisors are started ahead of need (one spare per Function), so a cold
// start pays for the runtime's exec only, not for a second program's start-up.
//
// Protocol, one line per message. fd 3 carries commands: "start ID JSON" (a supervisorStart),
// "term ID" (SIGTERM to the process), "kill ID" (SIGKILL to its process group); EOF kills
// everything and ends the supervisor. fd 4 carries replies: "pid ID PID" or "error ID MESSAGE"
// for a start, "exit ID STATE" when a process has exited (STATE as in os.ProcessState.String),
// then EOF once nothing below the supervisor is left. stdout and stderr are the log pipe, which
// the processes inherit.
const supervisorArg0 = "[slipway local supervisor]"

func init() {
	if len(os.Args) == 1 && os.Args[0] == supervisorArg0 {
		os.Exit(runSupervisor())
	}
}

// supervisorStart is the JSON of a start command.
type supervisorStart struct {
	Path string   `json:"path"`
	Argv []string `json:"argv"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`
}

const prSetChildSubreaper = 36

func runSupervisor() int {
	ctl := os.NewFile(3, "control")
	status := os.NewFile(4, "status")
	if ctl == nil || status == nil {
		fmt.Fprintln(os.Stderr, "slipway local supervisor: started without its control pipes")
		return 2
	}
	// Inherited descriptors are not close-on-exec: keep the pipes out of the processes started,
	// or a process could outlive its supervisor holding them.
	syscall.CloseOnExec(3)
	syscall.CloseOnExec(4)
	// Signals meant for a terminal's foreground group must not end the supervisor before it has
	// cleaned up; its parent tells it what to do through the control pipe.
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGPIPE, syscall.SIGTERM)
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintf(status, "error 0 prctl(PR_SET_CHILD_SUBREAPER): %v\n", errno)
		return 2
	}
	s := &supervisor{status: status, ids: make(map[int]string), started: make(chan struct{}, 1)}
	go s.reap()

	sc := bufio.NewScanner(ctl)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		verb, rest, _ := strings.Cut(sc.Text(), " ")
		id, arg, _ := strings.Cut(rest, " ")
		switch verb {
		case "start":
			s.start(id, arg)
		case "term", "kill":
			s.mu.Lock()
			pid := s.pidOf(id)
			s.mu.Unlock()
			if pid > 0 && verb == "term" {
				syscall.Kill(pid, syscall.SIGTERM)
			} else if pid > 0 {
				syscall.Kill(-pid, syscall.SIGKILL)
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	// EOF (or a broken pipe): the Function is done with us, or gone. Leave nothing behind.
	killSubtree(os.Getpid())
	s.mu.Lock()
	for len(s.ids) > 0 && !s.reaperDone {
		s.mu.Unlock()
		time.Sleep(time.Millisecond)
		s.mu.Lock()
	}
	s.mu.Unlock()
	return 0
}

type supervisor struct {
	mu         sync.Mutex
	status     *os.File
	ids        map[int]string // pid → id of the processes started and not yet reaped
	started    chan struct{}  // wakes the reaper after a start
	reaperDone bool
}

func (s *supervisor) reply(format string, args ...any) {
	fmt.Fprintf(s.status, format+"\n", args...)
}

func (s *supervisor) pidOf(id string) int {
	for pid, pid2id := range s.ids {
		if pid2id == id {
			return pid
		}
	}
	return 0
}

func (s *supervisor) start(id, arg string) {
	var st supervisorStart
	if err := json.Unmarshal([]byte(arg), &st); err != nil {
		s.reply("error %s bad start command: %v", id, err)
		return
	}
	// Hold the lock across the start, so the reaper cannot reap the process before it is known.
	s.mu.Lock()
	proc, err := os.StartProcess(st.Path, st.Argv, &os.ProcAttr{
		Dir:   st.Dir,
		Env:   st.Env,
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Sys:   &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		s.mu.Unlock()
		s.reply("error %s %s", id, strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	s.ids[proc.Pid] = id
	s.mu.Unlock()
	s.reply("pid %s %d", id, proc.Pid)
	select {
	case s.started <- struct{}{}:
	default:
	}
}

// reap collects every child: the processes started and the orphans adopted as a subreaper.
// os.Process.Wait is not used because it would race with this loop.
func (s *supervisor) reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.ECHILD:
			<-s.started // nothing to reap until something starts
			continue
		case err != nil:
			s.mu.Lock()
			s.reaperDone = true
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		id, ok := s.ids[pid]
		delete(s.ids, pid)
		s.mu.Unlock()
		if ok {
			s.reply("exit %s %s", id, waitStatusString(ws))
		}
	}
}

// killSubtree SIGKILLs every descendant of the (subreaper) pid until none is left; the reaper
// collects them, so killed processes leave the list once reaped.
func killSubtree(pid int) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		pids := descendants(pid)
		if len(pids) == 0 {
			return
		}
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitStatusString formats ws the way os.ProcessState.String does ("exit status 1",
// "signal: killed", "signal: aborted (core dumped)"), which is also how Lambda reports it.
func waitStatusString(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return "exit status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		s := "signal: " + ws.Signal().String()
		if ws.CoreDump() {
			s += " (core dumped)"
		}
		return s
	default:
		return fmt.Sprintf("wait status %d", int(ws))
	}
}
