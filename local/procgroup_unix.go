//go:build unix && !linux

package local

import (
	"os/exec"
	"syscall"
)

func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends SIGTERM to pid, or SIGKILL to its process group.
func signalGroup(pid int, kill bool) {
	if kill {
		syscall.Kill(-pid, syscall.SIGKILL)
	} else {
		syscall.Kill(pid, syscall.SIGTERM)
	}
}
