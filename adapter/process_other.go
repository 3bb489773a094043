//go:build !unix

package adapter

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

func appSysProcAttr() *syscall.SysProcAttr { return nil }

func signalGroup(p *os.Process, sig os.Signal) error { return p.Signal(sig) }

// execApp runs the app as a child and exits with its code: there is no exec(2) here.
func execApp(path string, argv, env []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(ee.ExitCode())
	}
	if err == nil {
		os.Exit(0)
	}
	return err
}

// forwardedSignals are passed on to the app in wrapper mode.
var forwardedSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}
