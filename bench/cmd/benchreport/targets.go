package main

import (
	"fmt"
	"strings"
)

// The project's performance targets (from the issues), each evaluated from the raw outputs:
// the medians over a benchmark's runs are compared with the goal, nothing is typed by hand.
// A target whose benchmark did not run is "not measured", which counts as not met.

// Status is a target's outcome.
type Status int

const (
	NotMeasured Status = iota
	Met
	Missed
)

func (s Status) String() string {
	switch s {
	case Met:
		return "met"
	case Missed:
		return "**missed**"
	}
	return "**not measured**"
}

// Target is one goal and how the run fared against it.
type Target struct {
	Area     string // the BENCHMARKS.md section it belongs to
	What     string // what is measured
	Goal     string // the goal, as the issue states it
	Measured string // the value, with what it was computed from
	Status   Status
}

// Area names, also the section headings of BENCHMARKS.md.
const (
	areaCodec   = "Event codec vs peers"
	areaAdapter = "Adapter"
	areaLocal   = "slipway local"
)

// codecPeers are the peer implementations of the bench module, in the order shown.
var codecPeers = []string{"algnhsa", "apiproxy", "lambdaurl"}

// Targets evaluates every target against raw.
func Targets(raw *Raw) []Target {
	var ts []Target
	ts = append(ts, codecTargets(raw)...)
	ts = append(ts, adapterTargets(raw)...)
	ts = append(ts, localTargets(raw)...)
	return ts
}

// median is the median of unit over the runs of section's benchmark name.
func median(raw *Raw, section, name, unit string) (float64, bool) {
	s, ok := raw.Get(section, name).Stat(unit)
	return s.Median, ok
}

// judge fills Status: ok says whether every input was there, met whether the goal holds.
func judge(t Target, ok, met bool) Target {
	switch {
	case !ok:
		t.Status = NotMeasured
		if t.Measured == "" {
			t.Measured = "—"
		}
	case met:
		t.Status = Met
	default:
		t.Status = Missed
	}
	return t
}

// fastestPeer returns the peer with the smallest median of unit on event, if any ran.
func fastestPeer(raw *Raw, event, unit string) (name string, v float64, ok bool) {
	for _, p := range codecPeers {
		if pv, pok := median(raw, "codec", "Invoke/event="+event+"/impl="+p, unit); pok && (!ok || pv < v) {
			name, v, ok = p, pv, true
		}
	}
	return name, v, ok
}

func codecTargets(raw *Raw) []Target {
	var ts []Target
	for _, ev := range []string{"v1", "v2", "alb", "url"} {
		t := Target{Area: areaCodec, What: "`" + ev + "`: Invoke time, fastest peer ÷ slipway", Goal: "≥ 3×"}
		s, sok := median(raw, "codec", "Invoke/event="+ev+"/impl=slipway", "ns/op")
		peer, p, pok := fastestPeer(raw, ev, "ns/op")
		if sok && pok && s > 0 {
			t.Measured = fmt.Sprintf("%s× (slipway %s, %s %s)", sig3(p/s), formatDuration(s), peer, formatDuration(p))
		}
		ts = append(ts, judge(t, sok && pok && s > 0, s > 0 && p/s >= 3))
	}

	t := Target{Area: areaCodec, What: "`v2`: whole Invoke, slipway", Goal: "≲ 12 µs"}
	s, ok := median(raw, "codec", "Invoke/event=v2/impl=slipway", "ns/op")
	if ok {
		t.Measured = formatDuration(s)
	}
	ts = append(ts, judge(t, ok, s <= 12e3))

	t = Target{Area: areaCodec, What: "`v2-256k`: bytes allocated per Invoke, slipway vs every peer", Goal: "fewer than each peer"}
	s, ok = median(raw, "codec", "Invoke/event=v2-256k/impl=slipway", "B/op")
	var peers []string
	met, anyPeer := ok, false
	for _, p := range codecPeers {
		if v, pok := median(raw, "codec", "Invoke/event=v2-256k/impl="+p, "B/op"); pok {
			anyPeer = true
			peers = append(peers, p+" "+formatBytes(v))
			met = met && s < v
		}
	}
	if ok && anyPeer {
		t.Measured = fmt.Sprintf("slipway %s; %s", formatBytes(s), strings.Join(peers, ", "))
	}
	ts = append(ts, judge(t, ok && anyPeer, met))
	return ts
}

