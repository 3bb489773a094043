package main

import (
	"fmt"
	"strings"
)

// BuildChart draws what a reader would rather look at than read: slipway against the peers
// per event, the adapter against a direct request, an invoke through slipway local against a
// bare round trip, throughput against the ideal, cold starts, and the example apps end to end.
// Panels whose benchmarks did not run are left out.
func BuildChart(raw *Raw, subtitle []string) Chart {
	c := Chart{Title: "slipway benchmarks", Subtitle: subtitle}
	for _, p := range []Panel{
		codecPanel(raw, []string{"v1", "v2", "alb", "alb-single", "url"}, "ns/op", "Event codec: Invoke time per AWS sample event (lower is better)", "µs", 1e3),
		codecPanel(raw, []string{"v2-256k"}, "ns/op", "Event codec: Invoke time, 256 KiB binary body (lower is better)", "µs", 1e3),
		codecPanel(raw, []string{"v2-256k"}, "B/op", "Event codec: bytes allocated per Invoke, 256 KiB binary body (lower is better)", "KiB", 1<<10),
		adapterPanel(raw, "1KiB"),
		adapterPanel(raw, "256KiB"),
		serialPanel(raw),
		throughputPanel(raw),
		coldStartPanel(raw),
		examplesPanel(raw),
	} {
		if len(p.Groups) > 0 {
			c.Panels = append(c.Panels, p)
		}
	}
	return c
}

// bar is the median of unit, divided by div, with the range of the runs; ok is false when the
// benchmark or metric is missing.
func bar(raw *Raw, section, name, unit, label string, div float64, ours bool) (Bar, bool) {
	s, ok := raw.Get(section, name).Stat(unit)
	if !ok {
		return Bar{}, false
	}
	b := Bar{Label: label, Value: s.Median / div, Ours: ours}
	if s.N > 1 {
		b.Min, b.Max = s.Min/div, s.Max/div
	}
	return b, true
}

func codecPanel(raw *Raw, events []string, unit, title, axis string, div float64) Panel {
	p := Panel{Title: title, Unit: axis}
	for _, ev := range events {
		g := Group{Label: ev}
		for _, impl := range append([]string{"slipway"}, codecPeers...) {
			if b, ok := bar(raw, "codec", "Invoke/event="+ev+"/impl="+impl, unit, impl, div, impl == "slipway"); ok {
				g.Bars = append(g.Bars, b)
			}
		}
		if len(g.Bars) == 0 {
			continue
		}
		if _, fastest, ok := fastestPeer(raw, ev, unit); ok {
			switch {
			case unit == "ns/op" && ev != "alb-single" && ev != "v2-256k":
				g.Limit = &Limit{fastest / 3 / div, "target: fastest peer ÷ 3"}
			case unit == "B/op":
				g.Limit = &Limit{fastest / div, "target: below every peer"}
			}
		}
		p.Groups = append(p.Groups, g)
	}
	return p
}

func adapterPanel(raw *Raw, size string) Panel {
	p := Panel{Title: fmt.Sprintf("Adapter: p50 latency of one request, %s body (lower is better)", size), Unit: "µs"}
	g := Group{}
	add := func(name, unit, label string, ours bool) {
		if b, ok := bar(raw, "adapter", name, unit, label, 1, ours); ok {
			g.Bars = append(g.Bars, b)
		}
	}
	if raw.Get("adapter", "Overhead/"+size) != nil {
		// Interleaved in one loop: the round trip, (a), and (b) reaching a parked poller.
		add("Overhead/"+size, "rtt-p50-µs", "loopback round trip (small GET)", false)
		add("Overhead/"+size, "direct-p50-µs", "(a) direct to the app", false)
		add("Overhead/"+size, "adapter-p50-µs", "(b) adapter, parked poller", true)
		add("Adapter/"+size, "p50-µs", "adapter, serial cycle", true)
		add("RuntimeAPIOnly/"+size, "p50-µs", "Runtime API exchange alone", false)
	} else {
		add("LoopbackRoundTrip", "p50-µs", "loopback round trip (small GET)", false)
		add("Direct/"+size, "p50-µs", "(a) direct to the app", false)
		add("RuntimeAPIOnly/"+size, "p50-µs", "Runtime API exchange alone", false)
		add("Adapter/"+size, "p50-µs", "(b) adapter, serial cycle", true)
	}
	if len(g.Bars) == 0 {
		return p
	}
	if l := adapterLatencyAt(raw, size); l.ok {
		g.Limit = &Limit{l.direct + l.rtt, "target: (a) + one round trip"}
	}
	p.Groups = []Group{g}
	return p
}

