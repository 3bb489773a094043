package frontdoor

// One test per row of events.md §7 that concerns a front door, named after the row.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/local"
)

// requestIDOf returns the gateway's request id and time of an event of any source.
func requestIDOf(ev map[string]any) (id string, epoch float64) {
	id = str(ev, "requestContext", "requestId")
	if e, ok := field(ev, "requestContext", "requestTimeEpoch").(float64); ok {
		return id, e
	}
	e, _ := field(ev, "requestContext", "timeEpoch").(float64)
	return id, e
}

func TestRow01FreshRequestIDAndTimePerRequest(t *testing.T) {
	for _, cfg := range []Config{{Kind: REST}, {Kind: HTTPAPI}, {Kind: URL}} {
		t.Run(kindName(cfg), func(t *testing.T) {
			td := startDoor(t, cfg, result(okResult))
			td.get(t, "/a", nil)
			ev1 := td.fn.last(t)
			time.Sleep(5 * time.Millisecond)
			td.get(t, "/a", nil)
			ev2 := td.fn.last(t)
			id1, t1 := requestIDOf(ev1)
			id2, t2 := requestIDOf(ev2)
			if id1 == "" || id1 == id2 {
				t.Errorf("requestId not fresh per request: %q, %q", id1, id2)
			}
			if t2 <= t1 {
				t.Errorf("request time not fresh per request: %v then %v", t1, t2)
			}
			if a, b := str(ev1, "requestContext", "apiId"), str(ev2, "requestContext", "apiId"); a == "" || a != b {
				t.Errorf("apiId not stable: %q, %q", a, b)
			}
			// The gateway's id is never the Lambda request id: the platform makes that one.
			if strings.Contains(string(td.fn.lastReq().Payload), `"requestId":""`) {
				t.Error("empty requestId")
			}
		})
	}
}

func TestRow02TimeEpochInMilliseconds(t *testing.T) {
	for _, cfg := range []Config{{Kind: REST}, {Kind: HTTPAPI}, {Kind: URL}} {
		t.Run(kindName(cfg), func(t *testing.T) {
			td := startDoor(t, cfg, result(okResult))
			before := time.Now().UnixMilli()
			td.get(t, "/", nil)
			after := time.Now().UnixMilli()
			ev := td.fn.last(t)
			_, epoch := requestIDOf(ev)
			if int64(epoch) < before || int64(epoch) > after {
				t.Fatalf("epoch %v not in ms between %d and %d", epoch, before, after)
			}
			rt := str(ev, "requestContext", "requestTime") + str(ev, "requestContext", "time")
			parsed, err := time.Parse("02/Jan/2006:15:04:05 -0700", rt)
			if err != nil || !regexp.MustCompile(`^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$`).MatchString(rt) {
				t.Fatalf("requestTime %q not dd/Mon/yyyy:HH:mm:ss +0000: %v", rt, err)
			}
			if parsed.Unix() != int64(epoch)/1000 {
				t.Errorf("requestTime %q and epoch %v disagree", rt, epoch)
			}
		})
	}
}

func TestRow03V2HeadersLowerCaseRepeatsCommaJoined(t *testing.T) {
	for _, cfg := range []Config{{Kind: HTTPAPI}, {Kind: URL}} {
		t.Run(kindName(cfg), func(t *testing.T) {
			td := startDoor(t, cfg, result(okResult))
			td.get(t, "/", http.Header{"X-Repeated": {"one", "two"}, "X-Single": {"v"}})
			ev := td.fn.last(t)
			headers := field(ev, "headers").(map[string]any)
			for k := range headers {
				if k != strings.ToLower(k) {
					t.Errorf("header name %q not lower-case", k)
				}
			}
			if got := headers["x-repeated"]; got != "one,two" {
				t.Errorf("x-repeated = %v, want one,two", got)
			}
			if got := headers["x-single"]; got != "v" {
				t.Errorf("x-single = %v", got)
			}
			if got := headers["host"]; got != strings.TrimPrefix(td.srv.URL, "http://") {
				t.Errorf("host = %v", got)
			}
		})
	}
}

