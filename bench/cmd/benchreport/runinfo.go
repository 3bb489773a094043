package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Raw is everything scripts/bench leaves in its raw directory: the machine, one Section per
// `go test -bench` it ran, and the binary's size.
type Raw struct {
	Dir      string
	Machine  KV
	Sections map[string]*Section
	Order    []string // section names, in the order they ran
	Binary   KV       // empty when the binary was not measured
}

// KV is a file of "key: value" lines.
type KV map[string]string

// Section is one `go test -bench` invocation: its output and what ran it.
type Section struct {
	Name   string
	Meta   KV
	Output *Output
	Usage  Usage
}

// Usage is what the machine did while a section ran, from the counters the script recorded
// before and after it.
type Usage struct {
	Wall        time.Duration
	LoadAvg1    float64 // the 1-minute load average when the section started
	OthersCores float64 // CPU that processes other than this run's used, in cores (CPU-seconds per second)
	StealCores  float64 // CPU the hypervisor gave to other guests, in cores
	Known       bool    // false when the counters are missing (an output not made by scripts/bench)
}

func readKV(path string) (KV, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseKV(f)
}

func parseKV(r io.Reader) (KV, error) {
	kv := KV{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return kv, sc.Err()
}

// LoadRaw reads a raw directory: machine.txt, <section>.txt with <section>.meta, binary.txt.
func LoadRaw(dir string) (*Raw, error) {
	raw := &Raw{Dir: dir, Sections: map[string]*Section{}}
	var err error
	if raw.Machine, err = readKV(filepath.Join(dir, "machine.txt")); err != nil {
		return nil, err
	}
	if raw.Binary, err = readKV(filepath.Join(dir, "binary.txt")); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	metas, err := filepath.Glob(filepath.Join(dir, "*.meta"))
	if err != nil {
		return nil, err
	}
	type started struct {
		name string
		at   float64
	}
	var order []started
	for _, m := range metas {
		name := strings.TrimSuffix(filepath.Base(m), ".meta")
		s := &Section{Name: name}
		if s.Meta, err = readKV(m); err != nil {
			return nil, err
		}
		f, err := os.Open(filepath.Join(dir, name+".txt"))
		if err != nil {
			return nil, err
		}
		s.Output, err = ParseOutput(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s.txt: %v", name, err)
		}
		s.Usage = usage(s.Meta, raw.Machine)
		raw.Sections[name] = s
		at, _ := strconv.ParseFloat(s.Meta["time-start"], 64)
		order = append(order, started{name, at})
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s: no benchmark outputs (*.meta with *.txt)", dir)
	}
	slices.SortStableFunc(order, func(a, b started) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	for _, o := range order {
		raw.Order = append(raw.Order, o.name)
	}
	return raw, nil
}

// usage derives a section's Usage from its meta: the machine's busy CPU time (/proc/stat: user,
// nice, system, irq, softirq) minus the CPU time of the script's children (the go command, the
// test binary and every process a benchmark started) is what other processes used.
func usage(meta, machine KV) Usage {
	var u Usage
	u.LoadAvg1, _ = strconv.ParseFloat(firstField(meta["loadavg-start"]), 64)
	t0, err0 := strconv.ParseFloat(meta["time-start"], 64)
	t1, err1 := strconv.ParseFloat(meta["time-end"], 64)
	busy0, steal0, ok0 := procStatCPU(meta["cpu-start"])
	busy1, steal1, ok1 := procStatCPU(meta["cpu-end"])
	c0, okc0 := childrenCPU(meta["children-start"])
	c1, okc1 := childrenCPU(meta["children-end"])
	hz, errHz := strconv.ParseFloat(machine["clk-tck"], 64)
	if err0 != nil || err1 != nil || t1 <= t0 || !ok0 || !ok1 || !okc0 || !okc1 || errHz != nil || hz <= 0 {
		return u
	}
	wall := t1 - t0
	u.Wall = time.Duration(wall * float64(time.Second))
	others := (busy1-busy0)/hz - (c1 - c0)
	u.OthersCores = max(others, 0) / wall
	u.StealCores = max(steal1-steal0, 0) / hz / wall
	u.Known = true
	return u
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// procStatCPU reads the aggregate "cpu" line of /proc/stat: user nice system idle iowait irq
// softirq steal …, in clock ticks.
func procStatCPU(line string) (busy, steal float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, false
	}
	var v [8]float64
	for i := range v {
		x, err := strconv.ParseFloat(f[i+1], 64)
		if err != nil {
			return 0, 0, false
		}
		v[i] = x
	}
	return v[0] + v[1] + v[2] + v[5] + v[6], v[7], true
}

// childrenCPU reads bash's `times` line for children, "0m1.234s 0m0.567s" (user, system), in
// seconds.
func childrenCPU(s string) (float64, bool) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, false
	}
	var sum float64
	for _, x := range f {
		m, sec, ok := strings.Cut(strings.TrimSuffix(x, "s"), "m")
		if !ok {
			return 0, false
		}
		mv, err1 := strconv.ParseFloat(m, 64)
		sv, err2 := strconv.ParseFloat(sec, 64)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		sum += mv*60 + sv
	}
	return sum, true
}

// Get is the benchmark name of section, or nil.
func (r *Raw) Get(section, name string) *Benchmark {
	if s := r.Sections[section]; s != nil {
		return s.Output.Get(name)
	}
	return nil
}

// Missing lists the benchmarks a section was meant to run (its meta's "benchmarks") that
// produced no result and did not skip.
func (s *Section) Missing() []string {
	var missing []string
	for _, f := range strings.Fields(s.Meta["benchmarks"]) {
		name := strings.TrimPrefix(f, "Benchmark")
		found := false
		for _, b := range s.Output.Benchmarks {
			found = found || Top(b.Name) == name
		}
		for sk := range s.Output.Skipped {
			found = found || Top(sk) == name
		}
		if !found {
			missing = append(missing, name)
		}
	}
	return missing
}
