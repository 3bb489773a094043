package frontdoor

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/slipway-dev/slipway/local"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// The error responses of events.md §6, one row per situation, one column per front door.
func TestErrorResponses(t *testing.T) {
	albPage502 := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
	type want struct {
		status int
		body   string
	}
	rest := want{502, `{"message": "Internal server error"}`}
	httpapi := want{500, `{"message":"Internal Server Error"}`}
	url := want{502, "Internal Server Error"}
	alb := want{502, albPage502}
	for _, row := range []struct {
		situation string
		respond   func(*local.Request) (*local.Response, error)
		want      map[Kind]want
	}{
		{"function error", failed(local.FailureFunction, "Runtime.Unknown"),
			map[Kind]want{REST: rest, HTTPAPI: httpapi, URL: url, ALB: alb}},
		{"crash", failed(local.FailureCrash, "Runtime.ExitError"),
			map[Kind]want{REST: rest, HTTPAPI: httpapi, URL: url, ALB: alb}},
		{"init failure", failed(local.FailureInit, "Runtime.ExitError"),
			map[Kind]want{REST: rest, HTTPAPI: httpapi, URL: url, ALB: alb}},
		{"response too large", failed(local.FailureResponseTooLarge, runtimeapi.ErrorTypeResponseTooLarge),
			map[Kind]want{REST: rest, HTTPAPI: httpapi, URL: url, ALB: alb}},
		{"invalid response shape", result(`{"statusCode":"abc"}`),
			map[Kind]want{REST: rest, HTTPAPI: httpapi, URL: url, ALB: alb}},
		{"result not JSON", result(`<html>`),
			map[Kind]want{REST: rest, HTTPAPI: httpapi, URL: url, ALB: alb}},
		{"function timeout", failed(local.FailureTimeout, runtimeapi.ErrorTypeTimeout),
			map[Kind]want{REST: rest, HTTPAPI: httpapi, URL: url, ALB: alb}},
		{"throttled", func(*local.Request) (*local.Response, error) { return nil, local.ErrThrottled },
			map[Kind]want{REST: {500, `{"message": "Internal server error"}`}, HTTPAPI: httpapi,
				URL: {429, `{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`}, ALB: alb}},
		{"shutting down", func(*local.Request) (*local.Response, error) { return nil, local.ErrShuttingDown },
			map[Kind]want{REST: {500, `{"message": "Internal server error"}`}, HTTPAPI: httpapi,
				URL: {429, `{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`}, ALB: alb}},
		{"platform says request too large", func(*local.Request) (*local.Response, error) { return nil, local.ErrRequestTooLarge },
			map[Kind]want{REST: {500, `{"message": "Internal server error"}`}, HTTPAPI: httpapi,
				URL: {413, `{"Type":"User","message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}`}, ALB: alb}},
	} {
		for _, kind := range []Kind{REST, HTTPAPI, URL, ALB} {
			t.Run(row.situation+"/"+string(kind), func(t *testing.T) {
				td := startDoor(t, Config{Kind: kind}, row.respond)
				resp, body := td.get(t, "/", nil)
				w := row.want[kind]
				if resp.StatusCode != w.status || string(body) != w.body {
					t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, w.status, w.body)
				}
				if td.log.String() == "" {
					t.Error("nothing logged about the failure")
				}
			})
		}
	}
}

func TestFunctionStatusPassesThrough(t *testing.T) {
	for _, cfg := range allKinds {
		t.Run(kindName(cfg), func(t *testing.T) {
			td := startDoor(t, cfg, result(`{"statusCode":500,"headers":{"content-type":"text/plain"},"multiValueHeaders":{"content-type":["text/plain"]},"body":"app error"}`))
			resp, body := td.get(t, "/", nil)
			if resp.StatusCode != 500 || string(body) != "app error" {
				t.Errorf("got %d %q, want the function's own 500", resp.StatusCode, body)
			}
		})
	}
}