func TestRow04HTTPAPIMovesCookieIntoCookies(t *testing.T) {
	for _, tc := range []struct {
		cfg        Config
		keepHeader bool
	}{{Config{Kind: HTTPAPI}, false}, {Config{Kind: URL}, true}} {
		t.Run(kindName(tc.cfg), func(t *testing.T) {
			td := startDoor(t, tc.cfg, result(okResult))
			td.get(t, "/", http.Header{"Cookie": {"a=1; b=2", "c=3"}})
			ev := td.fn.last(t)
			cookies, _ := json.Marshal(field(ev, "cookies"))
			if string(cookies) != `["a=1","b=2","c=3"]` {
				t.Errorf("cookies = %s, want all three in order", cookies)
			}
			h, has := field(ev, "headers").(map[string]any)["cookie"]
			if has != tc.keepHeader {
				t.Errorf("cookie header present = %v, want %v", has, tc.keepHeader)
			}
			if tc.keepHeader && h != "a=1; b=2; c=3" {
				t.Errorf("cookie header = %v", h)
			}
		})
	}
	t.Run("no cookies", func(t *testing.T) {
		td := startDoor(t, Config{Kind: HTTPAPI}, result(okResult))
		td.get(t, "/", nil)
		if _, ok := td.fn.last(t)["cookies"]; ok {
			t.Error("cookies present without a Cookie header")
		}
	})
}

func TestRow05RawQueryStringByteExact(t *testing.T) {
	const raw = "b=2&a=1&a=%20x+y&flag&=empty&e=%E2%9C%93&z=a%2Cb"
	for _, cfg := range []Config{{Kind: HTTPAPI}, {Kind: URL}} {
		t.Run(kindName(cfg), func(t *testing.T) {
			td := startDoor(t, cfg, result(okResult))
			td.get(t, "/p?"+raw, nil)
			ev := td.fn.last(t)
			if got := str(ev, "rawQueryString"); got != raw {
				t.Errorf("rawQueryString = %q, want %q", got, raw)
			}
			q, _ := json.Marshal(field(ev, "queryStringParameters"))
			if want := `{"":"empty","a":"1, x y","b":"2","e":"✓","flag":"","z":"a,b"}`; string(q) != want {
				t.Errorf("queryStringParameters = %s, want %s", q, want)
			}
		})
	}
	t.Run("no query", func(t *testing.T) {
		td := startDoor(t, Config{Kind: HTTPAPI}, result(okResult))
		td.get(t, "/p", nil)
		ev := td.fn.last(t)
		if v, ok := ev["rawQueryString"]; !ok || v != "" {
			t.Errorf("rawQueryString = %v, want present and empty", v)
		}
		if _, ok := ev["queryStringParameters"]; ok {
			t.Error("queryStringParameters present without a query")
		}
	})
}

