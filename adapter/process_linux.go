package adapter

import "syscall"

// appSysProcAttr puts the app in its own process group and has the kernel kill it when slipway
// dies, however it dies (Lambda SIGKILLs the runtime at shutdown or after a timeout). SIGKILL, not
// SIGTERM: a replacement runtime may start at once and needs the port.
func appSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