func TestOversizeRequests(t *testing.T) {
	t.Run("event over 6 MB after base64 is not invoked", func(t *testing.T) {
		// 4.5 MiB of binary becomes 6 MiB of base64: already over the limit.
		body := bytes.Repeat([]byte{0xff}, 4_800_000)
		for _, tc := range []struct {
			kind   Kind
			status int
		}{{REST, 500}, {HTTPAPI, 500}, {URL, 413}} {
			t.Run(string(tc.kind), func(t *testing.T) {
				cfg := Config{Kind: tc.kind}
				if tc.kind == REST {
					cfg.BinaryMediaTypes = []string{"*/*"}
				}
				td := startDoor(t, cfg, result(okResult))
				resp, _ := td.do(t, http.MethodPost, "/", body, http.Header{"Content-Type": {"application/octet-stream"}})
				if resp.StatusCode != tc.status {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
				}
				if td.fn.count() != 0 {
					t.Error("the function was invoked with an oversize event")
				}
			})
		}
	})
	t.Run("text body just under 6 MB is invoked", func(t *testing.T) {
		td := startDoor(t, Config{Kind: HTTPAPI}, result(okResult))
		resp, _ := td.do(t, http.MethodPost, "/", bytes.Repeat([]byte("a"), 6_000_000), http.Header{"Content-Type": {"text/plain"}})
		if resp.StatusCode != 200 || td.fn.count() != 1 {
			t.Errorf("status %d, invocations %d", resp.StatusCode, td.fn.count())
		}
	})
	t.Run("alb body over 1 MB is 413 without invoking", func(t *testing.T) {
		td := startDoor(t, Config{Kind: ALB}, result(okResult))
		resp, body := td.do(t, http.MethodPost, "/", bytes.Repeat([]byte("a"), MaxALBBody+1), http.Header{"Content-Type": {"text/plain"}})
		if resp.StatusCode != 413 || !strings.Contains(string(body), "413 Request Entity Too Large") {
			t.Errorf("got %d %q", resp.StatusCode, body)
		}
		if td.fn.count() != 0 {
			t.Error("invoked")
		}
		resp, _ = td.do(t, http.MethodPost, "/", bytes.Repeat([]byte("a"), MaxALBBody), http.Header{"Content-Type": {"text/plain"}})
		if resp.StatusCode != 200 {
			t.Errorf("exactly 1 MB: status %d", resp.StatusCode)
		}
	})
	t.Run("gateway body over 10 MB is 413", func(t *testing.T) {
		td := startDoor(t, Config{Kind: REST}, result(okResult))
		resp, body := td.do(t, http.MethodPost, "/", bytes.Repeat([]byte("a"), MaxGatewayBody+1), nil)
		if resp.StatusCode != 413 || td.fn.count() != 0 {
			t.Errorf("got %d %q, invocations %d", resp.StatusCode, body, td.fn.count())
		}
	})
	t.Run("chunked body over the limit", func(t *testing.T) {
		td := startDoor(t, Config{Kind: ALB}, result(okResult))
		req, _ := http.NewRequest(http.MethodPost, td.srv.URL+"/", io.MultiReader(bytes.NewReader(make([]byte, MaxALBBody)), strings.NewReader("x")))
		req.ContentLength = -1
		resp, err := td.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 || td.fn.count() != 0 {
			t.Errorf("status %d, invocations %d", resp.StatusCode, td.fn.count())
		}
	})
	t.Run("alb result over 1 MB is 502", func(t *testing.T) {
		big := `{"statusCode":200,"body":"` + strings.Repeat("a", MaxALBResult) + `"}`
		td := startDoor(t, Config{Kind: ALB}, result(big))
		resp, _ := td.get(t, "/", nil)
		if resp.StatusCode != 502 {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

func TestLogNeverHoldsSecrets(t *testing.T) {
	td := startDoor(t, Config{Kind: REST}, failed(local.FailureFunction, "Runtime.Unknown"))
	td.get(t, "/", http.Header{"Authorization": {"Bearer s3cr3t"}, "Cookie": {"session=s3cr3t"}})
	td2 := startDoor(t, Config{Kind: HTTPAPI}, result(`{"statusCode":200,"cookies":["s=s3cr3t\n"]}`))
	td2.get(t, "/", http.Header{"Authorization": {"Bearer s3cr3t"}})
	for _, l := range []string{td.log.String(), td2.log.String()} {
		if l == "" || strings.Contains(l, "s3cr3t") {
			t.Errorf("log %q", l)
		}
	}
}

func TestInvokerErrorsAreNotFunctionErrors(t *testing.T) {
	f, _, ok := classify(nil, errors.New("connection refused"))
	if ok || f != failRejected {
		t.Errorf("classify = %v %v", f, ok)
	}
}
