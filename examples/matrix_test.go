package examples

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// How a source delivers what the matrix sends. Each rule that is not "everything arrives as
// sent" is a documented property of the AWS service the front door plays (events.md §2–3,
// adapter.md §8), written down in the mode table with its reason.
type (
	headerRule int
	queryRule  int
)

const (
	headersSeparate headerRule = iota // every value on its own line, in order
	headersJoined                     // one line, values joined with ","
	headersLast                       // only the last value

	queryExact     queryRule = iota // the raw query string, byte for byte
	queryReencoded                  // the same keys and values, re-encoded from decoded values
	queryLastValue                  // one value per key: the last
)

// mode is one front door of slipway local, with what it does to the matrix's requests.
type mode struct {
	name  string
	flags []string

	query      queryRule
	queryWhy   string
	headers    headerRule
	headersWhy string
	// setCookies is how many of the app's two Set-Cookie headers reach the client.
	setCookies    int
	setCookiesWhy string
	// encodedSlash is the path the app sees for /echo/x%2Fy.
	encodedSlash    string
	encodedSlashWhy string
	// streams: the response reaches the client while the app writes it.
	streams bool
	// functionError is the status a client gets when the invocation fails (events.md §6).
	functionError int
	// checkContext checks the event's requestContext the app received.
	checkContext func(rc map[string]any, method string) error
}

var modes = []mode{
	{
		name: "http", flags: []string{"--event", "http"},
		query:   queryExact,
		headers: headersJoined, headersWhy: "HTTP API payload 2.0 joins repeated headers with commas",
		setCookies:   2,
		encodedSlash: "/echo/x/y", encodedSlashWhy: "HTTP API decodes rawPath, so %2F arrives as /",
		functionError: http.StatusInternalServerError,
		checkContext: func(rc map[string]any, method string) error {
			return expectFields(rc, map[string]any{"http.method": method, "routeKey": "$default", "stage": "$default"}, "requestId", "http.sourceIp", "timeEpoch")
		},
	},
	{
		name: "rest", flags: []string{"--event", "rest", "--binary-media-types", "application/octet-stream"},
		query: queryReencoded, queryWhy: "API Gateway REST decodes query values; the adapter re-encodes them",
		headers:       headersSeparate,
		setCookies:    2,
		encodedSlash:  "/echo/x%2Fy",
		functionError: http.StatusBadGateway,
		checkContext: func(rc map[string]any, method string) error {
			return expectFields(rc, map[string]any{"httpMethod": method, "stage": "prod", "resourcePath": "/{proxy+}"}, "requestId", "identity.sourceIp", "requestTimeEpoch")
		},
	},
	{
		name: "url", flags: []string{"--event", "url"},
		query:   queryExact,
		headers: headersJoined, headersWhy: "Function URLs use payload 2.0, which joins repeated headers with commas",
		setCookies:    2,
		encodedSlash:  "/echo/x%2Fy",
		functionError: http.StatusBadGateway,
		checkContext: func(rc map[string]any, method string) error {
			return expectFields(rc, map[string]any{"http.method": method, "routeKey": "$default", "stage": "$default"}, "requestId", "apiId")
		},
	},
	{
		name: "url-stream", flags: []string{"--event", "url", "--stream"},
		query:   queryExact,
		headers: headersJoined, headersWhy: "Function URLs use payload 2.0, which joins repeated headers with commas",
		setCookies:    2,
		encodedSlash:  "/echo/x%2Fy",
		streams:       true,
		functionError: http.StatusBadGateway,
		checkContext: func(rc map[string]any, method string) error {
			return expectFields(rc, map[string]any{"http.method": method, "routeKey": "$default"}, "requestId")
		},
	},
	{
		name: "alb", flags: []string{"--event", "alb"},
		query: queryLastValue, queryWhy: "an ALB target group without multi-value headers sends one value per query key",
		headers: headersLast, headersWhy: "an ALB target group without multi-value headers sends one value per header",
		setCookies: 1, setCookiesWhy: "an ALB target group without multi-value headers returns one value per header",
		encodedSlash:  "/echo/x%2Fy",
		functionError: http.StatusBadGateway,
		checkContext: func(rc map[string]any, _ string) error {
			return expectFields(rc, nil, "elb.targetGroupArn")
		},
	},
	{
		name: "alb-multi", flags: []string{"--event", "alb", "--alb-multi-value"},
		query:         queryExact,
		headers:       headersSeparate,
		setCookies:    2,
		encodedSlash:  "/echo/x%2Fy",
		functionError: http.StatusBadGateway,
		checkContext: func(rc map[string]any, _ string) error {
			return expectFields(rc, nil, "elb.targetGroupArn")
		},
	},
}

