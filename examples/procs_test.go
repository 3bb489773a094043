package examples

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// process is a running process found through /proc.
type process struct {
	pid     int
	cmdline string
	marker  string
}

// findProcesses lists the processes whose environment has markerVar set to marker, or to a value
// starting with marker+"/" (a test's subtests). It reads /proc, so it finds nothing on systems
// without it: the orphan check is then a no-op.
func findProcesses(marker string) []process {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	self := os.Getpid()
	var found []process
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil || pid == self {
			continue
		}
		environ, err := os.ReadFile(filepath.Join(dir, "environ"))
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, kv := range bytes.Split(environ, []byte{0}) {
			v, ok := bytes.CutPrefix(kv, []byte(markerVar+"="))
			if !ok {
				continue
			}
			if s := string(v); s == marker || strings.HasPrefix(s, marker+"/") {
				cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
				if isZombie(dir) {
					break // exited, waiting for its parent to reap it: not running
				}
				found = append(found, process{pid: pid, cmdline: strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))), marker: s})
			}
			break
		}
	}
	return found
}

func isZombie(dir string) bool {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return true
	}
	// pid (comm) state …: comm may contain spaces and parentheses, so look after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || len(stat) < i+3 || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

// waitForNoProcesses polls until no process carries marker or the timeout passes, and returns
// the ones still running.
func waitForNoProcesses(marker string, timeout time.Duration) []process {
	deadline := time.Now().Add(timeout)
	for {
		left := findProcesses(marker)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func describeProcesses(ps []process) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  pid %d (%s): %s\n", p.pid, p.marker, p.cmdline)
	}
	return b.String()
}

func killProcesses(ps []process) {
	for _, p := range ps {
		if proc, err := os.FindProcess(p.pid); err == nil {
			proc.Kill()
		}
	}
}