func TestRow06RESTPathWithoutStageContextPathWithIt(t *testing.T) {
	td := startDoor(t, Config{Kind: REST, Stage: "prod"}, result(okResult))
	for _, tc := range []struct{ url, path, ctxPath, resource, proxy string }{
		{"/prod/hello/world", "/hello/world", "/prod/hello/world", "/{proxy+}", "hello/world"},
		{"/hello/world", "/hello/world", "/prod/hello/world", "/{proxy+}", "hello/world"},
		{"/prod", "/", "/prod/", "/", ""},
		{"/", "/", "/prod/", "/", ""},
		{"/production/x", "/production/x", "/prod/production/x", "/{proxy+}", "production/x"},
		{"/prod/a%20b/c%2Fd", "/a%20b/c%2Fd", "/prod/a%20b/c%2Fd", "/{proxy+}", "a b/c/d"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			td.get(t, tc.url, nil)
			ev := td.fn.last(t)
			if got := str(ev, "path"); got != tc.path {
				t.Errorf("path = %q, want %q", got, tc.path)
			}
			if got := str(ev, "requestContext", "path"); got != tc.ctxPath {
				t.Errorf("requestContext.path = %q, want %q", got, tc.ctxPath)
			}
			if got := str(ev, "resource"); got != tc.resource || str(ev, "requestContext", "resourcePath") != tc.resource {
				t.Errorf("resource = %q, want %q", got, tc.resource)
			}
			if got := str(ev, "pathParameters", "proxy"); got != tc.proxy {
				t.Errorf("pathParameters.proxy = %q, want %q", got, tc.proxy)
			}
			if tc.proxy == "" && ev["pathParameters"] != nil {
				t.Errorf("pathParameters = %v, want null", ev["pathParameters"])
			}
			if str(ev, "requestContext", "stage") != "prod" {
				t.Error("stage not prod")
			}
		})
	}
	t.Run("http api named stage in rawPath", func(t *testing.T) {
		td := startDoor(t, Config{Kind: HTTPAPI, Stage: "dev"}, result(okResult))
		for _, url := range []string{"/dev/items/a%20b", "/items/a%20b"} {
			td.get(t, url, nil)
			ev := td.fn.last(t)
			if got := str(ev, "rawPath"); got != "/dev/items/a b" {
				t.Errorf("%s: rawPath = %q, want /dev/items/a b (decoded, with stage)", url, got)
			}
			if got := str(ev, "requestContext", "http", "path"); got != "/dev/items/a b" {
				t.Errorf("%s: http.path = %q", url, got)
			}
			if str(ev, "requestContext", "stage") != "dev" {
				t.Error("stage not dev")
			}
		}
	})
	t.Run("http api $default stage", func(t *testing.T) {
		td := startDoor(t, Config{Kind: HTTPAPI}, result(okResult))
		td.get(t, "/items/x%3Fy/z", nil)
		ev := td.fn.last(t)
		if got := str(ev, "rawPath"); got != "/items/x" {
			t.Errorf("rawPath = %q, want cut at the decoded '?'", got)
		}
		if str(ev, "requestContext", "stage") != "$default" || str(ev, "routeKey") != "$default" {
			t.Error("stage/routeKey not $default")
		}
	})
	t.Run("http api RawPathEncoded", func(t *testing.T) {
		td := startDoor(t, Config{Kind: HTTPAPI, RawPathEncoded: true}, result(okResult))
		td.get(t, "/items/a%20b%3F", nil)
		if got := str(td.fn.last(t), "rawPath"); got != "/items/a%20b%3F" {
			t.Errorf("rawPath = %q, want as sent", got)
		}
	})
	t.Run("function url keeps the path encoded", func(t *testing.T) {
		td := startDoor(t, Config{Kind: URL}, result(okResult))
		td.get(t, "/items/a%20b%2F", nil)
		ev := td.fn.last(t)
		if got := str(ev, "rawPath"); got != "/items/a%20b%2F" {
			t.Errorf("rawPath = %q, want as sent", got)
		}
	})
}

func TestRow07RealUserAgentAndMultiValueHeadersKeepRepeats(t *testing.T) {
	td := startDoor(t, Config{Kind: REST}, result(okResult))
	td.get(t, "/", http.Header{"User-Agent": {"my-agent/1.2"}, "X-Repeated": {"one", "two"}})
	ev := td.fn.last(t)
	if got := str(ev, "requestContext", "identity", "userAgent"); got != "my-agent/1.2" {
		t.Errorf("identity.userAgent = %q", got)
	}
	if got := str(ev, "requestContext", "identity", "sourceIp"); got != "127.0.0.1" {
		t.Errorf("identity.sourceIp = %q", got)
	}
	if v, ok := field(ev, "requestContext", "identity").(map[string]any)["caller"]; !ok || v != nil {
		t.Errorf("identity.caller = %v, want null", v)
	}
	mv, _ := json.Marshal(field(ev, "multiValueHeaders", "X-Repeated"))
	if string(mv) != `["one","two"]` {
		t.Errorf("multiValueHeaders X-Repeated = %s", mv)
	}
	if got := str(ev, "headers", "X-Repeated"); got != "two" {
		t.Errorf("headers X-Repeated = %q, want the last value", got)
	}
}