// adapterLatency is what carries the adapter's latency target at size: BenchmarkOverhead when
// the benchmarks have it (one request reaching an adapter whose poller is parked in /next,
// interleaved with the direct request and a loopback round trip, its added/rtt the target
// metric), otherwise BenchmarkAdapter's serial cycle against BenchmarkDirect and
// BenchmarkLoopbackRoundTrip. Values in µs.
type adapterLatency struct {
	source          string // how it was measured, for the reader
	adapter, direct float64
	rtt             float64
	ratio           float64 // (adapter − direct) / rtt
	ok              bool
}

func adapterLatencyAt(raw *Raw, size string) adapterLatency {
	if b := raw.Get("adapter", "Overhead/"+size); b != nil {
		a, aok := b.Stat("adapter-p50-µs")
		d, dok := b.Stat("direct-p50-µs")
		r, rok := b.Stat("rtt-p50-µs")
		q, qok := b.Stat("added/rtt")
		return adapterLatency{source: "`Overhead` (parked poller)", adapter: a.Median, direct: d.Median, rtt: r.Median,
			ratio: q.Median, ok: aok && dok && rok && qok}
	}
	a, aok := median(raw, "adapter", "Adapter/"+size, "p50-µs")
	d, dok := median(raw, "adapter", "Direct/"+size, "p50-µs")
	r, rok := median(raw, "adapter", "LoopbackRoundTrip", "p50-µs")
	l := adapterLatency{source: "`Adapter` − `Direct` (serial cycle)", adapter: a, direct: d, rtt: r, ok: aok && dok && rok && r > 0}
	if l.ok {
		l.ratio = (a - d) / r
	}
	return l
}

// bodySizes are the adapter benchmarks' sub-benchmark names and their body sizes in bytes.
var bodySizes = []struct {
	name  string
	bytes float64
}{{"1KiB", 1 << 10}, {"256KiB", 256 << 10}}

func adapterTargets(raw *Raw) []Target {
	var ts []Target
	for _, size := range bodySizes {
		l := adapterLatencyAt(raw, size.name)
		t := Target{Area: areaAdapter, What: fmt.Sprintf("%s: p50 latency the adapter adds over a direct request, %s", size.name, l.source),
			Goal: "≤ one loopback round trip"}
		if l.ok {
			t.Measured = fmt.Sprintf("%s round trips: +%s (%s − %s); round trip %s", sig3(l.ratio), formatDuration((l.adapter-l.direct)*1e3),
				formatDuration(l.adapter*1e3), formatDuration(l.direct*1e3), formatDuration(l.rtt*1e3))
		}
		ts = append(ts, judge(t, l.ok, l.ratio <= 1))
	}
	for _, size := range bodySizes {
		ts = append(ts, adapterAllocTarget(raw, size.name, size.bytes))
	}

	t := Target{Area: areaAdapter, What: "readiness: app listening → adapter's first `/next`, p50", Goal: "≤ 2 ms"}
	r, ok := median(raw, "adapter-readiness", "Readiness", "p50-µs")
	if ok {
		t.Measured = formatDuration(r * 1e3)
	}
	ts = append(ts, judge(t, ok, r <= 2000))

	t = Target{Area: areaAdapter, What: "idle RSS of `slipway` in extension mode (VmRSS)", Goal: "≤ 15 MB"}
	m, ok := median(raw, "adapter-rss", "IdleRSS", "RSS-MB")
	if ok {
		t.Measured = sig3(m) + " MB"
	}
	ts = append(ts, judge(t, ok, m <= 15))

	t = Target{Area: areaAdapter, What: "stripped binary (`-ldflags='-s -w'`, " + raw.Binary["target"] + ")", Goal: "≤ 12 MB"}
	var size float64
	_, err := fmt.Sscan(raw.Binary["stripped-bytes"], &size)
	ok = err == nil && size > 0
	if ok {
		t.Measured = fmt.Sprintf("%s MB (%s)", sig3(size/1e6), formatBytes(size))
	}
	ts = append(ts, judge(t, ok, size <= 12e6))
	return ts
}

