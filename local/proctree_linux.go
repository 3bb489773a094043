package local

import (
	"bytes"
	"os"
	"strconv"
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

// peakMemoryKB is the sum of VmHWM (peak resident set) over pids, in KiB. Summing per-process
// peaks over-estimates when the peaks did not coincide; it is the closest /proc gets to the
// cgroup peak Lambda reports.
func peakMemoryKB(pids []int) int64 {
	var total int64
	for _, p := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/status")
		if err != nil {
			continue
		}
		total += statusField(b, "VmHWM:")
	}
	return total
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

// processTreePeakKB measures everything procs started (the processes and whatever they forked,
// adopted orphans included), without the supervisors themselves.
func processTreePeakKB(procs []*process) int64 {
	var total int64
	for _, p := range procs {
		select {
		case <-p.gone:
			continue
		default:
		}
		total += peakMemoryKB(descendants(p.supervisor))
	}
	return total
}
