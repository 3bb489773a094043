package examples

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestBasePath: AWS_LWA_REMOVE_BASE_PATH (and, for the library example, slipway.WithBasePath)
// removes a stage or mapping prefix once, on a path-segment boundary, so the app's routes stay
// the ones it has off Lambda.
func TestBasePath(t *testing.T) {
	type hop struct {
		target string
		status int
		path   string // what the app saw: /echo's path, or the path of its 404 answer
	}
	cases := []struct {
		name  string
		flags []string
		env   []string
		hops  []hop
		why   string
	}{
		{
			name: "http-stage", flags: []string{"--event", "http", "--stage", "prod"}, env: []string{"AWS_LWA_REMOVE_BASE_PATH=/prod"},
			why: "a named HTTP API stage is part of rawPath",
			hops: []hop{
				{"/prod/echo/orders/7?x=1", http.StatusOK, "/echo/orders/7"},
				{"/prod/products", http.StatusNotFound, "/products"}, // the stage segment, not the prefix "/prod" of "/products"
			},
		},
		{
			name: "rest-mapping", flags: []string{"--event", "rest"}, env: []string{"AWS_LWA_REMOVE_BASE_PATH=/v1/"},
			why: "a resource or custom-domain mapping prefix (/v1/{proxy+}) is part of the REST path; the trailing slash of the setting is ignored",
			hops: []hop{
				{"/v1/echo/orders/7", http.StatusOK, "/echo/orders/7"},
				{"/v1x/echo", http.StatusNotFound, "/v1x/echo"},
			},
		},
		{
			name: "url-mapping", flags: []string{"--event", "url"}, env: []string{"AWS_LWA_REMOVE_BASE_PATH=/api"},
			why: "a CloudFront behaviour forwarding /api/* to a Function URL",
			hops: []hop{
				{"/api/echo/a%20b", http.StatusOK, "/echo/a%20b"},
				{"/api", http.StatusOK, ""}, // the app's index: the base path alone becomes "/"
			},
		},
	}
	for _, ex := range httpApps {
		for _, tc := range cases {
			t.Run(ex.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				command, _ := ex.prepare(t)
				flags := tc.flags
				if ex.runtime {
					flags = append([]string{"--runtime"}, flags...)
				}
				srv := startLocal(t, "slipway local", ex.image(), flags, command, tc.env...)
				for _, h := range tc.hops {
					checkHop(t, srv.base, h.target, h.status, h.path, tc.why)
				}
			})
		}
	}

	// Without the setting the prefix reaches the app, whose routes do not have it.
	t.Run("express/http-stage-kept", func(t *testing.T) {
		t.Parallel()
		command, _ := express.prepare(t)
		srv := startLocal(t, "slipway local", express.image(), []string{"--event", "http", "--stage", "prod"}, command)
		checkHop(t, srv.base, "/prod/echo/orders/7", http.StatusNotFound, "/prod/echo/orders/7", "no AWS_LWA_REMOVE_BASE_PATH")
	})
}

// checkHop GETs target and checks the status and the path the app reports: /echo's path, the
// path of a 404 answer, or "" for the app's index.
func checkHop(t *testing.T, base, target string, status int, path, why string) {
	t.Helper()
	resp, body := send(t, base, request{method: "GET", target: target})
	var reply struct {
		App    string
		Path   string
		Routes []string
	}
	if err := json.Unmarshal(body, &reply); err != nil || resp.StatusCode != status {
		t.Errorf("GET %s: client got %d %.300q, want %d from the app (%s)", target, resp.StatusCode, body, status, why)
		return
	}
	if path == "" && reply.Routes == nil {
		t.Errorf("GET %s: app answered %s, want its index (%s)", target, body, why)
	}
	if reply.Path != path {
		t.Errorf("GET %s: app saw path %q, want %q (%s)", target, reply.Path, path, why)
	}
}