func serialPanel(raw *Raw) Panel {
	p := Panel{Title: "slipway local: one serial invoke vs a bare loopback round trip, p50 (lower is better)", Unit: "µs"}
	if s := raw.Sections["local"]; s != nil {
		for _, b := range s.Output.Benchmarks {
			if !strings.Contains(b.Name, "Serial") {
				continue
			}
			g := Group{Label: b.Name}
			switch b.Name {
			case "SerialInvokeProcess":
				g.Label = "SerialInvokeProcess: slipway local binary, bare server in another process"
			case "SerialInvoke":
				g.Label = "SerialInvoke: platform and bare server in-process"
			}
			if b.Name == serialTarget(raw) {
				g.Label += " (the target)"
			}
			var bare float64
			for _, u := range b.Units {
				if !strings.HasSuffix(u, "p50-ns") {
					continue
				}
				what := strings.TrimSuffix(u, "-p50-ns")
				label := what
				switch what {
				case "bare":
					label = "bare round trip, same client"
				case "invoke":
					label = "Invoke API call"
				}
				if bb, ok := bar(raw, "local", b.Name, u, label, 1e3, !strings.Contains(what, "bare")); ok {
					g.Bars = append(g.Bars, bb)
					if strings.Contains(what, "bare") {
						bare = bb.Value
					}
				}
			}
			if bare > 0 {
				g.Limit = &Limit{4 * bare, "target: 4 × bare"}
			}
			if len(g.Bars) > 0 {
				p.Groups = append(p.Groups, g)
			}
		}
	}
	if b, ok := bar(raw, "local", "RuntimeFloor", "floor-ns", "runtime's exchange alone (mean)", 1e3, false); ok {
		p.Groups = append(p.Groups, Group{Label: "RuntimeFloor", Bars: []Bar{b}})
	}
	return p
}

func throughputPanel(raw *Raw) Panel {
	p := Panel{Title: "slipway local: throughput, 8 environments × 50 ms handler (higher is better)", Unit: "req/s"}
	b, ok := bar(raw, "local-throughput", "Throughput", "req/s", "measured", 1, true)
	if !ok {
		return p
	}
	p.Groups = []Group{{Bars: []Bar{{Label: "ideal (8 ÷ 50 ms)", Value: 160}, b}, Limit: &Limit{144, "target: 90 % of ideal"}}}
	return p
}

func coldStartPanel(raw *Raw) Panel {
	p := Panel{Title: "slipway local: cold start, exec to the runtime's first /next (lower is better)", Unit: "ms"}
	g := Group{}
	for _, m := range []struct{ unit, label string }{{"bare-ns", "the runtime alone (bare)"}, {"platform-ns", "through the platform"}} {
		if b, ok := bar(raw, "local-coldstart", "ColdStart", m.unit, m.label, 1e6, m.unit == "platform-ns"); ok {
			g.Bars = append(g.Bars, b)
		}
	}
	if len(g.Bars) > 0 {
		p.Groups = append(p.Groups, g)
	}
	if b, ok := bar(raw, "local-coldstart", "ColdStart", "added-ns", "added by the platform", 1e6, true); ok {
		p.Groups = append(p.Groups, Group{Bars: []Bar{b}, Limit: &Limit{5, "target: ≤ 5 ms"}})
	}
	return p
}

func examplesPanel(raw *Raw) Panel {
	p := Panel{Title: "Example apps: GET /echo, direct vs through slipway local + adapter (lower is better)", Unit: "µs"}
	s := raw.Sections["examples"]
	if s == nil {
		return p
	}
	for _, d := range s.Output.Benchmarks {
		app, ok := strings.CutPrefix(d.Name, "Direct/")
		if !ok {
			continue
		}
		g := Group{Label: app}
		if b, ok := bar(raw, "examples", d.Name, "ns/op", "direct", 1e3, false); ok {
			g.Bars = append(g.Bars, b)
		}
		for _, b := range s.Output.Benchmarks {
			if ev, ok := strings.CutPrefix(b.Name, "WarmRequest/"+app+"/"); ok {
				if bb, ok := bar(raw, "examples", b.Name, "ns/op", "slipway local, "+ev+" event", 1e3, true); ok {
					g.Bars = append(g.Bars, bb)
				}
			}
		}
		p.Groups = append(p.Groups, g)
	}
	return p
}
