//go:build unix

package adapter

import (
	"os"
	"syscall"
)

func signalGroup(p *os.Process, sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return p.Signal(sig)
	}
	// The app leads its own group (Setpgid), so -pid addresses every process in it.
	if err := syscall.Kill(-p.Pid, s); err != nil {
		return p.Signal(sig)
	}
	return nil
}

// execApp replaces slipway with the app (off Lambda, or when an extension already serves the
// Runtime API): same PID, same signals, nothing in between.
func execApp(path string, argv, env []string) error { return syscall.Exec(path, argv, env) }

// forwardedSignals are passed on to the app in wrapper mode.
var forwardedSignals = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2}
