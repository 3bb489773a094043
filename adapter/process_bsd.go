//go:build unix && !linux

package adapter

import "syscall"

// appSysProcAttr puts the app in its own process group. There is no Pdeathsig outside Linux; the
// adapter kills the group when it exits normally.
func appSysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