func TestRow08RESTBase64PerBinaryMediaTypes(t *testing.T) {
	binary := []byte{0x89, 'P', 'N', 'G', 0xff, 0x00, 0xfe}
	for _, tc := range []struct {
		name   string
		types  []string
		ctype  string
		base64 bool
	}{
		{"matching type", []string{"image/png"}, "image/png", true},
		{"wildcard subtype", []string{"image/*"}, "image/png", true},
		{"everything", []string{"*/*"}, "application/octet-stream", true},
		{"not listed", []string{"image/png"}, "application/octet-stream", false},
		{"no binary types", nil, "image/png", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td := startDoor(t, Config{Kind: REST, BinaryMediaTypes: tc.types}, result(okResult))
			td.do(t, http.MethodPost, "/upload", binary, http.Header{"Content-Type": {tc.ctype}})
			ev := td.fn.last(t)
			if got := ev["isBase64Encoded"]; got != tc.base64 {
				t.Fatalf("isBase64Encoded = %v, want %v", got, tc.base64)
			}
			body := str(ev, "body")
			if tc.base64 {
				if dec, err := base64.StdEncoding.DecodeString(body); err != nil || !bytes.Equal(dec, binary) {
					t.Errorf("body %q does not decode to the bytes sent", body)
				}
			} else if body == string(binary) {
				t.Error("binary body arrived intact without a binary media type; AWS corrupts it")
			}
		})
	}
	t.Run("no body is null", func(t *testing.T) {
		td := startDoor(t, Config{Kind: REST}, result(okResult))
		td.get(t, "/", nil)
		ev := td.fn.last(t)
		if v, ok := ev["body"]; !ok || v != nil {
			t.Errorf("body = %v, want null", v)
		}
		if v, ok := ev["queryStringParameters"]; !ok || v != nil {
			t.Errorf("queryStringParameters = %v, want null", v)
		}
		if v, ok := ev["multiValueQueryStringParameters"]; !ok || v != nil {
			t.Errorf("multiValueQueryStringParameters = %v, want null", v)
		}
	})
	t.Run("query decoded", func(t *testing.T) {
		td := startDoor(t, Config{Kind: REST}, result(okResult))
		td.get(t, "/?a=1&a=%20x&b=c%2Bd", nil)
		ev := td.fn.last(t)
		mv, _ := json.Marshal(ev["multiValueQueryStringParameters"])
		sv, _ := json.Marshal(ev["queryStringParameters"])
		if string(mv) != `{"a":["1"," x"],"b":["c+d"]}` || string(sv) != `{"a":" x","b":"c+d"}` {
			t.Errorf("query maps = %s / %s", mv, sv)
		}
	})
}

func TestRow09HTTPAPIFunctionErrorIs500(t *testing.T) {
	td := startDoor(t, Config{Kind: HTTPAPI}, failed(local.FailureFunction, "Runtime.Unknown"))
	resp, body := td.get(t, "/", nil)
	if resp.StatusCode != 500 || string(body) != `{"message":"Internal Server Error"}` {
		t.Fatalf("got %d %s, want 500 {\"message\":\"Internal Server Error\"}", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "boom") {
		t.Error("error details leaked to the client")
	}
	if !strings.Contains(td.log.String(), "Runtime.Unknown") {
		t.Errorf("log does not say why: %q", td.log.String())
	}
}

func TestRow10TimeoutIsAGatewayError(t *testing.T) {
	t.Run("function timeout", func(t *testing.T) {
		want := map[string]int{"rest": 502, "http": 500, "url": 502, "alb": 502, "alb-multi": 502}
		for _, cfg := range allKinds {
			t.Run(kindName(cfg), func(t *testing.T) {
				td := startDoor(t, cfg, failed(local.FailureTimeout, "Sandbox.Timedout"))
				resp, body := td.get(t, "/", nil)
				if resp.StatusCode != want[kindName(cfg)] {
					t.Errorf("status %d, want %d (%s)", resp.StatusCode, want[kindName(cfg)], body)
				}
				if strings.Contains(string(body), "Task timed out") {
					t.Error("the timeout message reached the client as a 200-style body")
				}
			})
		}
	})
	t.Run("integration timeout", func(t *testing.T) {
		for _, tc := range []struct {
			kind   Kind
			status int
			body   string
		}{
			{REST, 504, `{"message": "Endpoint request timed out"}`},
			{HTTPAPI, 503, `{"message":"Service Unavailable"}`},
		} {
			t.Run(string(tc.kind), func(t *testing.T) {
				release := make(chan struct{})
				finished := make(chan struct{})
				td := startDoor(t, Config{Kind: tc.kind, IntegrationTimeout: 50 * time.Millisecond},
					func(*local.Request) (*local.Response, error) {
						<-release
						defer close(finished)
						return result(okResult)(nil)
					})
				start := time.Now()
				resp, body := td.get(t, "/", nil)
				if resp.StatusCode != tc.status || string(body) != tc.body {
					t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tc.status, tc.body)
				}
				if time.Since(start) > 5*time.Second {
					t.Error("the integration timeout did not cut the wait")
				}
				close(release)
				select { // the function still runs to its end, as on AWS
				case <-finished:
				case <-time.After(5 * time.Second):
					t.Error("the invocation was abandoned instead of finishing")
				}
			})
		}
	})
}

