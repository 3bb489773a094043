//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package adapter

import (
	"net"
	"syscall"
)

const canPeek = true

// connAlive reports whether an idle connection is still open for reading: no byte and no end of
// stream waiting on it. It peeks without blocking, so nothing is consumed. An idle keep-alive
// connection has nothing to read; anything there is the app's close (EOF or a reset) or bytes
// the adapter never asked for, and the connection is unusable either way.
func connAlive(c net.Conn) bool {
	if ac, ok := c.(appConn); ok {
		c = ac.Conn
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		_, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK
		return true // one look, never wait for readiness
	})
	return err == nil && alive
}
