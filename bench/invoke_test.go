package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/akrylysov/algnhsa"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// handler is the trivial app every implementation serves: it consumes the request body and
// answers with a small text body and a header.
var handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "hello, world\n")
})

// invoker is one implementation: payload bytes in, result bytes out.
type invoker func(ctx context.Context, payload []byte) ([]byte, error)

// implementations per event. Peers that take typed events go through lambda.NewHandler, which
// is what the aws-lambda-go runtime does for them: json.Unmarshal of the payload, the handler,
// json.Marshal of the result. aws-lambda-go-api-proxy has no Function URL adapter; its V2
// adapter serves the Function URL sample (same 2.0 schema). lambdaurl serves 2.0 events only
// (it streams: its result is prelude + body, read to the end).
//
// algnhsa serves ALB target groups only with multi-value headers on, so "alb" is the
// multi-value sample (every peer serves it) and "alb-single" the single-value one.
func implementations(event string) map[string]invoker {
	impls := map[string]invoker{"slipway": slipwayInvoker()}
	if event != "alb-single" {
		impls["algnhsa"] = algnhsa.New(handler, nil).Invoke
	}
	switch event {
	case "v1":
		impls["apiproxy"] = lambda.NewHandler(httpadapter.New(handler).ProxyWithContext).Invoke
	case "alb", "alb-single":
		impls["apiproxy"] = lambda.NewHandler(httpadapter.NewALB(handler).ProxyWithContext).Invoke
	default: // v2, url, v2-256k
		impls["apiproxy"] = lambda.NewHandler(httpadapter.NewV2(handler).ProxyWithContext).Invoke
		impls["lambdaurl"] = lambda.NewHandler(lambdaurl.Wrap(handler)).Invoke
	}
	return impls
}

type sample struct{ name, file string }

// samples are aws-lambda-go's sample events, plus a 2.0 event carrying a 256 KiB binary body.
var samples = []sample{
	{"v1", "apigw-request.json"},
	{"v2", "apigw-v2-request-no-authorizer.json"},
	{"alb", "alb-lambda-target-request-multivalue-headers.json"},
	{"alb-single", "alb-lambda-target-request-headers-only.json"},
	{"url", "lambda-urls-request.json"},
	{"v2-256k", ""},
}

var (
	payloadsOnce sync.Once
	payloads     map[string][]byte
	payloadsErr  error
)

func loadPayloads(tb testing.TB) map[string][]byte {
	tb.Helper()
	payloadsOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
		if err != nil {
			payloadsErr = err
			return
		}
		dir := filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
		payloads = map[string][]byte{}
		for _, s := range samples {
			if s.file == "" {
				continue
			}
			if payloads[s.name], payloadsErr = os.ReadFile(filepath.Join(dir, s.file)); payloadsErr != nil {
				return
			}
		}
		payloads["v2-256k"], payloadsErr = bigEvent(payloads["v2"], 256<<10)
	})
	if payloadsErr != nil {
		tb.Fatal(payloadsErr)
	}
	return payloads
}

// bigEvent is the v2 sample as a PUT with n random bytes of application/octet-stream, base64
// encoded the way HTTP APIs send binary bodies.
func bigEvent(v2 []byte, n int) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(v2, &ev); err != nil {
		return nil, err
	}
	body := make([]byte, n)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	headers := ev["headers"].(map[string]any)
	headers["content-type"] = "application/octet-stream"
	headers["content-length"] = "262144"
	ev["requestContext"].(map[string]any)["http"].(map[string]any)["method"] = "PUT"
	ev["body"] = base64.StdEncoding.EncodeToString(body)
	ev["isBase64Encoded"] = true
	return json.Marshal(ev)
}

// TestImplementationsAgree makes sure every implementation really serves every event it is
// benchmarked on: status 200 and the handler's body in the result.
func TestImplementationsAgree(t *testing.T) {
	p := loadPayloads(t)
	for _, s := range samples {
		for name, inv := range implementations(s.name) {
			out, err := inv(context.Background(), p[s.name])
			if err != nil {
				t.Errorf("%s/%s: %v", s.name, name, err)
				continue
			}
			if !bytes.Contains(out, []byte(`hello, world\n`)) && !bytes.Contains(out, []byte("hello, world\n")) {
				t.Errorf("%s/%s: result %q", s.name, name, out)
			}
			if !bytes.Contains(out, []byte(`"statusCode":200`)) {
				t.Errorf("%s/%s: no status 200 in %q", s.name, name, out)
			}
		}
	}
}

// BenchmarkInvoke measures bytes in → handler → bytes out, per event and implementation:
// BenchmarkInvoke/event=<event>/impl=<impl>, so that benchstat -row /event -col /impl
// compares the implementations side by side.
func BenchmarkInvoke(b *testing.B) {
	p := loadPayloads(b)
	for _, s := range samples {
		impls := implementations(s.name)
		for _, name := range []string{"slipway", "algnhsa", "apiproxy", "lambdaurl"} {
			inv, ok := impls[name]
			if !ok {
				continue
			}
			payload := p[s.name]
			b.Run("event="+s.name+"/impl="+name, func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				for i := 0; i < b.N; i++ {
					if _, err := inv(ctx, payload); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
