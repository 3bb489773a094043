//go:build unix

package local

import (
	"syscall"
)

// The processes of an environment share one pipe for stdout and stderr, as Lambda merges both
// into one log stream. Reads happen under outMu, from the reader goroutine when the pipe is
// readable and from drainOutput when an invocation ends: whatever a function printed before it
// posted its response is attributed to that invocation, never to the next one.

// readOutput copies the log pipe to the log until the pipe is closed.
func (e *environment) readOutput() {
	rc, err := e.logR.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 64<<10)
	for {
		var eof bool
		err := rc.Read(func(fd uintptr) bool {
			e.outMu.Lock()
			defer e.outMu.Unlock()
			eof = e.readAvailable(fd, buf)
			return eof
		})
		if err != nil || eof {
			return
		}
	}
}

// drainOutput processes whatever the pipe holds right now.
func (e *environment) drainOutput() {
	if e.logR == nil {
		return
	}
	rc, err := e.logR.SyscallConn()
	if err != nil {
		return
	}
	var buf [16 << 10]byte
	e.outMu.Lock()
	defer e.outMu.Unlock()
	rc.Control(func(fd uintptr) { e.readAvailable(fd, buf[:]) })
}

// readAvailable reads the non-blocking pipe until it is empty; it reports whether the pipe is
// at EOF (or broken). Called with outMu held.
func (e *environment) readAvailable(fd uintptr, buf []byte) (eof bool) {
	for {
		n, err := syscall.Read(int(fd), buf)
		if n > 0 {
			e.processOutput(buf[:n])
			continue
		}
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		return true // n == 0: every writer is gone; or a real error
	}
}
