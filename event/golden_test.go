package event

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenOptions are the decoder options of the testdata events that need some; every other
// event is decoded with the zero Options.
var goldenOptions = map[string]Options{
	"rest-base-path":        {BasePath: "/prod/"},
	"rest-base-path-root":   {BasePath: "/prod"},
	"rest-base-path-prefix": {BasePath: "/prod"},
	"sqs-pass-through-path": {PassThroughPath: "/jobs/sqs"},
}

// requestDump is the golden form of a decoded request: everything a handler can observe.
type requestDump struct {
	Source         string              `json:"source,omitempty"`
	Method         string              `json:"method,omitempty"`
	Path           string              `json:"path,omitempty"`
	RawPath        string              `json:"rawPath,omitempty"`
	RawQuery       string              `json:"rawQuery,omitempty"`
	RequestURI     string              `json:"requestURI,omitempty"`
	Proto          string              `json:"proto,omitempty"`
	Host           string              `json:"host,omitempty"`
	RemoteAddr     string              `json:"remoteAddr,omitempty"`
	ContentLength  int64               `json:"contentLength,omitempty"`
	Header         map[string][]string `json:"header,omitempty"`
	Body           *string             `json:"body,omitempty"`
	BodyBase64     string              `json:"bodyBase64,omitempty"`
	RequestContext json.RawMessage     `json:"requestContext,omitempty"`
	Error          *Error              `json:"error,omitempty"`
	// Responses maps a handler reply (see goldenReplies) to what AppendResponse and
	// AppendStreamPrelude make of it for this event.
	Responses map[string]responseDump `json:"responses,omitempty"`
}

type responseDump struct {
	Result  json.RawMessage `json:"result,omitempty"`
	Prelude string          `json:"prelude,omitempty"` // stream prelude, delimiter included
	Error   *Error          `json:"error,omitempty"`
}

// goldenReplies are the handler replies every decodable testdata event is answered with.
var goldenReplies = []struct {
	name   string
	status int
	header http.Header
	body   []byte
}{
	{"text", 201, http.Header{
		"Content-Type":      {"text/plain; charset=utf-8"},
		"X-Multi":           {"a", "b"},
		"Set-Cookie":        {"a=1; Path=/", "b=2; HttpOnly"},
		"Transfer-Encoding": {"chunked"},
	}, []byte("hello \"world\"\n")},
	{"json", 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"ok":true}`)},
	{"binary", 200, http.Header{"Content-Type": {"image/png"}}, []byte{0x89, 'P', 'N', 'G', 0, 0xff}},
	{"empty", 204, nil, nil},
	{"failure", 503, http.Header{"Content-Type": {"text/plain"}}, []byte("try later")},
}

func dumpRequest(r *http.Request, ev *Event) requestDump {
	d := requestDump{
		Source:         ev.Source.String(),
		Method:         r.Method,
		Path:           r.URL.Path,
		RawPath:        r.URL.RawPath,
		RawQuery:       r.URL.RawQuery,
		RequestURI:     r.RequestURI,
		Proto:          r.Proto,
		Host:           r.Host,
		RemoteAddr:     r.RemoteAddr,
		ContentLength:  r.ContentLength,
		Header:         r.Header,
		RequestContext: ev.RequestContext,
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		panic(err)
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			s := string(body)
			d.Body = &s
		} else {
			d.BodyBase64 = base64.StdEncoding.EncodeToString(body)
		}
	}
	d.Responses = map[string]responseDump{}
	for _, rep := range goldenReplies {
		var rd responseDump
		out, err := ev.AppendResponse(nil, rep.status, rep.header, rep.body, nil)
		if err != nil {
			rd.Error = asError(err)
		} else {
			rd.Result = out
		}
		if ev.Source != NonHTTP {
			rd.Prelude = string(ev.AppendStreamPrelude(nil, rep.status, rep.header))
		}
		d.Responses[rep.name] = rd
	}
	return d
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Type: "not an *event.Error", Message: err.Error()}
}

// TestGolden decodes every event in testdata/events and compares the request, and the
// responses encoded for it, with its .golden file. go test ./event -update rewrites them.
// testdata/README.md maps the events to the rules they cover. The VPC Lattice events
// (lattice-v1.json, lattice-v2.json) follow the event shapes documented at
// https://docs.aws.amazon.com/vpc-lattice/latest/ug/lambda-functions.html, as aws-lambda-go has
// no Lattice samples.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/events/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata events: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d, err := NewDecoder(goldenOptions[name])
			if err != nil {
				t.Fatal(err)
			}
			var dump requestDump
			r, ev, err := d.Decode(context.Background(), payload)
			if err != nil {
				dump.Error = asError(err)
			} else {
				dump = dumpRequest(r, ev)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(dump); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := filepath.Join("testdata", "golden", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./event -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("decoded %s differs from %s:\n%s", file, golden, lineDiff(string(want), string(got)))
			}
		})
	}
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
			if shown++; shown > 10 {
				break
			}
		}
	}
	return b.String()
}
