package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// svgElement is what the tests read back from a rendered chart.
type svgElement struct {
	name  string
	attrs map[string]string
	text  string
}

// parseSVG decodes every element of an SVG, failing the test if it is not well-formed XML.
func parseSVG(t *testing.T, b []byte) []svgElement {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var els []svgElement
	var open []int
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, b)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := svgElement{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			els = append(els, e)
			open = append(open, len(els)-1)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData: // an element's text includes its children's (a rect's title)
			for _, i := range open {
				els[i].text += string(tok)
			}
		}
	}
	return els
}

func TestChartBarsAreProportional(t *testing.T) {
	c := Chart{Title: "t <&> \"q\"", Subtitle: []string{"a & b"}, Panels: []Panel{{
		Title: "latency", Unit: "µs",
		Groups: []Group{{
			Label: "v2 <x>",
			Bars:  []Bar{{Label: "slipway", Value: 10, Ours: true}, {Label: "peer & co", Value: 40, Min: 35, Max: 50}},
			Limit: &Limit{Value: 13.3, Label: "target"},
		}},
	}}}
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	els := parseSVG(t, b.Bytes())
	widths := map[string]float64{}
	fills := map[string]string{}
	var texts []string
	for _, e := range els {
		switch e.name {
		case "rect":
			if e.text == "" { // the background
				continue
			}
			w, err := strconv.ParseFloat(e.attrs["width"], 64)
			if err != nil {
				t.Fatal(err)
			}
			label, _, _ := strings.Cut(e.text, ":")
			widths[label], fills[label] = w, e.attrs["fill"]
		case "text":
			texts = append(texts, e.text)
		}
	}
	if len(widths) != 2 || math.Abs(widths["peer & co"]/widths["slipway"]-4) > 0.01 {
		t.Errorf("bar widths %v: want 4:1", widths)
	}
	if fills["slipway"] != colorOurs || fills["peer & co"] != colorOthers {
		t.Errorf("fills %v", fills)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"t <&> \"q\"", "a & b", "v2 <x>", "peer & co", "40.0 µs", "target"} {
		if !strings.Contains(all, want) {
			t.Errorf("no text %q in %q", want, all)
		}
	}
}

func TestNiceMax(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 9: 10, 12: 20, 2100: 2500, 4.5: 5, 4.7: 10, 0.3: 0.5} {
		if got := niceMax(in); math.Abs(got-want) > 1e-9 {
			t.Errorf("niceMax(%v) = %v, want %v", in, got, want)
		}
	}
	if got := niceMax(math.NaN()); got != 1 {
		t.Errorf("niceMax(NaN) = %v", got)
	}
}
