package local

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// The supervisor is the small process between the Function and each runtime or extension
// process. It exists because nothing else keeps the promise "no orphan, ever" on Linux:
//
//   - It is a child subreaper (PR_SET_CHILD_SUBREAPER), so whatever the process forks, even a
//     daemon that double-forks into its own session, stays below it and can be found in /proc.
//   - It holds the read end of a control pipe whose only write end is in the Function's process.
//     When that process dies for any reason, SIGKILL included, the kernel closes the write end,
//     the supervisor reads EOF and kills its whole subtree before exiting.
//   - The process itself runs in its own process group with Pdeathsig SIGKILL, so it dies with
//     the supervisor even if the supervisor is killed on its own.
//
// The supervisor is the Function's own executable re-executed with a marker as argv[0] (see
// init below); it needs no separate binary and no environment variable that could leak into the
// process it starts.
//
// Protocol. argv: [supervisorArg0, path, argv0, args...]. fd 3 is the control pipe: a 'T' byte
// sends SIGTERM to the process, 'K' or EOF kills the subtree and ends the supervisor. fd 4 is the
// status pipe: "pid N\n" once started (or "error MSG\n"), "exit STATE\n" when the process has
// exited (STATE as in os.ProcessState.String), then EOF once nothing below is left.
const supervisorArg0 = "[slipway local supervisor]"

func init() {
	if len(os.Args) >= 3 && os.Args[0] == supervisorArg0 {
		os.Exit(runSupervisor(os.Args[1], os.Args[2:]))
	}
}

const prSetChildSubreaper = 36

func runSupervisor(path string, argv []string) int {
	ctl := os.NewFile(3, "control")
	status := os.NewFile(4, "status")
	if ctl == nil || status == nil {
		fmt.Fprintln(os.Stderr, "slipway local supervisor: started without its control pipes")
		return 2
	}
	// Signals meant for a terminal's foreground group must not end the supervisor before it has
	// cleaned up; its parent tells it what to do through the control pipe.
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGPIPE)
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)

	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintf(status, "error prctl(PR_SET_CHILD_SUBREAPER): %v\n", errno)
		return 2
	}
	proc, err := os.StartProcess(path, argv, &os.ProcAttr{
		Env:   os.Environ(),
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Sys:   &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		fmt.Fprintf(status, "error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return 127
	}
	pid := proc.Pid
	fmt.Fprintf(status, "pid %d\n", pid)

	// One goroutine reaps every child: the process and the orphans the kernel hands us as a
	// subreaper. os.Process.Wait is not used because it would race with this loop.
	exited := make(chan syscall.WaitStatus, 1)
	go func() {
		for {
			var ws syscall.WaitStatus
			wpid, err := syscall.Wait4(-1, &ws, 0, nil)
			switch {
			case err == syscall.EINTR:
				continue
			case err != nil:
				return // ECHILD: nothing left to reap
			case wpid == pid:
				exited <- ws
			}
		}
	}()

	cmds := make(chan byte, 4)
	go func() {
		var b [1]byte
		for {
			if _, err := ctl.Read(b[:]); err != nil {
				cmds <- ctlKill // the Function is gone (or closed the pipe): clean up
				return
			}
			cmds <- b[0]
		}
	}()

	for {
		select {
		case c := <-cmds:
			switch c {
			case ctlTerminate:
				syscall.Kill(pid, syscall.SIGTERM)
				continue
			case ctlKill:
			default:
				continue
			}
		case <-terms:
		case ws := <-exited:
			fmt.Fprintf(status, "exit %s\n", waitStatusString(ws))
			killSubtree(os.Getpid())
			return 0
		}
		// Kill: the process group first (fast, catches most), then every descendant left.
		syscall.Kill(-pid, syscall.SIGKILL)
		killSubtree(os.Getpid())
		select {
		case ws := <-exited:
			fmt.Fprintf(status, "exit %s\n", waitStatusString(ws))
		case <-time.After(5 * time.Second):
			fmt.Fprintf(status, "exit unknown\n")
		}
		return 0
	}
}

// killSubtree SIGKILLs every descendant of the (subreaper) pid until none is left; the reaping
// goroutine collects them, so killed processes leave the list once reaped.
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
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
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
