package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// A Chart is a column of panels of horizontal bars, rendered as one self-contained SVG (no
// script, no external font or style), so that it shows as an image on any Markdown viewer.
type Chart struct {
	Title    string
	Subtitle []string // lines under the title (machine, commit, load warning)
	Panels   []Panel
}

// Panel is one scale: every bar in it is drawn against the same axis.
type Panel struct {
	Title  string
	Unit   string // the axis' unit, e.g. "µs"
	Groups []Group
}

// Group is a labelled set of bars, with an optional target line drawn across them.
type Group struct {
	Label string
	Bars  []Bar
	Limit *Limit
}

// Bar is one value, with the range of the runs (Min–Max) drawn as a whisker when known.
type Bar struct {
	Label    string
	Value    float64
	Min, Max float64 // 0, 0 when there is one run or no range
	Ours     bool    // slipway's own bar (highlighted)
}

// Limit is a target drawn as a dashed line at Value.
type Limit struct {
	Value float64
	Label string
}

// Layout, in px.
const (
	chartWidth = 960
	labelRight = 250 // bar labels end here
	barLeft    = 260 // bars start here
	barSpan    = 560 // the widest bar
	rowHeight  = 18
	barHeight  = 13
	titleSize  = 16
)

var (
	colorOurs   = "#2563eb"
	colorOthers = "#9ca3af"
	colorLimit  = "#dc2626"
	colorText   = "#111827"
	colorMuted  = "#4b5563"
	colorGrid   = "#e5e7eb"
)

// WriteSVG renders c.
func (c Chart) WriteSVG(w io.Writer) error {
	var body bytes.Buffer
	y := 28.0
	text(&body, 12, y, titleSize+2, "bold", "start", colorText, c.Title)
	y += 8
	for _, s := range c.Subtitle {
		y += 16
		text(&body, 12, y, 12, "normal", "start", colorMuted, s)
	}
	y += 18
	for _, p := range c.Panels {
		y = p.render(&body, y) + 22
	}
	height := math.Ceil(y)
	_, err := fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%.0f" viewBox="0 0 %d %.0f" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
<title>%s</title>
<rect width="100%%" height="100%%" fill="#ffffff"/>
%s</svg>
`, chartWidth, height, chartWidth, height, escape(c.Title), body.Bytes())
	return err
}

// render draws the panel with its top at y and returns the y of its bottom.
func (p Panel) render(w *bytes.Buffer, y float64) float64 {
	y += titleSize
	text(w, 12, y, titleSize-2, "bold", "start", colorText, p.Title)
	y += 10
	top := y
	scale := niceMax(p.max())
	px := func(v float64) float64 { return barLeft + barSpan*v/scale }
	rows := 0.0
	for _, g := range p.Groups {
		rows += float64(len(g.Bars))
		if g.hasHeader() {
			rows++
		}
	}
	bottom := top + rows*rowHeight + 4
	// Grid and axis: five steps of the rounded maximum.
	for i := 0; i <= 5; i++ {
		v := scale * float64(i) / 5
		x := px(v)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", x, top, x, bottom, colorGrid)
		text(w, x, bottom+13, 10, "normal", "middle", colorMuted, axisLabel(v, p.Unit))
	}
	for _, g := range p.Groups {
		groupTop := y
		if g.hasHeader() {
			text(w, 12, y+barHeight-1, 12, "bold", "start", colorText, g.Label)
			y += rowHeight
		}
		for _, b := range g.Bars {
			fill := colorOthers
			if b.Ours {
				fill = colorOurs
			}
			text(w, labelRight, y+barHeight-2, 12, "normal", "end", colorText, b.Label)
			width := math.Max(px(b.Value)-barLeft, 0.5)
			fmt.Fprintf(w, `<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="%s"><title>%s: %s</title></rect>`+"\n",
				barLeft, y, width, barHeight, fill, escape(b.Label), escape(valueLabel(b.Value, p.Unit)))
			end := barLeft + width
			if b.Max > b.Min {
				mid := y + barHeight/2.0
				// A negative end (a difference of two noisy times) stops at the axis.
				x0, x1 := math.Max(px(b.Min), barLeft), math.Max(px(b.Max), barLeft)
				fmt.Fprintf(w, `<path d="M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f" stroke="%s" fill="none"/>`+"\n",
					x0, mid, x1, x0, mid-3, mid+3, x1, mid-3, mid+3, colorText)
				end = math.Max(end, x1)
			}
			text(w, end+5, y+barHeight-2, 11, "normal", "start", colorText, valueLabel(b.Value, p.Unit))
			y += rowHeight
		}
		if g.Limit != nil {
			// The line spans the group's bars; its label sits in the header row, clear of them.
			x := px(g.Limit.Value)
			fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="4 3"/>`+"\n",
				x, groupTop+4, x, y-rowHeight+barHeight+2, colorLimit)
			// Beside the line, unless the group's label reaches that far (estimated width of bold
			// 12 px text): then after the label.
			lx := x + 4
			if end := 12 + 7.5*float64(utf8.RuneCountInString(g.Label)) + 10; g.Label != "" && lx < end {
				lx = end
			}
			text(w, lx, groupTop+barHeight-2, 10, "normal", "start", colorLimit, g.Limit.Label)
		}
	}
	return bottom + 16
}

// hasHeader says whether the group starts with a row of its own, for its label or its limit's.
func (g Group) hasHeader() bool { return g.Label != "" || g.Limit != nil }

// max is the largest value, whisker end or limit in the panel.
func (p Panel) max() float64 {
	m := 0.0
	for _, g := range p.Groups {
		for _, b := range g.Bars {
			m = math.Max(m, math.Max(b.Value, b.Max))
		}
		if g.Limit != nil {
			m = math.Max(m, g.Limit.Value)
		}
	}
	return m
}

// niceMax rounds m up to 1, 2, 2.5 or 5 times a power of ten, with room for the value labels.
func niceMax(m float64) float64 {
	if m <= 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		return 1
	}
	m *= 1.08
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*p >= m {
			return f * p
		}
	}
	return 10 * p
}

func axisLabel(v float64, unit string) string {
	if v == 0 {
		return "0"
	}
	return sig3(v) + " " + unit
}

func valueLabel(v float64, unit string) string { return sig3(v) + " " + unit }

func text(w *bytes.Buffer, x, y float64, size int, weight, anchor, color, s string) {
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f" font-size="%d" font-weight="%s" text-anchor="%s" fill="%s">%s</text>`+"\n",
		x, y, size, weight, anchor, color, escape(s))
}

func escape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
