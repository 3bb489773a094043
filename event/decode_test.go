package event

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t testing.TB, payload []byte) (*http.Request, *Event) {
	t.Helper()
	d, err := NewDecoder(Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, ev, err := d.Decode(context.Background(), payload)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return r, ev
}

type ctxKey struct{}

func TestContext(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "parent value"))
	d, _ := NewDecoder(Options{})
	r, ev, err := d.Decode(parent, readEvent(t, "http-v2"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := FromContext(r.Context())
	if !ok || got != ev || got.Source != HTTPAPIV2 {
		t.Fatalf("FromContext = %v, %v", got, ok)
	}
	if r.Context().Value(ctxKey{}) != "parent value" {
		t.Error("parent context values lost")
	}
	// Cancellation reaches the request, also through contexts derived from it.
	child, stop := context.WithCancel(r.Context())
	defer stop()
	cancel()
	<-r.Context().Done()
	<-child.Done()
	if _, ok := FromContext(context.Background()); ok {
		t.Error("FromContext on a bare context")
	}
	// A nil context is allowed.
	//lint:ignore SA1012 a nil context must not panic
	if _, _, err := d.Decode(nil, []byte(`{}`)); err != nil { //nolint:staticcheck
		t.Error(err)
	}
}

func TestDecodeRequestContext(t *testing.T) {
	var rest APIGatewayV1RequestContext
	_, ev := decode(t, readEvent(t, "rest-multivalue"))
	if err := ev.DecodeRequestContext(&rest); err != nil || rest.Identity.SourceIP != "203.0.113.10" ||
		rest.Path != "/prod/hello/world" || rest.RequestTimeEpoch != 1428582896000 || rest.Stage != "prod" {
		t.Errorf("REST context %+v, %v", rest, err)
	}
	var v2 APIGatewayV2RequestContext
	_, ev = decode(t, readEvent(t, "http-v2"))
	if err := ev.DecodeRequestContext(&v2); err != nil || v2.HTTP.Method != "POST" || v2.HTTP.SourceIP != "203.0.113.7" ||
		v2.TimeEpoch != 1583348638390 || v2.RouteKey != "$default" {
		t.Errorf("v2 context %+v, %v", v2, err)
	}
	var url FunctionURLRequestContext
	_, ev = decode(t, readEvent(t, "function-url"))
	if err := ev.DecodeRequestContext(&url); err != nil || url.Authorizer == nil || url.Authorizer.IAM == nil ||
		url.Authorizer.IAM.UserArn != "arn:aws:iam::111122223333:user/example" {
		t.Errorf("Function URL context %+v, %v", url, err)
	}
	var alb ALBRequestContext
	_, ev = decode(t, readEvent(t, "alb-single"))
	if err := ev.DecodeRequestContext(&alb); err != nil || !strings.HasSuffix(alb.ELB.TargetGroupArn, "lambda-tg/6d0ecf831eec9f09") {
		t.Errorf("ALB context %+v, %v", alb, err)
	}
	var lattice LatticeV2RequestContext
	_, ev = decode(t, readEvent(t, "lattice-v2"))
	if err := ev.DecodeRequestContext(&lattice); err != nil || lattice.Identity.Type != "AWS_IAM" ||
		lattice.Identity.PrincipalOrgID != "o-50dc6c495c0c9188" || lattice.TimeEpoch != "1690497599177430" || lattice.Region != "us-east-2" {
		t.Errorf("Lattice context %+v, %v", lattice, err)
	}
	_, ev = decode(t, readEvent(t, "lattice-v1"))
	if ev.RequestContext != nil || ev.DecodeRequestContext(&lattice) == nil {
		t.Error("Lattice v1 has no requestContext")
	}
	_, ev = decode(t, readEvent(t, "sqs"))
	if ev.RequestContext != nil || ev.DecodeRequestContext(&v2) == nil {
		t.Error("pass-through events carry no requestContext")
	}
}

// A plain text body is the payload's bytes, not a copy; the request must stay valid while
// the payload does, whatever later Decode calls do with the pooled scratch space.
func TestBodyAliasesPayload(t *testing.T) {
	payload := readEvent(t, "function-url")
	payload = bytes.Replace(payload, []byte(`"isBase64Encoded": false`), []byte(`"body": "plain text body", "isBase64Encoded": false`), 1)
	r, _ := decode(t, payload)
	body := r.Body
	var b [32]byte
	n, _ := body.Read(b[:])
	if string(b[:n]) != "plain text body" {
		t.Fatalf("body %q", b[:n])
	}
	rq := (*request)(unsafe.Pointer(r))
	start := uintptr(unsafe.Pointer(unsafe.SliceData(payload)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(rq.bodyBytes)))
	if p < start || p >= start+uintptr(len(payload)) {
		t.Error("plain body was copied")
	}
	// GetBody replays it.
	rc, err := r.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := io.ReadAll(rc); string(all) != "plain text body" {
		t.Errorf("GetBody %q", all)
	}

	// Later decodes reuse the scratch space: this request must not change.
	before := fmt.Sprint(r.Method, r.URL, r.Header, r.Host, r.RemoteAddr, r.RequestURI)
	for _, name := range []string{"rest-multivalue", "alb-multi", "http-v2", "lattice-v2"} {
		for i := 0; i < 10; i++ {
			decode(t, readEvent(t, name))
		}
	}
	if after := fmt.Sprint(r.Method, r.URL, r.Header, r.Host, r.RemoteAddr, r.RequestURI); after != before {
		t.Errorf("request changed after other decodes:\n%s\n%s", before, after)
	}
}

// Appending to one header's values must not overwrite another's (they share a backing array).
func TestHeaderSlicesIndependent(t *testing.T) {
	r, _ := decode(t, readEvent(t, "alb-multi"))
	want := fmt.Sprint(r.Header)
	for k := range r.Header {
		r.Header[k] = append(r.Header[k], "appended")
	}
	for k, v := range r.Header {
		if v[len(v)-1] != "appended" || len(v) < 2 {
			t.Errorf("%s: %q", k, v)
		}
		r.Header[k] = v[:len(v)-1]
	}
	if got := fmt.Sprint(r.Header); got != want {
		t.Errorf("headers changed:\n%s\n%s", want, got)
	}
}

func TestConcurrentDecode(t *testing.T) {
	names := []string{"rest-multivalue", "http-v2", "alb-single", "alb-multi", "function-url", "lattice-v1", "lattice-v2", "sqs", "err-invalid-base64"}
	d, _ := NewDecoder(Options{})
	want := map[string]string{}
	payloads := map[string][]byte{}
	for _, n := range names {
		payloads[n] = readEvent(t, n)
		want[n] = summary(d.Decode(context.Background(), payloads[n]))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				n := names[(g+i)%len(names)]
				if got := summary(d.Decode(context.Background(), payloads[n])); got != want[n] {
					t.Errorf("%s decoded concurrently:\n%s\nwant\n%s", n, got, want[n])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func summary(r *http.Request, ev *Event, err error) string {
	if err != nil {
		return err.Error()
	}
	body, _ := io.ReadAll(r.Body)
	return fmt.Sprintln(ev.Source, r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.RequestURI, r.Host, r.RemoteAddr,
		r.ContentLength, r.Header, string(ev.RequestContext), string(body))
}

// TestOverTheWire sends decoded requests to a real HTTP server the way the adapter forwards
// them, and checks the server sees what the event described.
func TestOverTheWire(t *testing.T) {
	type seen struct {
		method, uri, host string
		header            http.Header
		body              []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, r.Host, r.Header, body}
	}))
	defer srv.Close()
	target, _ := url.Parse(srv.URL)

	for _, name := range []string{"rest-multivalue", "rest-base64", "http-v1", "http-v2", "function-url", "alb-single", "alb-multi",
		"lattice-v1", "lattice-v2", "path-normalize", "sqs"} {
		r, _ := decode(t, readEvent(t, name))
		wantBody, _ := io.ReadAll(r.Body)
		r2, _ := decode(t, readEvent(t, name))
		out := r2.Clone(context.Background())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host = target.Scheme, target.Host
		resp, err := http.DefaultClient.Do(out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
		s := <-got
		if s.method != r.Method || s.uri != r.RequestURI || !bytes.Equal(s.body, wantBody) {
			t.Errorf("%s: server saw %s %s (%d bytes), want %s %s (%d bytes)", name, s.method, s.uri, len(s.body), r.Method, r.RequestURI, len(wantBody))
		}
		if r.Host != "" && s.host != r.Host {
			t.Errorf("%s: Host %q, want %q", name, s.host, r.Host)
		}
		for k, v := range r.Header {
			if k == "Content-Length" {
				continue
			}
			if strings.Join(s.header[k], "\x00") != strings.Join(v, "\x00") {
				t.Errorf("%s: header %s = %q, want %q", name, k, s.header[k], v)
			}
		}
	}
}

// TestLargeBodiesRoundTrip sends random binary bodies up to 6 MB through an event (base64)
// and back out through a response (base64), byte for byte.
func TestLargeBodiesRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	d, _ := NewDecoder(Options{})
	for _, size := range []int{0, 1, 2, 3, 4, 1000, 64 << 10, 1 << 20, 6 << 20} {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte(rng.Uint32())
		}
		for _, src := range []string{"rest", "v2", "alb"} {
			var ev string
			b64 := base64.StdEncoding.EncodeToString(body)
			switch src {
			case "rest":
				ev = `{"httpMethod":"POST","path":"/","body":"` + b64 + `","isBase64Encoded":true}`
			case "v2":
				ev = `{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"POST"}},"body":"` + b64 + `","isBase64Encoded":true}`
			case "alb":
				ev = `{"requestContext":{"elb":{}},"httpMethod":"POST","path":"/","body":"` + b64 + `","isBase64Encoded":true}`
			}
			r, e, err := d.Decode(context.Background(), []byte(ev))
			if err != nil {
				t.Fatalf("%s %d: %v", src, size, err)
			}
			got, _ := io.ReadAll(r.Body)
			if !bytes.Equal(got, body) || r.ContentLength != int64(size) {
				t.Fatalf("%s %d: request body differs (%d bytes, ContentLength %d)", src, size, len(got), r.ContentLength)
			}
			if size > 4<<20 && src != "v2" {
				continue // the response of a 6 MB body exceeds Lambda's limit once base64-encoded
			}
			out, err := e.AppendResponse(nil, 200, http.Header{"Content-Type": {"application/octet-stream"}}, got, nil)
			if err != nil {
				if size > 4<<20 && errors.As(err, new(*Error)) {
					continue
				}
				t.Fatalf("%s %d: %v", src, size, err)
			}
			var res struct {
				Body            string `json:"body"`
				IsBase64Encoded bool   `json:"isBase64Encoded"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			back, err := base64.StdEncoding.DecodeString(res.Body)
			if err != nil || !bytes.Equal(back, body) || res.IsBase64Encoded != (size > 0) {
				t.Fatalf("%s %d: response body differs", src, size)
			}
		}
	}
}

// TestServeDecodedRequest runs a decoded request through a handler and encodes its response,
// as the library does.
func TestServeDecodedRequest(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /my path/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ck, _ := r.Cookie("c2")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "seen=1")
		fmt.Fprintf(w, `{"rest":%q,"a":%q,"cookie":%q,"len":%d}`, r.PathValue("rest"), r.URL.Query()["a"], ck.Value, len(body))
	})
	r, ev := decode(t, readEvent(t, "http-v2"))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, r)
	out, err := ev.AppendResponse(nil, rec.Code, rec.Header(), rec.Body.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"statusCode":200,"headers":{"Content-Type":"application/json"},"cookies":["seen=1"],` +
		`"body":"{\"rest\":\"x%y\",\"a\":[\"1\" \"2\"],\"cookie\":\"v2\",\"len\":29}","isBase64Encoded":false}`
	if string(out) != want {
		t.Errorf("response\n%s\nwant\n%s", out, want)
	}
}

// DecodeInPlace unescapes a body over the payload's own bytes: same request as Decode, no copy
// of the body, and the rest of the payload untouched.
func TestDecodeInPlace(t *testing.T) {
	d, _ := NewDecoder(Options{})
	for _, body := range []string{
		`plain`,
		`{\"a\":\"b\"}\n`,
		`tab\there \\ slash\/ \u00e9\u4e16 pair \ud83d\ude00 lone \ud800 end`,
		`\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"`,
		strings.Repeat(`abcdefgh\"`, 1000),
	} {
		base := readEvent(t, "function-url")
		payload := bytes.Replace(base, []byte(`"isBase64Encoded": false`), []byte(`"body": "`+body+`", "isBase64Encoded": false`), 1)
		r, ev, err := d.Decode(context.Background(), payload)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(r.Body)
		owned := bytes.Clone(payload)
		ri, evi, err := d.DecodeInPlace(context.Background(), owned)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(ri.Body)
		if !bytes.Equal(got, want) || ri.ContentLength != int64(len(want)) {
			t.Errorf("body %q: in place %q, want %q", body, got, want)
		}
		if !bytes.Equal(evi.RequestContext, ev.RequestContext) {
			t.Errorf("body %q: requestContext changed", body)
		}
		rq := (*request)(unsafe.Pointer(ri))
		start := uintptr(unsafe.Pointer(unsafe.SliceData(owned)))
		if p := uintptr(unsafe.Pointer(unsafe.SliceData(rq.bodyBytes))); p < start || p >= start+uintptr(len(owned)) {
			t.Errorf("body %q was copied", body)
		}
		// Only the body member's bytes changed.
		at := bytes.Index(payload, []byte(`"body": "`)) + len(`"body": "`)
		end := at + len(body)
		if !bytes.Equal(owned[:at], payload[:at]) || !bytes.Equal(owned[end:], payload[end:]) {
			t.Errorf("body %q: bytes outside the body changed", body)
		}
	}
}
