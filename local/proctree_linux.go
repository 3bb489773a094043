package local

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// descendants lists every process below pid, found through /proc/PID/task/TID/children (a
// process's children are recorded per thread, and a subreaper's adopted orphans may land on any
// of its threads).
func descendants(pid int) []int {
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children(p) {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

func children(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	tids, _ := f.Readdirnames(-1)
	f.Close()
	var out []int
	for _, tid := range tids {
		b, err := os.ReadFile(dir + tid + "/children")
		if err != nil {
			continue
		}
		for _, field := range bytes.Fields(b) {
			if c, err := strconv.Atoi(string(field)); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// memProbe measures the memory of an environment's processes. Every rescanEvery it walks the
// process tree (a children file per thread of every process) and reads each process's VmHWM,
// its peak resident set, from /proc/PID/status. In between it reads only the current resident
// set of the known processes from /proc/PID/statm, which the kernel produces about five times
// faster: a REPORT line costs a few microseconds, not a walk of /proc. The figure is the larger
// of the two sums; summing per-process peaks over-estimates when the peaks did not coincide, and
// it is the closest /proc gets to the cgroup peak Lambda reports.
type memProbe struct {
	mu      sync.Mutex
	pids    []int
	scanned time.Time
	buf     [8 << 10]byte
}

const rescanEvery = time.Second

var pageKB = int64(os.Getpagesize() / 1024)

// peakKB measures everything below roots (the supervisors), in KiB.
func (m *memProbe) peakKB(roots []int) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var total int64
	if m.pids == nil || time.Since(m.scanned) > rescanEvery {
		m.pids = m.pids[:0]
		for _, r := range roots {
			m.pids = append(m.pids, descendants(r)...)
		}
		m.scanned = time.Now()
		for _, pid := range m.pids {
			if n := m.read(pid, "/status"); n > 0 {
				total += statusField(m.buf[:n], "VmHWM:")
			}
		}
		return total
	}
	for _, pid := range m.pids {
		n := m.read(pid, "/statm")
		if n <= 0 {
			m.pids = nil // a process is gone: look at the tree again next time
			continue
		}
		// statm: size resident shared text lib data dt, in pages.
		fields := bytes.Fields(m.buf[:n])
		if len(fields) > 1 {
			rss, _ := strconv.ParseInt(string(fields[1]), 10, 64)
			total += rss * pageKB
		}
	}
	return total
}

// read reads /proc/PID/file into m.buf with raw system calls; it returns the length read.
func (m *memProbe) read(pid int, file string) int {
	fd, err := syscall.Open("/proc/"+strconv.Itoa(pid)+file, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	n, err := syscall.Read(fd, m.buf[:])
	syscall.Close(fd)
	if err != nil {
		return 0
	}
	return n
}

// statusField returns the number (KiB) after key in a /proc/PID/status file, 0 if absent.
func statusField(status []byte, key string) int64 {
	i := bytes.Index(status, []byte(key))
	if i < 0 {
		return 0
	}
	rest := status[i+len(key):]
	if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	fields := bytes.Fields(rest)
	if len(fields) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(string(fields[0]), 10, 64)
	return n
}
