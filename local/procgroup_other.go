//go:build !unix

package local

import (
	"os"
	"os/exec"
)

func ownGroup(cmd *exec.Cmd) {}

// signalGroup kills pid; there is no SIGTERM here.
func signalGroup(pid int, kill bool) {
	if p, err := os.FindProcess(pid); err == nil && kill {
		p.Kill()
	}
}