// fixture is one example app running behind one front door.
type fixture struct {
	ex   example
	mode mode
	srv  *localServer
}

// errorStatus is the app status the adapter is configured to turn into a failed invocation.
const errorStatus = 599

// TestMatrix runs every HTTP example behind every front door through a real slipway local,
// and checks what the app received and what the client got.
func TestMatrix(t *testing.T) {
	for _, ex := range httpApps {
		for _, m := range modes {
			t.Run(ex.name+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				command, _ := ex.prepare(t)
				flags := m.flags
				if ex.runtime {
					flags = append([]string{"--runtime"}, flags...)
				}
				srv := startLocal(t, "slipway local", ex.image(), flags, command,
					"AWS_LWA_ERROR_STATUS_CODES="+strconv.Itoa(errorStatus))
				fx := &fixture{ex: ex, mode: m, srv: srv}
				for _, c := range matrixCases {
					if !t.Run(c.name, func(t *testing.T) { c.run(t, fx) }) && c.fatal {
						return
					}
				}
			})
		}
	}
}

// matrixCase is one check run against every fixture.
type matrixCase struct {
	name  string
	run   func(t *testing.T, fx *fixture)
	fatal bool // later cases are pointless if this one fails
}

var matrixCases = []matrixCase{
	{name: "methods", run: testMethods, fatal: true},
	{name: "query", run: testQuery},
	{name: "path-encoding", run: testPathEncoding},
	{name: "headers", run: testHeaders},
	{name: "request-cookies", run: testRequestCookies},
	{name: "set-cookie", run: testSetCookie},
	{name: "binary-download", run: testBinaryDownload},
	{name: "binary-upload", run: testBinaryUpload},
	{name: "not-found", run: testNotFound},
	{name: "status", run: testStatus},
	{name: "function-error", run: testFunctionError},
	{name: "context", run: testContext},
	{name: "stream", run: testStream},
}

func testMethods(t *testing.T, fx *fixture) {
	for _, req := range []request{
		{method: "GET", target: "/echo"},
		{method: "POST", target: "/echo/items", header: [][]string{{"Content-Type", "application/json"}}, body: []byte(`{"name":"wörld","n":1}`)},
		{method: "PUT", target: "/echo/items/7", header: [][]string{{"Content-Type", "text/plain; charset=utf-8"}}, body: []byte("replaced\n")},
		{method: "DELETE", target: "/echo/items/7"},
	} {
		e := echo(t, fx.srv.base, req)
		if e.Method != req.method || e.Path != strings.SplitN(req.target, "?", 2)[0] {
			t.Errorf("%s: app got %s %s", describe(req), e.Method, e.Path)
		}
		if want := digestOf(req.body); e.Body != want {
			t.Errorf("%s: app got body %+v, want %+v", describe(req), e.Body, want)
		}
	}
}

func testQuery(t *testing.T, fx *fixture) {
	const raw = "a=1&a=2&sp%20ace=x%26y&enc=caf%C3%A9&plus=a+b&empty="
	e := echo(t, fx.srv.base, request{method: "GET", target: "/echo?" + raw})
	want := map[string][]string{"a": {"1", "2"}, "sp ace": {"x&y"}, "enc": {"café"}, "plus": {"a b"}, "empty": {""}}
	switch fx.mode.query {
	case queryExact:
		if e.RawQuery != raw {
			t.Errorf("raw query %q, want %q byte for byte", e.RawQuery, raw)
		}
	case queryLastValue:
		want["a"] = []string{"2"}
		t.Logf("repeated key: %s", fx.mode.queryWhy)
	case queryReencoded:
		t.Logf("raw query %q: %s", e.RawQuery, fx.mode.queryWhy)
	}
	if !reflect.DeepEqual(e.Query, want) {
		t.Errorf("parsed query %s, want %s (raw %q)", jsonString(e.Query), jsonString(want), e.RawQuery)
	}
}

