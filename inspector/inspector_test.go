package inspector

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// startServer serves the inspector the way the inspector command does: with header order recorded.
func startServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(New())
	srv.Listener = WrapListener(srv.Listener)
	srv.Config.ConnContext = ConnContext
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, srv *httptest.Server, method, target string, body []byte, headers [][2]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		req.Header.Add(h[0], h[1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func snapshotOf(t *testing.T, srv *httptest.Server, method, target string, body []byte, headers [][2]string) Snapshot {
	t.Helper()
	resp, b := send(t, srv, method, target, body, append(headers, [2]string{"Accept", "application/json"}))
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
	var s Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return s
}

// rawSnapshot sends a hand-written request (net/http's client would sort the headers) and
// decodes the JSON answer.
func rawSnapshot(t *testing.T, srv *httptest.Server, request string) Snapshot {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJSONShape(t *testing.T) {
	srv := startServer(t)
	s := rawSnapshot(t, srv, "POST /items/a%20b?x=1&x=%20y&flag HTTP/1.1\r\nHost: example.test\r\n"+
		"X-Second: 2\r\nX-First: 1\r\nX-Rep: a\r\nX-Rep: b\r\nContent-Type: application/json\r\n"+
		"Cookie: a=1; b=two\r\nAccept: application/json\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{\"a\":1}")
	if s.Method != "POST" || s.Path != "/items/a b" || s.RawPath != "/items/a%20b" || s.RawQuery != "x=1&x=%20y&flag" {
		t.Errorf("request line: %+v", s)
	}
	if q, _ := json.Marshal(s.Query); string(q) != `[{"key":"x","value":"1"},{"key":"x","value":" y"},{"key":"flag","value":""}]` {
		t.Errorf("query %s", q)
	}
	if !s.HeadersInOrder {
		t.Fatal("headers not in arrival order")
	}
	var names []string
	for _, h := range s.Headers {
		names = append(names, h.Name+"="+h.Value)
	}
	got := strings.Join(names, " ")
	for _, want := range []string{"X-Second=2 X-First=1 X-Rep=a X-Rep=b"} {
		if !strings.Contains(got, want) {
			t.Errorf("headers %q do not contain %q in order", got, want)
		}
	}
	if !strings.HasPrefix(got, "Host=example.test X-Second") {
		t.Errorf("Host not first: %q", got)
	}
	if c, _ := json.Marshal(s.Cookies); string(c) != `[{"name":"a","value":"1"},{"name":"b","value":"two"}]` {
		t.Errorf("cookies %s", c)
	}
	if s.Body.Size != 7 || s.Body.Text != `{"a":1}` || s.Body.Binary {
		t.Errorf("body %+v", s.Body)
	}
	if s.RequestContext != nil || s.LambdaContext != nil || s.BehindSlipway {
		t.Error("context reported without the headers")
	}
}

func TestHeadersWithoutRecordingAreSorted(t *testing.T) {
	srv := httptest.NewServer(New())
	defer srv.Close()
	s := snapshotOf(t, srv, "GET", "/", nil, [][2]string{{"X-B", "2"}, {"X-A", "1"}})
	if s.HeadersInOrder {
		t.Fatal("claims arrival order without a recording listener")
	}
	var names []string
	for _, h := range s.Headers {
		names = append(names, h.Name)
	}
	if strings.Join(names, ",") != "Host,Accept,Accept-Encoding,User-Agent,X-A,X-B" {
		t.Errorf("names %v", names)
	}
}

func TestKeepAliveRequestsEachShowTheirOwnHeaders(t *testing.T) {
	srv := startServer(t)
	for i, v := range []string{"first", "second", "third"} {
		s := snapshotOf(t, srv, "POST", "/same", bytes.Repeat([]byte("x"), 100*i), [][2]string{{"X-Which", v}})
		if !s.HeadersInOrder {
			t.Errorf("request %d: order lost", i)
		}
		found := false
		for _, h := range s.Headers {
			if h.Name == "X-Which" {
				found = h.Value == v
			}
		}
		if !found {
			t.Errorf("request %d shows another request's headers: %+v", i, s.Headers)
		}
	}
}

func TestDecodesBothContextHeaders(t *testing.T) {
	srv := startServer(t)
	rc := `{"requestId":"abc","stage":"$default","http":{"method":"GET"}}`
	lc := `{"request_id":"8f0c","deadline":4102444800000,"invoked_function_arn":"arn:aws:lambda:us-east-1:123456789012:function:f"}`
	s := snapshotOf(t, srv, "GET", "/", nil, [][2]string{{"X-Amzn-Request-Context", rc}, {"X-Amzn-Lambda-Context", lc}})
	if s.RequestContext == nil || compact(s.RequestContext.JSON) != rc {
		t.Errorf("request context %+v", s.RequestContext)
	}
	if s.LambdaContext == nil || compact(s.LambdaContext.JSON) != lc || !s.BehindSlipway || s.DeadlineIn == "" {
		t.Errorf("lambda context %+v, behind %v, deadline %q", s.LambdaContext, s.BehindSlipway, s.DeadlineIn)
	}
	resp, page := send(t, srv, "GET", "/", nil, [][2]string{{"X-Amzn-Request-Context", rc}, {"X-Amzn-Lambda-Context", `{broken`}})
	html := string(page)
	if resp.StatusCode != 200 || !strings.Contains(html, `&#34;requestId&#34;: &#34;abc&#34;`) {
		t.Errorf("request context not pretty-printed in the page")
	}
	if !strings.Contains(html, "not valid JSON") || !strings.Contains(html, "{broken") {
		t.Error("an undecodable lambda context is not reported")
	}
}

func TestHTMLEscapesHostileInput(t *testing.T) {
	srv := startServer(t)
	const evil = `<script>alert(1)</script>`
	resp, page := send(t, srv, "POST", "/%3Cscript%3Ealert(1)%3C/script%3E?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", []byte(evil),
		[][2]string{{"X-Evil", evil}, {"Cookie", "c=" + pctEncode(evil)}, {"Content-Type", "text/html"},
			{"X-Amzn-Request-Context", `{"x":"` + evil + `"}`}, {"Accept", "text/html"}})
	html := string(page)
	if strings.Contains(html, "<script") {
		t.Fatal("hostile input reached the page unescaped")
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("hostile input not shown escaped")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
}

func compact(raw []byte) string {
	var b bytes.Buffer
	_ = json.Compact(&b, raw)
	return b.String()
}

func pctEncode(s string) string {
	return strings.NewReplacer("<", "%3C", ">", "%3E", "(", "%28", ")", "%29").Replace(s)
}

func TestBinaryBodySummary(t *testing.T) {
	srv := startServer(t)
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i)
	}
	s := snapshotOf(t, srv, "PUT", "/", data, [][2]string{{"Content-Type", "application/octet-stream"}})
	if !s.Body.Binary || s.Body.Size != 1000 || !s.Body.Truncated || s.Body.Text != "" {
		t.Fatalf("body %+v", s.Body)
	}
	if dec, err := base64.StdEncoding.DecodeString(s.Body.Base64); err != nil || !bytes.Equal(dec, data[:binaryPreview]) {
		t.Error("base64 preview is not the start of the body")
	}
	_, page := send(t, srv, "PUT", "/", data, nil)
	if !strings.Contains(string(page), "1000 bytes") || !strings.Contains(string(page), "00000000  00 01 02 03") {
		t.Error("page lacks the size or the hex dump")
	}
	small := snapshotOf(t, srv, "PUT", "/", []byte("a\x00b"), nil)
	if !small.Body.Binary || small.Body.Truncated {
		t.Errorf("NUL-containing body %+v", small.Body)
	}
}

// flushRecorder records what had been written at each flush.
type flushRecorder struct {
	*httptest.ResponseRecorder
	flushes []string
}

func (f *flushRecorder) Flush() {
	f.flushes = append(f.flushes, f.Body.String())
	f.ResponseRecorder.Flush()
}

func TestStreamFlushesEachEvent(t *testing.T) {
	rec := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	New().ServeHTTP(rec, httptest.NewRequest("GET", "/stream?n=3&interval=0s", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if len(rec.flushes) != 3 {
		t.Fatalf("%d flushes, want one per event", len(rec.flushes))
	}
	for i, f := range rec.flushes {
		if got := strings.Count(f, "data: "); got != i+1 {
			t.Errorf("flush %d carried %d events in total, want %d", i, got, i+1)
		}
	}
	for _, bad := range []string{"/stream?n=0", "/stream?n=51", "/stream?interval=1h", "/stream?interval=x"} {
		rec := httptest.NewRecorder()
		New().ServeHTTP(rec, httptest.NewRequest("GET", bad, nil))
		if rec.Code != 400 {
			t.Errorf("%s: status %d", bad, rec.Code)
		}
	}
}

func TestStreamOverRealHTTPArrivesIncrementally(t *testing.T) {
	srv := startServer(t)
	resp, err := srv.Client().Get(srv.URL + "/stream?n=2&interval=5s")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 256)
	n, err := resp.Body.Read(buf) // the first event is there while the second is 5 s away
	if err != nil || !strings.Contains(string(buf[:n]), "event 1 of 2") {
		t.Fatalf("first read %q, %v", buf[:n], err)
	}
}

func TestRoutes(t *testing.T) {
	srv := startServer(t)
	for _, tc := range []struct {
		target string
		status int
		body   string
	}{
		{"/status/418", 418, "418 I'm a teapot\n"},
		{"/status/503", 503, "503 Service Unavailable\n"},
		{"/status/204", 204, ""},
		{"/status/99", 400, ""},
		{"/status/600", 400, ""},
		{"/status/abc", 400, ""},
	} {
		resp, body := send(t, srv, "GET", tc.target, nil, nil)
		if resp.StatusCode != tc.status || tc.body != "" && string(body) != tc.body {
			t.Errorf("%s: %d %q", tc.target, resp.StatusCode, body)
		}
	}
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(srv.URL + "/cookies")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/" || len(resp.Header.Values("Set-Cookie")) != 2 {
		t.Errorf("/cookies: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body := send(t, srv, "GET", "/binary", nil, nil)
	if resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("/binary type %q", resp.Header.Get("Content-Type"))
	}
	if _, err := png.Decode(bytes.NewReader(body)); err != nil {
		t.Errorf("/binary is not a PNG: %v", err)
	}
	if isText(body) {
		t.Error("/binary is text; it would not exercise base64")
	}
}

// FuzzInspect: any context header values and body give a 200 page and valid JSON, never a panic,
// and the HTML never carries a tag from the input.
func FuzzInspect(f *testing.F) {
	f.Add(`{"requestId":"a"}`, `{"request_id":"b","deadline":1}`, []byte("hello"))
	f.Add(`{`, `null`, []byte{0, 1, 2, 0xff})
	f.Add(`<script>`, `{"deadline":-9223372036854775808}`, []byte("<script>"))
	h := New()
	f.Fuzz(func(t *testing.T, requestContext, lambdaContext string, body []byte) {
		for _, accept := range []string{"application/json", "text/html"} {
			req := httptest.NewRequest("POST", "/x", bytes.NewReader(body))
			req.Header.Set("X-Amzn-Request-Context", requestContext)
			req.Header.Set("X-Amzn-Lambda-Context", lambdaContext)
			req.Header.Set("Accept", accept)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			if accept == "application/json" && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("invalid JSON: %s", rec.Body)
			}
			if accept == "text/html" && strings.Contains(rec.Body.String(), "<script") {
				t.Fatal("input reached the page unescaped")
			}
		}
	})
}
