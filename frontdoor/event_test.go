package frontdoor

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// The events the front doors build carry every field of AWS's own samples (less those that only
// authorizers, API keys, client certificates or custom configurations add), with the same JSON types.
func TestEventsHaveTheFieldsOfAWSSamples(t *testing.T) {
	optional := map[string]bool{
		"authorizer": true, "authentication": true, "clientCert": true, "apiKey": true, "apiKeyId": true,
		"stageVariables": true, "pathParameters": true, "cookies": true,
	}
	for _, tc := range []struct {
		sample string
		cfg    Config
		path   string
	}{
		{"apigw-request.json", Config{Kind: REST}, "/hello/world?name=me"},
		{"apigw-v2-request-no-authorizer.json", Config{Kind: HTTPAPI}, "/"},
		{"lambda-urls-request.json", Config{Kind: URL}, "/my/path?parameter1=value1"},
		{"alb-lambda-target-request-headers-only.json", Config{Kind: ALB}, "/?key=hello"},
		{"alb-lambda-target-request-multivalue-headers.json", Config{Kind: ALB, ALBMultiValue: true}, "/?key=hello"},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tc.sample))
			if err != nil {
				t.Fatal(err)
			}
			var sample map[string]any
			if err := json.Unmarshal(raw, &sample); err != nil {
				t.Fatal(err)
			}
			td := startDoor(t, tc.cfg, result(okResult))
			td.do(t, http.MethodPost, tc.path, []byte(`{"a":1}`), http.Header{"Content-Type": {"application/json"}})
			ours := td.fn.last(t)
			compareShape(t, "", sample, ours, optional)
		})
	}
}

// compareShape checks that every object key of want is in got with the same JSON type (null in
// either matches anything: AWS's own samples fill fields that are null on real traffic).
func compareShape(t *testing.T, at string, want, got any, optional map[string]bool) {
	t.Helper()
	wm, ok := want.(map[string]any)
	if !ok {
		return
	}
	gm, ok := got.(map[string]any)
	if !ok {
		t.Errorf("%s: want an object, got %T", at, got)
		return
	}
	if at == "/headers" || at == "/multiValueHeaders" || at == "/queryStringParameters" ||
		at == "/multiValueQueryStringParameters" || at == "/requestContext/identity" {
		return // contents are per request; identity nulls are checked in TestRow07
	}
	keys := make([]string, 0, len(wm))
	for k := range wm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, has := gm[k]
		if !has {
			if !optional[k] {
				t.Errorf("%s/%s missing", at, k)
			}
			continue
		}
		w := wm[k]
		if w == nil || g == nil {
			continue
		}
		if jsonType(w) != jsonType(g) {
			t.Errorf("%s/%s is %s, AWS sends %s", at, k, jsonType(g), jsonType(w))
			continue
		}
		compareShape(t, at+"/"+k, w, g, optional)
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

func TestStableIDsHaveAWSShapes(t *testing.T) {
	td := startDoor(t, Config{Kind: REST}, result(okResult))
	td.get(t, "/x", nil)
	ev := td.fn.last(t)
	for _, tc := range []struct{ field, pattern string }{
		{"apiId", `^[a-z0-9]{10}$`},
		{"resourceId", `^[a-z0-9]{6}$`},
		{"accountId", `^[0-9]{12}$`},
		{"extendedRequestId", `^[A-Za-z0-9_-]{15}=$`},
		{"requestId", `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`},
		{"domainName", `^127\.0\.0\.1$`},
		{"domainPrefix", `^127$`},
		{"protocol", `^HTTP/1\.1$`},
	} {
		if v := str(ev, "requestContext", tc.field); !regexp.MustCompile(tc.pattern).MatchString(v) {
			t.Errorf("requestContext.%s = %q, want %s", tc.field, v, tc.pattern)
		}
	}
	td2 := startDoor(t, Config{Kind: HTTPAPI}, result(okResult))
	td2.get(t, "/x", nil)
	if v := str(td2.fn.last(t), "requestContext", "requestId"); !regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`).MatchString(v) {
		t.Errorf("HTTP API requestId %q", v)
	}
}