func testPathEncoding(t *testing.T, fx *fixture) {
	// Space and non-ASCII arrive percent-encoded from every source.
	e := echo(t, fx.srv.base, request{method: "GET", target: "/echo/a%20b/caf%C3%A9"})
	if e.Path != "/echo/a%20b/caf%C3%A9" {
		t.Errorf("path %q, want /echo/a%%20b/caf%%C3%%A9", e.Path)
	}
	e = echo(t, fx.srv.base, request{method: "GET", target: "/echo/x%2Fy"})
	if e.Path != fx.mode.encodedSlash {
		t.Errorf("path %q for /echo/x%%2Fy, want %q %s", e.Path, fx.mode.encodedSlash, fx.mode.encodedSlashWhy)
	}
}

func testHeaders(t *testing.T, fx *fixture) {
	e := echo(t, fx.srv.base, request{method: "GET", target: "/echo", header: [][]string{
		{"X-Multi", "one"}, {"X-Multi", "two"}, {"X-Single", "only"},
	}})
	var want []string
	switch fx.mode.headers {
	case headersSeparate:
		want = []string{"one", "two"}
	case headersJoined:
		want = []string{"one,two"}
		t.Log(fx.mode.headersWhy)
	case headersLast:
		want = []string{"two"}
		t.Log(fx.mode.headersWhy)
	}
	if got := e.Headers["x-multi"]; !reflect.DeepEqual(got, want) {
		t.Errorf("x-multi: app got %q, want %q", got, want)
	}
	if got := e.Headers["x-single"]; !reflect.DeepEqual(got, []string{"only"}) {
		t.Errorf("x-single: app got %q", got)
	}
	// The app sees the public host, and the forwarding headers the service adds.
	host := strings.TrimPrefix(fx.srv.base, "http://")
	if got := e.Headers["host"]; len(got) != 1 || got[0] != host {
		t.Errorf("host: app got %q, want %q", got, host)
	}
	if got := strings.Join(e.Headers["x-forwarded-for"], ","); !strings.Contains(got, "127.0.0.1") {
		t.Errorf("x-forwarded-for: app got %q, want the client's address", got)
	}
	if got := e.Headers["x-forwarded-proto"]; !reflect.DeepEqual(got, []string{"http"}) {
		t.Errorf("x-forwarded-proto: app got %q", got)
	}
}

func testRequestCookies(t *testing.T, fx *fixture) {
	e := echo(t, fx.srv.base, request{method: "GET", target: "/echo", header: [][]string{{"Cookie", "session=abc; theme=dark"}}})
	if want := map[string]string{"session": "abc", "theme": "dark"}; !reflect.DeepEqual(e.Cookies, want) {
		t.Errorf("app got cookies %v, want %v (cookie headers %q)", e.Cookies, want, e.Headers["cookie"])
	}
}

