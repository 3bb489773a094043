//go:build !unix

package local

// readOutput copies the log pipe to the log until the pipe is closed. Without non-blocking
// pipe reads, output is attributed to the invocation current when it is read.
func (e *environment) readOutput() {
	buf := make([]byte, 64<<10)
	for {
		n, err := e.logR.Read(buf)
		if n > 0 {
			e.outMu.Lock()
			e.processOutput(buf[:n])
			e.outMu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (e *environment) drainOutput() {}