// adapterAllocTarget evaluates "allocates at most 2× the body". BenchmarkAdapterProcess carries
// it when the benchmarks have it: the adapter in a process of its own, whose allocations per
// invocation are exactly the adapter's (adapter-B/body is the target metric). Otherwise the
// in-process estimate: Adapter − Direct − RuntimeAPIOnly (B/op counts the whole benchmark process).
func adapterAllocTarget(raw *Raw, size string, body float64) Target {
	if b := raw.Get("adapter", "AdapterProcess/"+size); b != nil {
		t := Target{Area: areaAdapter, What: size + ": bytes the adapter process allocates per request (`AdapterProcess`)", Goal: "≤ 2× the body"}
		per, pok := b.Stat("adapter-B/op")
		ratio, rok := b.Stat("adapter-B/body")
		if pok && rok {
			t.Measured = fmt.Sprintf("%s = %s× the %s body", formatBytes(per.Median), sig3(ratio.Median), formatBytes(body))
		}
		return judge(t, pok && rok, ratio.Median <= 2)
	}
	t := Target{Area: areaAdapter, What: size + ": bytes the adapter allocates per request (`Adapter` − `Direct` − `RuntimeAPIOnly`, in-process estimate)",
		Goal: "≤ 2× the body"}
	a, aok := median(raw, "adapter", "Adapter/"+size, "B/op")
	d, dok := median(raw, "adapter", "Direct/"+size, "B/op")
	f, fok := median(raw, "adapter", "RuntimeAPIOnly/"+size, "B/op")
	ok := aok && dok && fok
	added := a - d - f
	if ok {
		t.Measured = fmt.Sprintf("%s = %s× the %s body", formatBytes(added), sig3(added/body), formatBytes(body))
	}
	return judge(t, ok, added <= 2*body)
}

// serialRatios are the metrics of the local section that carry the serial-invoke target: every
// ratio a serial-invoke benchmark reports (invoke/bare, p50-invoke/bare, and those of any
// variant, e.g. against slipway local as a separate process).
func serialRatios(raw *Raw) []struct{ bench, unit string } {
	var out []struct{ bench, unit string }
	s := raw.Sections["local"]
	if s == nil {
		return out
	}
	for _, b := range s.Output.Benchmarks {
		if !strings.Contains(b.Name, "Serial") {
			continue
		}
		for _, u := range b.Units {
			if strings.HasSuffix(u, "/bare") {
				out = append(out, struct{ bench, unit string }{b.Name, u})
			}
		}
	}
	return out
}

// serialTarget is the benchmark whose p50-invoke/bare carries the serial-invoke target:
// SerialInvokeProcess (a client → the real slipway local binary → the runtime, against the same
// client → a bare server in another process: what a user meets) when the benchmarks have it,
// otherwise SerialInvoke (the bare server in the benchmark's own process).
func serialTarget(raw *Raw) string {
	if raw.Get("local", "SerialInvokeProcess") != nil {
		return "SerialInvokeProcess"
	}
	return "SerialInvoke"
}

func localTargets(raw *Raw) []Target {
	var ts []Target
	name := serialTarget(raw)
	t := Target{Area: areaLocal, What: fmt.Sprintf("serial invoke ÷ bare loopback round trip, medians (`%s`, `p50-invoke/bare`)", name), Goal: "≤ 4×"}
	v, ok := median(raw, "local", name, "p50-invoke/bare")
	if ok {
		inv, _ := median(raw, "local", name, "invoke-p50-ns")
		bare, _ := median(raw, "local", name, "bare-p50-ns")
		t.Measured = fmt.Sprintf("%s× (%s ÷ %s)", sig3(v), formatDuration(inv), formatDuration(bare))
	}
	ts = append(ts, judge(t, ok, v <= 4))

	t = Target{Area: areaLocal, What: "throughput, 8 environments × 50 ms handler", Goal: "≥ 90 % of 160 req/s"}
	p, ok := median(raw, "local-throughput", "Throughput", "%ideal")
	if ok {
		rps, _ := median(raw, "local-throughput", "Throughput", "req/s")
		t.Measured = fmt.Sprintf("%s %% (%s req/s)", sig3(p), sig3(rps))
	}
	ts = append(ts, judge(t, ok, p >= 90))

	t = Target{Area: areaLocal, What: "cold start added by the platform (`added-ns` = platform − bare)", Goal: "≤ 5 ms"}
	a, ok := median(raw, "local-coldstart", "ColdStart", "added-ns")
	if ok {
		t.Measured = formatDuration(a)
	}
	ts = append(ts, judge(t, ok, a <= 5e6))
	return ts
}