func TestRow12ParallelRequestsAllSucceed(t *testing.T) {
	var mu sync.Mutex
	inFlight, peak := 0, 0
	td := startDoor(t, Config{Kind: HTTPAPI}, func(req *local.Request) (*local.Response, error) {
		mu.Lock()
		inFlight++
		if inFlight > peak {
			peak = inFlight
		}
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return result(okResult)(req)
	})
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := td.srv.Client().Get(fmt.Sprintf("%s/p/%d", td.srv.URL, i))
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != "ok" {
				errs <- fmt.Errorf("request %d: %d %s", i, resp.StatusCode, b)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if peak < 2 {
		t.Errorf("peak concurrency %d: requests were serialised", peak)
	}
}

func TestRow14FunctionURLAndALBFrontDoors(t *testing.T) {
	t.Run("alb single-value", func(t *testing.T) {
		td := startDoor(t, Config{Kind: ALB}, result(`{"statusCode":200,"statusDescription":"200 OK","headers":{"content-type":"text/plain"},"body":"hi","isBase64Encoded":false}`))
		resp, body := td.get(t, "/a%20b?x=%20y&x=2&k=a+b", http.Header{"X-Repeated": {"1", "2"}})
		if resp.StatusCode != 200 || string(body) != "hi" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
		ev := td.fn.last(t)
		for _, absent := range []string{"multiValueHeaders", "multiValueQueryStringParameters"} {
			if _, ok := ev[absent]; ok {
				t.Errorf("%s present in single-value mode", absent)
			}
		}
		q, _ := json.Marshal(ev["queryStringParameters"])
		if string(q) != `{"k":"a+b","x":"2"}` {
			t.Errorf("queryStringParameters = %s, want undecoded, last value", q)
		}
		if got := str(ev, "headers", "x-repeated"); got != "2" {
			t.Errorf("x-repeated = %q, want the last value", got)
		}
		if got := str(ev, "path"); got != "/a%20b" {
			t.Errorf("path = %q, want as sent", got)
		}
		if ev["body"] != "" || ev["isBase64Encoded"] != false {
			t.Errorf("empty body = %v/%v, want \"\"/false", ev["body"], ev["isBase64Encoded"])
		}
		if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/[^/]+/[0-9a-f]{16}$`).MatchString(str(ev, "requestContext", "elb", "targetGroupArn")) {
			t.Errorf("targetGroupArn = %q", str(ev, "requestContext", "elb", "targetGroupArn"))
		}
	})
	t.Run("alb multi-value", func(t *testing.T) {
		td := startDoor(t, Config{Kind: ALB, ALBMultiValue: true}, result(`{"statusCode":201,"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"headers":{"x-ignored":"1"},"body":"made"}`))
		resp, body := td.get(t, "/?x=%20y&x=2", http.Header{"X-Repeated": {"1", "2"}})
		if resp.StatusCode != 201 || string(body) != "made" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
		if got := resp.Header.Values("Set-Cookie"); len(got) != 2 {
			t.Errorf("Set-Cookie = %q, want both", got)
		}
		if resp.Header.Get("X-Ignored") != "" {
			t.Error("headers used in multi-value mode")
		}
		ev := td.fn.last(t)
		for _, absent := range []string{"headers", "queryStringParameters"} {
			if _, ok := ev[absent]; ok {
				t.Errorf("%s present in multi-value mode", absent)
			}
		}
		q, _ := json.Marshal(ev["multiValueQueryStringParameters"])
		if string(q) != `{"x":["%20y","2"]}` {
			t.Errorf("multiValueQueryStringParameters = %s, want undecoded", q)
		}
		h, _ := json.Marshal(field(ev, "multiValueHeaders", "x-repeated"))
		if string(h) != `["1","2"]` {
			t.Errorf("x-repeated = %s", h)
		}
	})
	t.Run("alb base64 except text types", func(t *testing.T) {
		td := startDoor(t, Config{Kind: ALB}, result(okResult))
		for _, tc := range []struct {
			ctype  string
			body   string
			base64 bool
		}{
			{"application/json", `{"a":1}`, false},
			{"text/html; charset=utf-8", "<p>", false},
			{"application/xml", "<a/>", false},
			{"application/javascript", "x()", false},
			{"application/x-www-form-urlencoded", "a=1", true},
			{"", "plain", true},
			{"text/plain", "\xff\xfe", true},
		} {
			h := http.Header{}
			if tc.ctype != "" {
				h.Set("Content-Type", tc.ctype)
			}
			td.do(t, http.MethodPost, "/", []byte(tc.body), h)
			ev := td.fn.last(t)
			if ev["isBase64Encoded"] != tc.base64 {
				t.Errorf("%q: isBase64Encoded = %v, want %v", tc.ctype, ev["isBase64Encoded"], tc.base64)
			}
		}
	})
	t.Run("function url", func(t *testing.T) {
		td := startDoor(t, Config{Kind: URL}, result(`{"statusCode":200,"cookies":["a=1; Path=/","b=2"],"headers":{"x-a":"1,2"},"body":"aGk=","isBase64Encoded":true}`))
		resp, body := td.get(t, "/p?q=1", nil)
		if resp.StatusCode != 200 || string(body) != "hi" || len(resp.Header.Values("Set-Cookie")) != 2 || resp.Header.Get("X-A") != "1,2" {
			t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
		}
		ev := td.fn.last(t)
		urlID := str(ev, "requestContext", "apiId")
		if !regexp.MustCompile(`^[a-z0-9]{32}$`).MatchString(urlID) || str(ev, "requestContext", "domainPrefix") != urlID {
			t.Errorf("url id %q / domainPrefix %q", urlID, str(ev, "requestContext", "domainPrefix"))
		}
		if got := str(ev, "requestContext", "domainName"); got != urlID+".lambda-url.us-east-1.on.aws" {
			t.Errorf("domainName = %q", got)
		}
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(str(ev, "requestContext", "requestId")) {
			t.Errorf("requestId %q is not a UUID", str(ev, "requestContext", "requestId"))
		}
	})
}

func TestRow15TraceHeaderSentToTheInvocation(t *testing.T) {
	td := startDoor(t, Config{Kind: HTTPAPI}, result(okResult))
	td.get(t, "/", nil)
	ev := td.fn.last(t)
	header := str(ev, "headers", "x-amzn-trace-id")
	m := regexp.MustCompile(`^Root=(1-[0-9a-f]{8}-[0-9a-f]{24})$`).FindStringSubmatch(header)
	if m == nil {
		t.Fatalf("x-amzn-trace-id %q not added", header)
	}
	inv := td.fn.lastReq().TraceID
	if !regexp.MustCompile(`^Root=` + m[1] + `;Parent=[0-9a-f]{16};Sampled=0$`).MatchString(inv) {
		t.Errorf("invocation trace id %q does not carry the event's root %s", inv, m[1])
	}

	sent := "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c;Parent=53995c3f42cd8ad8;Sampled=1"
	td.get(t, "/", http.Header{"X-Amzn-Trace-Id": {sent}})
	if got := str(td.fn.last(t), "headers", "x-amzn-trace-id"); got != sent {
		t.Errorf("client trace header replaced: %q", got)
	}
	if got := td.fn.lastReq().TraceID; got != sent {
		t.Errorf("invocation trace id = %q, want the client's %q", got, sent)
	}

	td.get(t, "/", http.Header{"X-Amzn-Trace-Id": {"garbage"}})
	if got := str(td.fn.last(t), "headers", "x-amzn-trace-id"); !strings.HasPrefix(got, "Root=1-") {
		t.Errorf("invalid client trace header kept: %q", got)
	}
}

func TestForwardedHeaders(t *testing.T) {
	for _, cfg := range allKinds {
		t.Run(kindName(cfg), func(t *testing.T) {
			td := startDoor(t, cfg, result(okResult))
			td.get(t, "/", http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Port": {"443"}})
			raw, _ := json.Marshal(td.fn.last(t))
			var ev struct {
				Headers           map[string]string
				MultiValueHeaders map[string][]string
			}
			_ = json.Unmarshal(raw, &ev)
			get := func(name string) string {
				for k, v := range ev.Headers {
					if strings.EqualFold(k, name) {
						return v
					}
				}
				for k, v := range ev.MultiValueHeaders {
					if strings.EqualFold(k, name) {
						return strings.Join(v, ",")
					}
				}
				return ""
			}
			port := td.srv.URL[strings.LastIndex(td.srv.URL, ":")+1:]
			if got := get("x-forwarded-for"); got != "203.0.113.9, 127.0.0.1" {
				t.Errorf("x-forwarded-for = %q, want the peer appended", got)
			}
			if got := get("x-forwarded-port"); got != port {
				t.Errorf("x-forwarded-port = %q, want %s", got, port)
			}
			if got := get("x-forwarded-proto"); got != "http" {
				t.Errorf("x-forwarded-proto = %q, want http (a client cannot set it)", got)
			}
		})
	}
}