func testSetCookie(t *testing.T, fx *fixture) {
	resp, body := send(t, fx.srv.base, request{method: "GET", target: "/cookies"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	got := resp.Header.Values("Set-Cookie")
	if len(got) != fx.mode.setCookies {
		t.Fatalf("client got %d Set-Cookie headers %q, want %d %s", len(got), got, fx.mode.setCookies, fx.mode.setCookiesWhy)
	}
	if fx.mode.setCookies < 2 {
		t.Log(fx.mode.setCookiesWhy)
	}
	for i, prefix := range []string{"session=abc123", "theme=dark"}[:len(got)] {
		if fx.mode.setCookies == 1 {
			// Which one survives is the service's business; it must be one of the two, whole.
			if !strings.HasPrefix(got[0], "session=abc123") && !strings.HasPrefix(got[0], "theme=dark") {
				t.Errorf("Set-Cookie %q is neither of the app's cookies", got[0])
			}
			break
		}
		if !strings.HasPrefix(got[i], prefix) {
			t.Errorf("Set-Cookie %d = %q, want %s…", i, got[i], prefix)
		}
	}
}

// binaryPattern is what /binary?size=n answers: byte i is i % 251.
func binaryPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// Binary sizes stay under ALB's 1 MB limit once base64-encoded.
const binarySize = 300_000

func testBinaryDownload(t *testing.T, fx *fixture) {
	resp, body := send(t, fx.srv.base, request{method: "GET", target: "/binary?size=" + strconv.Itoa(binarySize)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %.300q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if want := binaryPattern(binarySize); !bytes.Equal(body, want) {
		t.Errorf("client got %d bytes (sha256 %s), want the %d-byte pattern (sha256 %s)",
			len(body), digestOf(body).SHA256, len(want), digestOf(want).SHA256)
	}
}

func testBinaryUpload(t *testing.T, fx *fixture) {
	upload := make([]byte, binarySize)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range upload {
		upload[i] = byte(rng.Uint32())
	}
	resp, body := send(t, fx.srv.base, request{method: "POST", target: "/upload",
		header: [][]string{{"Content-Type", "application/octet-stream"}}, body: upload})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %.300q", resp.StatusCode, body)
	}
	var got struct {
		digest
		ContentType string `json:"contentType"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("reply %.300q: %v", body, err)
	}
	if want := digestOf(upload); got.digest != want {
		t.Errorf("app got %+v, want %+v", got.digest, want)
	}
	if got.ContentType != "application/octet-stream" {
		t.Errorf("app got Content-Type %q", got.ContentType)
	}
}

func testNotFound(t *testing.T, fx *fixture) {
	resp, body := send(t, fx.srv.base, request{method: "GET", target: "/no/such/route"})
	var reply struct{ Error, Path string }
	if resp.StatusCode != http.StatusNotFound || json.Unmarshal(body, &reply) != nil || reply.Error != "not found" || reply.Path != "/no/such/route" {
		t.Errorf("client got %d %q, want the app's 404", resp.StatusCode, body)
	}
}

// testStatus: an app's 5xx is a successful invocation, so its status and body pass through.
func testStatus(t *testing.T, fx *fixture) {
	for _, tc := range []struct {
		method string
		code   int
	}{{"GET", 500}, {"POST", 503}, {"DELETE", 204}, {"PUT", 418}} {
		resp, body := send(t, fx.srv.base, request{method: tc.method, target: fmt.Sprintf("/status/%d", tc.code)})
		want := fmt.Sprintf(`{"status":%d}`, tc.code)
		if tc.code == http.StatusNoContent {
			want = ""
		}
		if resp.StatusCode != tc.code || compactJSON(body) != want {
			t.Errorf("%s /status/%d: client got %d %q, want %d %q", tc.method, tc.code, resp.StatusCode, body, tc.code, want)
		}
	}
}

// testFunctionError: a status listed in AWS_LWA_ERROR_STATUS_CODES fails the invocation, and
// the client gets the front door's own error status.
func testFunctionError(t *testing.T, fx *fixture) {
	if fx.ex.runtime {
		// AWS_LWA_ERROR_STATUS_CODES is an adapter setting: under the library the handler's
		// status is the response, whatever it is.
		resp, body := send(t, fx.srv.base, request{method: "GET", target: fmt.Sprintf("/status/%d", errorStatus)})
		if resp.StatusCode != errorStatus || compactJSON(body) != fmt.Sprintf(`{"status":%d}`, errorStatus) {
			t.Errorf("client got %d %q, want the handler's %d", resp.StatusCode, body, errorStatus)
		}
		return
	}
	resp, body := send(t, fx.srv.base, request{method: "GET", target: fmt.Sprintf("/status/%d", errorStatus)})
	if resp.StatusCode != fx.mode.functionError {
		t.Errorf("client got %d %q, want the front door's %d for a failed invocation", resp.StatusCode, body, fx.mode.functionError)
	}
	if bytes.Contains(body, []byte(`"status"`)) {
		t.Errorf("the app's body reached the client of a failed invocation: %q", body)
	}
}

// testContext: the app gets the event's requestContext and the invocation's context, and a
// client cannot forge either.
func testContext(t *testing.T, fx *fixture) {
	e := echo(t, fx.srv.base, request{method: "POST", target: "/echo/ctx", body: []byte("x"), header: [][]string{
		{"X-Amzn-Request-Context", `{"forged":true,"stage":"forged"}`},
		{"X-Amzn-Lambda-Context", `{"request_id":"forged"}`},
	}})
	var rc map[string]any
	if err := json.Unmarshal(e.RequestContext, &rc); err != nil || rc == nil {
		t.Fatalf("requestContext %s: want the event's object (%v)", e.RequestContext, err)
	}
	if _, forged := rc["forged"]; forged {
		t.Errorf("requestContext %s comes from the client's header", e.RequestContext)
	}
	if err := fx.mode.checkContext(rc, "POST"); err != nil {
		t.Errorf("requestContext %s: %v", e.RequestContext, err)
	}
	var lc map[string]any
	if err := json.Unmarshal(e.LambdaContext, &lc); err != nil || lc == nil {
		t.Fatalf("lambdaContext %s: want the invocation's context (%v)", e.LambdaContext, err)
	}
	if err := expectFields(lc, nil, "request_id", "deadline", "xray_trace_id"); err != nil {
		t.Errorf("lambdaContext %s: %v", e.LambdaContext, err)
	}
	if lc["request_id"] == "forged" {
		t.Errorf("lambdaContext %s comes from the client's header", e.LambdaContext)
	}
	if arn, _ := lc["invoked_function_arn"].(string); !strings.HasSuffix(arn, ":function:function") {
		t.Errorf("invoked_function_arn %q", arn)
	}
}

// testStream: /stream writes chunks 250 ms apart, each stamped with when it was written. A
// streaming front door must hand the client the first chunk while the app still sleeps before
// the last; a buffered one can only answer once the last is written.
func testStream(t *testing.T, fx *fixture) {
	const chunks, delay = 3, 250
	chunkTimes, firstAt := readStream(t, fx.srv.base+fmt.Sprintf("/stream?chunks=%d&delay=%d", chunks, delay))
	if len(chunkTimes) != chunks {
		t.Fatalf("got %d chunks, want %d", len(chunkTimes), chunks)
	}
	last := chunkTimes[chunks-1]
	if fx.mode.streams {
		if firstAt.After(last) {
			t.Errorf("first chunk received at %s, after the app wrote the last at %s: not streamed",
				firstAt.Format(time.StampMilli), last.Format(time.StampMilli))
		} else {
			t.Logf("first chunk received %v before the last was written", last.Sub(firstAt).Round(time.Millisecond))
		}
		return
	}
	// Millisecond stamps: allow the truncation of the app's clock reading.
	if firstAt.Add(time.Millisecond).Before(last) {
		t.Errorf("first chunk received at %s, before the app wrote the last at %s, from a buffered front door",
			firstAt.Format(time.StampMilli), last.Format(time.StampMilli))
	}
}

// readStream GETs url and returns when each "chunk N at MS" line was written (by the app's
// clock) and when the first line arrived (by ours).
func readStream(t *testing.T, url string) (written []time.Time, firstAt time.Time) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %q", resp.StatusCode, b)
	}
	br := bufio.NewReader(resp.Body)
	for i := 0; ; i++ {
		line, err := br.ReadString('\n')
		if i == 0 {
			firstAt = time.Now()
		}
		if line != "" {
			var n int
			var ms int64
			if _, scanErr := fmt.Sscanf(line, "chunk %d at %d\n", &n, &ms); scanErr != nil || n != i {
				t.Fatalf("line %d: %q is not chunk %d", i, line, i)
			}
			written = append(written, time.UnixMilli(ms))
		}
		if err == io.EOF {
			return written, firstAt
		}
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
	}
}

func digestOf(b []byte) digest {
	sum := sha256.Sum256(b)
	return digest{Length: len(b), SHA256: hex.EncodeToString(sum[:])}
}

func compactJSON(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

// expectFields checks dotted paths of a decoded JSON object: want's values exactly, present's
// as present and non-empty.
func expectFields(obj map[string]any, want map[string]any, present ...string) error {
	var problems []string
	for path, v := range want {
		if got := lookup(obj, path); got != v {
			problems = append(problems, fmt.Sprintf("%s = %v, want %v", path, got, v))
		}
	}
	for _, path := range present {
		if got := lookup(obj, path); got == nil || got == "" {
			problems = append(problems, path+" is missing")
		}
	}
	if problems != nil {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

func lookup(obj map[string]any, path string) any {
	var cur any = obj
	for _, key := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[key]
	}
	return cur
}

// TestRESTWithoutBinaryMediaTypes: a REST API decodes a base64 body only for the types in its
// binaryMediaTypes; for any other type the client receives the base64 text itself. The matrix
// configures application/octet-stream; here it is missing, as it is in a new API.
func TestRESTWithoutBinaryMediaTypes(t *testing.T) {
	t.Parallel()
	command, _ := express.prepare(t)
	srv := startLocal(t, "slipway local", express.image(), []string{"--event", "rest"}, command)
	resp, body := send(t, srv.base, request{method: "GET", target: "/binary?size=1000"})
	if want := base64.StdEncoding.EncodeToString(binaryPattern(1000)); resp.StatusCode != http.StatusOK || string(body) != want {
		t.Errorf("client got %d %.80q…, want the base64 text of the 1000-byte pattern", resp.StatusCode, body)
	}
	// Text is unaffected.
	e := echo(t, srv.base, request{method: "POST", target: "/echo", header: [][]string{{"Content-Type", "application/json"}}, body: []byte(`{"a":1}`)})
	if e.Body != digestOf([]byte(`{"a":1}`)) {
		t.Errorf("app got body %+v", e.Body)
	}
}
