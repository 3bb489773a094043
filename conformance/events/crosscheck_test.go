package events

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"strings"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdaurl"

	"github.com/slipway-dev/slipway/event"
)

// expectHeaders folds an event's header map (name → values) into what a server-side
// http.Header holds: canonical names, values of equal names merged in order, Host apart.
func expectHeaders(m map[string][]string, order []string) (http.Header, string) {
	h := http.Header{}
	host := ""
	for _, k := range order {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if ck == "Host" {
			if host == "" && len(m[k]) > 0 {
				host = m[k][0]
			}
			continue
		}
		h[ck] = append(h[ck], m[k]...)
	}
	return h, host
}

// keyOrder returns the keys of the object member field of payload in document order (Go maps
// forget it; the decoder keeps it when two spellings of one name repeat).
func keyOrder(t *testing.T, payload []byte, field string) []string {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(payload, &top); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(top[field]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func single(m map[string]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

func checkHeaders(t *testing.T, name string, r *http.Request, want http.Header, host string) {
	t.Helper()
	if !reflect.DeepEqual(map[string][]string(r.Header), map[string][]string(want)) {
		t.Errorf("%s: headers\n%v\nwant\n%v", name, r.Header, want)
	}
	if host != "" && r.Host != host {
		t.Errorf("%s: Host %q, want %q", name, r.Host, host)
	}
}

func checkBody(t *testing.T, name string, body []byte, eventBody string, b64 bool) {
	t.Helper()
	want := []byte(eventBody)
	if b64 {
		var err error
		if want, err = base64.StdEncoding.DecodeString(eventBody); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(body, want) {
		t.Errorf("%s: body %q, want %q", name, body, want)
	}
}

func checkQuery(t *testing.T, name string, r *http.Request, want map[string][]string) {
	t.Helper()
	got, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		t.Fatalf("%s: query %q: %v", name, r.URL.RawQuery, err)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(map[string][]string(got), want) {
		t.Errorf("%s: query %v, want %v", name, got, want)
	}
}

// TestCrossCheckREST compares decoded REST samples with aws-lambda-go's own unmarshalling.
func TestCrossCheckREST(t *testing.T) {
	for _, name := range []string{"apigw-request.json", "apigw-restapi-openapi-request.json"} {
		payload := readSample(t, name)
		var e awsevents.APIGatewayProxyRequest
		if err := json.Unmarshal(payload, &e); err != nil {
			t.Fatal(err)
		}
		r, ev, body := decode(t, payload)
		if r.Method != e.HTTPMethod || r.URL.Path != e.Path || r.RemoteAddr != e.RequestContext.Identity.SourceIP+":0" {
			t.Errorf("%s: %s %s from %s", name, r.Method, r.URL.Path, r.RemoteAddr)
		}
		want, host := expectHeaders(e.MultiValueHeaders, keyOrder(t, payload, "multiValueHeaders"))
		checkHeaders(t, name, r, want, host)
		checkQuery(t, name, r, e.MultiValueQueryStringParameters)
		checkBody(t, name, body, e.Body, e.IsBase64Encoded)
		var rc awsevents.APIGatewayProxyRequestContext
		if err := ev.DecodeRequestContext(&rc); err != nil || !reflect.DeepEqual(rc, e.RequestContext) {
			t.Errorf("%s: requestContext %+v, %v", name, rc, err)
		}
	}
}

func TestCrossCheckV2(t *testing.T) {
	for _, name := range []string{"apigw-v2-request-iam.json", "apigw-v2-request-jwt-authorizer.json",
		"apigw-v2-request-lambda-authorizer.json", "apigw-v2-request-no-authorizer.json"} {
		payload := readSample(t, name)
		var e awsevents.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &e); err != nil {
			t.Fatal(err)
		}
		r, ev, body := decode(t, payload)
		if r.Method != e.RequestContext.HTTP.Method || r.URL.Path != e.RawPath || r.URL.RawQuery != e.RawQueryString ||
			r.RemoteAddr != e.RequestContext.HTTP.SourceIP+":0" {
			t.Errorf("%s: %s %s ? %s from %s", name, r.Method, r.URL.Path, r.URL.RawQuery, r.RemoteAddr)
		}
		want, host := expectHeaders(single(e.Headers), keyOrder(t, payload, "headers"))
		if len(e.Cookies) > 0 {
			want["Cookie"] = []string{strings.Join(e.Cookies, "; ")}
		}
		if host == "" {
			host = e.RequestContext.DomainName
		}
		checkHeaders(t, name, r, want, host)
		checkBody(t, name, body, e.Body, e.IsBase64Encoded)
		var rc awsevents.APIGatewayV2HTTPRequestContext
		if err := ev.DecodeRequestContext(&rc); err != nil || !reflect.DeepEqual(rc, e.RequestContext) {
			t.Errorf("%s: requestContext %+v, %v", name, rc, err)
		}
	}
}

func TestCrossCheckFunctionURL(t *testing.T) {
	payload := readSample(t, "lambda-urls-request.json")
	var e awsevents.LambdaFunctionURLRequest
	if err := json.Unmarshal(payload, &e); err != nil {
		t.Fatal(err)
	}
	r, ev, body := decode(t, payload)
	if r.Method != e.RequestContext.HTTP.Method || r.URL.Path != e.RawPath || r.URL.RawQuery != e.RawQueryString ||
		r.Host != e.RequestContext.DomainName || r.RemoteAddr != e.RequestContext.HTTP.SourceIP+":0" {
		t.Errorf("%s %s ? %s host %s from %s", r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.RemoteAddr)
	}
	want, _ := expectHeaders(single(e.Headers), keyOrder(t, payload, "headers"))
	want["Cookie"] = []string{strings.Join(e.Cookies, "; ")}
	checkHeaders(t, "lambda-urls-request.json", r, want, "")
	checkBody(t, "lambda-urls-request.json", body, e.Body, e.IsBase64Encoded)
	var rc awsevents.LambdaFunctionURLRequestContext
	if err := ev.DecodeRequestContext(&rc); err != nil || !reflect.DeepEqual(rc, e.RequestContext) {
		t.Errorf("requestContext %+v, %v", rc, err)
	}
}

func TestCrossCheckALB(t *testing.T) {
	for _, name := range []string{"alb-lambda-target-request-headers-only.json", "alb-lambda-target-request-multivalue-headers.json"} {
		payload := readSample(t, name)
		var e awsevents.ALBTargetGroupRequest
		if err := json.Unmarshal(payload, &e); err != nil {
			t.Fatal(err)
		}
		r, ev, body := decode(t, payload)
		var want http.Header
		var host string
		query := e.MultiValueQueryStringParameters
		if ev.Source == event.ALBMultiValue {
			want, host = expectHeaders(e.MultiValueHeaders, keyOrder(t, payload, "multiValueHeaders"))
		} else {
			want, host = expectHeaders(single(e.Headers), keyOrder(t, payload, "headers"))
			query = single(e.QueryStringParameters)
		}
		xff := want.Values("X-Forwarded-For")
		last := strings.TrimSpace(xff[len(xff)-1][strings.LastIndex(xff[len(xff)-1], ",")+1:])
		if r.Method != e.HTTPMethod || r.URL.Path != e.Path || r.RemoteAddr != last+":0" {
			t.Errorf("%s: %s %s from %s", name, r.Method, r.URL.Path, r.RemoteAddr)
		}
		checkHeaders(t, name, r, want, host)
		checkQuery(t, name, r, query)
		checkBody(t, name, body, e.Body, e.IsBase64Encoded)
		var rc awsevents.ALBTargetGroupRequestContext
		if err := ev.DecodeRequestContext(&rc); err != nil || rc != e.RequestContext {
			t.Errorf("%s: requestContext %+v, %v", name, rc, err)
		}
	}
}

var replyHeader = http.Header{
	"Content-Type": {"text/plain; charset=utf-8"},
	"X-Multi":      {"a", "b"},
	"Set-Cookie":   {"a=1; Path=/", "b=2; HttpOnly"},
}

func respond(t *testing.T, src event.Source, h http.Header, body []byte, v any) {
	t.Helper()
	out, err := (&event.Event{Source: src}).AppendResponse(nil, 200, h, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%s response %s: %v", src, out, err)
	}
}

// TestResponsesUnmarshal checks that encoded responses read back through aws-lambda-go's
// response structs with the values the handler set.
func TestResponsesUnmarshal(t *testing.T) {
	body := []byte("hello")
	for _, src := range []event.Source{event.RESTAPI, event.HTTPAPIV1} {
		var got awsevents.APIGatewayProxyResponse
		respond(t, src, replyHeader, body, &got)
		want := awsevents.APIGatewayProxyResponse{StatusCode: 200, MultiValueHeaders: replyHeader, Body: "hello"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v", src, got)
		}
	}
	var v2 awsevents.APIGatewayV2HTTPResponse
	respond(t, event.HTTPAPIV2, replyHeader, body, &v2)
	wantV2 := awsevents.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "hello", Cookies: replyHeader["Set-Cookie"],
		Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-Multi": "a,b"}}
	if !reflect.DeepEqual(v2, wantV2) {
		t.Errorf("http-v2: %+v", v2)
	}
	var url awsevents.LambdaFunctionURLResponse
	respond(t, event.FunctionURL, replyHeader, body, &url)
	wantURL := awsevents.LambdaFunctionURLResponse{StatusCode: 200, Body: "hello", Cookies: replyHeader["Set-Cookie"],
		Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-Multi": "a,b"}}
	if !reflect.DeepEqual(url, wantURL) {
		t.Errorf("function-url: %+v", url)
	}
	var alb awsevents.ALBTargetGroupResponse
	respond(t, event.ALB, replyHeader, body, &alb)
	wantALB := awsevents.ALBTargetGroupResponse{StatusCode: 200, StatusDescription: "200 OK", Body: "hello",
		Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-Multi": "a, b", "Set-Cookie": "a=1; Path=/"}}
	if !reflect.DeepEqual(alb, wantALB) {
		t.Errorf("alb: %+v", alb)
	}
	var albMulti awsevents.ALBTargetGroupResponse
	respond(t, event.ALBMultiValue, replyHeader, body, &albMulti)
	wantALB = awsevents.ALBTargetGroupResponse{StatusCode: 200, StatusDescription: "200 OK", Body: "hello", MultiValueHeaders: replyHeader}
	if !reflect.DeepEqual(albMulti, wantALB) {
		t.Errorf("alb-multi: %+v", albMulti)
	}
	// Binary bodies come back base64 with the flag set.
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff}
	var bin awsevents.APIGatewayV2HTTPResponse
	respond(t, event.HTTPAPIV2, http.Header{"Content-Type": {"image/png"}}, png, &bin)
	if decoded, _ := base64.StdEncoding.DecodeString(bin.Body); !bin.IsBase64Encoded || !bytes.Equal(decoded, png) {
		t.Errorf("binary: %+v", bin)
	}
}

type prelude struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
}

func splitPrelude(t *testing.T, b []byte) (prelude, []byte) {
	t.Helper()
	i := bytes.Index(b, make([]byte, 8))
	if i < 0 {
		t.Fatalf("no delimiter in %q", b)
	}
	var p prelude
	if err := json.Unmarshal(b[:i], &p); err != nil {
		t.Fatalf("prelude %q: %v", b[:i], err)
	}
	return p, b[i+8:]
}

// TestStreamPreludeMatchesLambdaURL compares the Function URL prelude with the one
// aws-lambda-go's lambdaurl writes for the same handler response (single-value headers:
// lambdaurl joins repeats with ",", the prelude sends them as arrays).
func TestStreamPreludeMatchesLambdaURL(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Request", r.URL.Path)
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "streamed body")
	})
	out, err := lambda.NewHandler(lambdaurl.Wrap(h)).Invoke(context.Background(), readSample(t, "lambda-urls-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	theirs, theirBody := splitPrelude(t, out)

	r, ev, _ := decode(t, readSample(t, "lambda-urls-request.json"))
	rec := &recorder{h: http.Header{}}
	h.ServeHTTP(rec, r)
	ours, _ := splitPrelude(t, ev.AppendStreamPrelude(nil, rec.code, rec.h))
	if !reflect.DeepEqual(ours, theirs) || string(theirBody) != "streamed body" {
		t.Errorf("prelude\n%+v\naws-lambda-go lambdaurl writes\n%+v", ours, theirs)
	}
}

// TestRESTStreamPrelude compares the REST STREAM-mode prelude with aws-lambda-go's
// APIGatewayProxyStreamingResponse for the same values.
func TestRESTStreamPrelude(t *testing.T) {
	theirs, err := io.ReadAll(&awsevents.APIGatewayProxyStreamingResponse{StatusCode: 200,
		MultiValueHeaders: map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}, "X-Multi": {"a", "b"}},
		Cookies:           replyHeader["Set-Cookie"]})
	if err != nil {
		t.Fatal(err)
	}
	ours := (&event.Event{Source: event.RESTAPI}).AppendStreamPrelude(nil, 200, replyHeader)
	if string(ours) != string(theirs) {
		t.Errorf("REST prelude\n%q\naws-lambda-go writes\n%q", ours, theirs)
	}
}

type recorder struct {
	h    http.Header
	code int
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
