package events

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/slipway-dev/slipway/event"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	samplesOnce sync.Once
	samplesDir  string
	samplesErr  error
)

// sampleDir is aws-lambda-go's events/testdata in the module cache.
func sampleDir(t testing.TB) string {
	t.Helper()
	samplesOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
		if err != nil {
			samplesErr = err
			return
		}
		samplesDir = filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
	})
	if samplesErr != nil {
		t.Fatalf("locating aws-lambda-go: %v", samplesErr)
	}
	return samplesDir
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t testing.TB, payload []byte) (*http.Request, *event.Event, []byte) {
	t.Helper()
	d, err := event.NewDecoder(event.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, ev, err := d.Decode(context.Background(), payload)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, ev, body
}

// TestSampleSources pins the source each HTTP-shaped sample is recognised as (events.md §1),
// independently of the golden files.
func TestSampleSources(t *testing.T) {
	want := map[string]event.Source{
		"apigw-request.json":                                event.RESTAPI,
		"apigw-restapi-openapi-request.json":                event.RESTAPI,
		"apigw-v2-request-iam.json":                         event.HTTPAPIV2,
		"apigw-v2-request-jwt-authorizer.json":              event.HTTPAPIV2,
		"apigw-v2-request-lambda-authorizer.json":           event.HTTPAPIV2,
		"apigw-v2-request-no-authorizer.json":               event.HTTPAPIV2,
		"alb-lambda-target-request-headers-only.json":       event.ALB,
		"alb-lambda-target-request-multivalue-headers.json": event.ALBMultiValue,
		"lambda-urls-request.json":                          event.FunctionURL,
		// WebSocket and authorizer events look like proxy events but are not requests to serve.
		"apigw-websocket-request.json":                   event.NonHTTP,
		"apigw-websocket-request-disconnect.json":        event.NonHTTP,
		"apigw-websocket-request-send-message.json":      event.NonHTTP,
		"apigw-custom-auth-request.json":                 event.NonHTTP,
		"apigw-custom-auth-request-type-request.json":    event.NonHTTP,
		"apigw-v2-custom-authorizer-v1-request.json":     event.NonHTTP,
		"apigw-v2-custom-authorizer-v2-request.json":     event.NonHTTP,
		"sqs-event.json":                                 event.NonHTTP,
		"sns-event.json":                                 event.NonHTTP,
		"s3-event.json":                                  event.NonHTTP,
		"dynamodb-event.json":                            event.NonHTTP,
		"kinesis-event.json":                             event.NonHTTP,
		"cloudwatch-logs-event.json":                     event.NonHTTP,
		"codepipeline-execution-state-change-event.json": event.NonHTTP,
		"apigw-response.json":                            event.NonHTTP,
		"alb-lambda-target-response.json":                event.NonHTTP,
	}
	for name, src := range want {
		_, ev, _ := decode(t, readSample(t, name))
		if ev.Source != src {
			t.Errorf("%s: %s, want %s", name, ev.Source, src)
		}
	}
}

// dump is the golden form of a decoded sample.
type dump struct {
	Source        string              `json:"source"`
	Method        string              `json:"method"`
	Path          string              `json:"path"`
	RawPath       string              `json:"rawPath,omitempty"`
	RawQuery      string              `json:"rawQuery,omitempty"`
	RequestURI    string              `json:"requestURI"`
	Host          string              `json:"host,omitempty"`
	RemoteAddr    string              `json:"remoteAddr,omitempty"`
	ContentLength int64               `json:"contentLength"`
	Header        map[string][]string `json:"header,omitempty"`
	Body          *string             `json:"body,omitempty"`
	BodyBase64    string              `json:"bodyBase64,omitempty"`
	BodyIsPayload bool                `json:"bodyIsPayload,omitempty"` // pass-through: the raw event
	Error         string              `json:"error,omitempty"`
}

// TestSampleGolden decodes every aws-lambda-go sample (HTTP or not) and compares the request
// with testdata/golden/<sample>.golden.json. go test ./events -update rewrites them.
func TestSampleGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sampleDir(t), "*.json"))
	if err != nil || len(files) < 50 {
		t.Fatalf("samples: %d files, %v", len(files), err)
	}
	d, _ := event.NewDecoder(event.Options{})
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var got dump
			r, ev, err := d.Decode(context.Background(), payload)
			if err != nil {
				got.Error = err.Error()
			} else {
				body, _ := io.ReadAll(r.Body)
				got = dump{Source: ev.Source.String(), Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath,
					RawQuery: r.URL.RawQuery, RequestURI: r.RequestURI, Host: r.Host, RemoteAddr: r.RemoteAddr,
					ContentLength: r.ContentLength, Header: r.Header}
				switch {
				case ev.Source == event.NonHTTP && bytes.Equal(body, payload):
					got.BodyIsPayload = true
				case len(body) == 0:
				case utf8.Valid(body):
					s := string(body)
					got.Body = &s
				default:
					got.BodyBase64 = base64.StdEncoding.EncodeToString(body)
				}
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(got); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".json")+".golden.json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./events -update creates it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s decodes differently from %s:\n%s", name, golden, buf.String())
			}
		})
	}
}
