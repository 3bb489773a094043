package adapter

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// env is a test environment: set variables only.
type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

func base() env { return env{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"} }

func with(kv ...string) env {
	e := base()
	for i := 0; i < len(kv); i += 2 {
		e[kv[i]] = kv[i+1]
	}
	return e
}

func TestConfigDefaults(t *testing.T) {
	c, err := LoadConfig(base().lookup)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.ReadinessPort != 8080 || c.Host != "127.0.0.1" || c.ReadinessPath != "/" ||
		c.ReadinessProtocol != ReadinessHTTP || c.AsyncInit || c.BasePath != "" || c.PassThroughPath != "/events" ||
		c.Compression || c.InvokeMode != InvokeBuffered || c.AuthorizationSource != "" || !c.ErrorStatus.Empty() ||
		c.RuntimeAPI != "127.0.0.1:9001" || c.ExtensionAPI != "127.0.0.1:9001" || c.PoolIdleTimeout != 4*time.Second ||
		c.ReadinessTimeout != 0 || c.SnapStart || c.Function.MaxConcurrency != 1 || c.LogLevel != slog.LevelInfo || c.LogJSON {
		t.Errorf("defaults: %+v", c)
	}
	for _, code := range []int{100, 200, 404, 499} {
		if !c.HealthyStatus.Contains(code) {
			t.Errorf("default healthy set lacks %d", code)
		}
	}
	if c.HealthyStatus.Contains(500) || c.HealthyStatus.Contains(99) {
		t.Error("default healthy set too wide")
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	if c.AppAddr() != "127.0.0.1:8080" {
		t.Error(c.AppAddr())
	}
}

func TestConfigValues(t *testing.T) {
	tests := []struct {
		name  string
		env   env
		check func(*Config) bool
		warn  string // substring of the only expected warning, "" = none
	}{
		{"lwa port", with("AWS_LWA_PORT", "3001"), func(c *Config) bool { return c.Port == 3001 && c.ReadinessPort == 3001 }, ""},
		{"legacy PORT not deprecated", with("PORT", "3002"), func(c *Config) bool { return c.Port == 3002 }, ""},
		{"lwa wins over legacy", with("AWS_LWA_PORT", "3003", "PORT", "9"), func(c *Config) bool { return c.Port == 3003 }, ""},
		{"empty lwa wins, means default", with("AWS_LWA_PORT", "", "PORT", "3004"), func(c *Config) bool { return c.Port == 8080 }, ""},
		{"readiness port", with("AWS_LWA_PORT", "3000", "AWS_LWA_READINESS_CHECK_PORT", "3100"), func(c *Config) bool { return c.ReadinessPort == 3100 && c.Port == 3000 }, ""},
		{"legacy readiness port", with("READINESS_CHECK_PORT", "3101"), func(c *Config) bool { return c.ReadinessPort == 3101 }, "READINESS_CHECK_PORT is deprecated; use AWS_LWA_READINESS_CHECK_PORT"},
		{"host", with("AWS_LWA_HOST", "localhost"), func(c *Config) bool { return c.Host == "localhost" }, ""},
		{"legacy host", with("HOST", "0.0.0.0"), func(c *Config) bool { return c.Host == "0.0.0.0" && c.AppAddr() == "0.0.0.0:8080" }, "HOST is deprecated"},
		{"ipv6 host", with("AWS_LWA_HOST", "[::1]"), func(c *Config) bool { return c.Host == "::1" && c.AppAddr() == "[::1]:8080" }, ""},
		{"readiness path with query", with("AWS_LWA_READINESS_CHECK_PATH", "/health?full=1"), func(c *Config) bool { return c.ReadinessPath == "/health?full=1" }, ""},
		{"legacy readiness path", with("READINESS_CHECK_PATH", "/h"), func(c *Config) bool { return c.ReadinessPath == "/h" }, "READINESS_CHECK_PATH is deprecated"},
		{"tcp any case", with("AWS_LWA_READINESS_CHECK_PROTOCOL", "TCP"), func(c *Config) bool { return c.ReadinessProtocol == ReadinessTCP }, ""},
		{"legacy protocol", with("READINESS_CHECK_PROTOCOL", "tcp"), func(c *Config) bool { return c.ReadinessProtocol == ReadinessTCP }, "READINESS_CHECK_PROTOCOL is deprecated"},
		{"healthy status", with("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200-299, 301"), func(c *Config) bool {
			return c.HealthyStatus.Contains(200) && c.HealthyStatus.Contains(301) && !c.HealthyStatus.Contains(302)
		}, ""},
		{"async TRUE", with("AWS_LWA_ASYNC_INIT", "TRUE"), func(c *Config) bool { return c.AsyncInit }, ""},
		{"async 1 legacy", with("ASYNC_INIT", "1"), func(c *Config) bool { return c.AsyncInit }, "ASYNC_INIT is deprecated"},
		{"async 0", with("AWS_LWA_ASYNC_INIT", "0"), func(c *Config) bool { return !c.AsyncInit }, ""},
		{"base path trailing slash ignored", with("AWS_LWA_REMOVE_BASE_PATH", "/prod/"), func(c *Config) bool { return c.BasePath == "/prod" }, ""},
		{"legacy base path", with("REMOVE_BASE_PATH", "/v1"), func(c *Config) bool { return c.BasePath == "/v1" }, "REMOVE_BASE_PATH is deprecated"},
		{"pass-through path", with("AWS_LWA_PASS_THROUGH_PATH", "/sqs"), func(c *Config) bool { return c.PassThroughPath == "/sqs" }, ""},
		{"compression", with("AWS_LWA_ENABLE_COMPRESSION", "true"), func(c *Config) bool { return c.Compression }, ""},
		{"stream any case", with("AWS_LWA_INVOKE_MODE", "RESPONSE_STREAM"), func(c *Config) bool { return c.InvokeMode == InvokeStream }, ""},
		{"compression off when streaming", with("AWS_LWA_INVOKE_MODE", "response_stream", "AWS_LWA_ENABLE_COMPRESSION", "1"),
			func(c *Config) bool { return !c.Compression }, "AWS_LWA_ENABLE_COMPRESSION is ignored with AWS_LWA_INVOKE_MODE=response_stream"},
		{"authorization source", with("AWS_LWA_AUTHORIZATION_SOURCE", "X-Auth"), func(c *Config) bool { return c.AuthorizationSource == "X-Auth" }, ""},
		{"error status codes", with("AWS_LWA_ERROR_STATUS_CODES", "500,502-504,422"), func(c *Config) bool {
			s := c.ErrorStatus
			return s.Contains(500) && !s.Contains(501) && s.Contains(503) && s.Contains(422) && s.String() == "500,502-504,422"
		}, ""},
		{"proxy", with("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "127.0.0.1:9009"), func(c *Config) bool {
			return c.RuntimeAPI == "127.0.0.1:9009" && c.ExtensionAPI == "127.0.0.1:9001"
		}, ""},
		{"proxy with scheme", with("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "http://127.0.0.1:9009"), func(c *Config) bool { return c.RuntimeAPI == "http://127.0.0.1:9009" }, ""},
		{"readiness timeout fraction", with("AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "0.5"), func(c *Config) bool { return c.ReadinessTimeout == 500*time.Millisecond }, ""},
		{"readiness timeout negative unbounded", with("AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "-1"), func(c *Config) bool { return c.ReadinessTimeout == 0 }, ""},
		{"pool idle 0", with("AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS", "0"), func(c *Config) bool { return c.PoolIdleTimeout == 0 }, ""},
		{"pool idle 2.5", with("AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS", "2.5"), func(c *Config) bool { return c.PoolIdleTimeout == 2500*time.Millisecond }, ""},
		{"snapstart", with("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start", "AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "/before",
			"AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", "/after"), func(c *Config) bool {
			return c.SnapStart && c.BeforeCheckpointPath == "/before" && c.AfterRestorePath == "/after"
		}, ""},
		{"max concurrency", with("AWS_LAMBDA_MAX_CONCURRENCY", "8"), func(c *Config) bool { return c.Function.MaxConcurrency == 8 }, ""},
		{"function info", with("AWS_LAMBDA_FUNCTION_NAME", "fn", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"), func(c *Config) bool {
			return c.Function.Name == "fn" && c.Function.MemoryMB == 512
		}, ""},
		{"log level debug", with("AWS_LAMBDA_LOG_LEVEL", "debug"), func(c *Config) bool { return c.LogLevel == slog.LevelDebug }, ""},
		{"log json", with("AWS_LAMBDA_LOG_FORMAT", "JSON"), func(c *Config) bool { return c.LogJSON }, ""},
		{"min unhealthy ignored", with("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "400"), func(c *Config) bool { return c.HealthyStatus.Contains(450) },
			"AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS was removed in Lambda Web Adapter 1.0 and is ignored; use AWS_LWA_READINESS_CHECK_HEALTHY_STATUS (for 400: AWS_LWA_READINESS_CHECK_HEALTHY_STATUS=100-399)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(tt.env.lookup)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
			switch {
			case tt.warn == "" && len(c.Warnings) > 0:
				t.Errorf("unexpected warnings %q", c.Warnings)
			case tt.warn != "" && (len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], tt.warn)):
				t.Errorf("warnings %q, want one containing %q", c.Warnings, tt.warn)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		env  env
		want string
	}{
		{with("AWS_LWA_PORT", "abc"), `AWS_LWA_PORT="abc" is invalid: accepted values are port numbers from 1 to 65535`},
		{with("AWS_LWA_PORT", "70000"), `AWS_LWA_PORT="70000" is invalid: accepted values are port numbers from 1 to 65535`},
		{with("PORT", "eighty"), `PORT="eighty" is invalid: accepted values are port numbers from 1 to 65535`},
		{with("AWS_LWA_READINESS_CHECK_PORT", "0"), `AWS_LWA_READINESS_CHECK_PORT="0" is invalid: accepted values are port numbers from 1 to 65535`},
		{with("AWS_LWA_HOST", "http://app"), `AWS_LWA_HOST="http://app" is invalid: accepted values are a host name or IP address without scheme, port or path (e.g. 127.0.0.1)`},
		{with("AWS_LWA_HOST", "localhost:8080"), `AWS_LWA_HOST="localhost:8080" is invalid: accepted values are a host name or IP address without scheme, port or path (e.g. 127.0.0.1)`},
		{with("AWS_LWA_READINESS_CHECK_PATH", "health"), `AWS_LWA_READINESS_CHECK_PATH="health" is invalid: accepted values are absolute paths starting with "/"`},
		{with("READINESS_CHECK_PATH", "health"), `READINESS_CHECK_PATH="health" is invalid: accepted values are absolute paths starting with "/"`},
		{with("AWS_LWA_READINESS_CHECK_PROTOCOL", "grpc"), `AWS_LWA_READINESS_CHECK_PROTOCOL="grpc" is invalid: accepted values are http, tcp (case-insensitive)`},
		{with("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200-abc"), `AWS_LWA_READINESS_CHECK_HEALTHY_STATUS="200-abc" is invalid: accepted values are comma-separated status codes or ranges from 100 to 599 (e.g. 500,502-504): "200-abc": status codes must be numbers from 100 to 599`},
		{with("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "299-200"), `AWS_LWA_READINESS_CHECK_HEALTHY_STATUS="299-200" is invalid: accepted values are comma-separated status codes or ranges from 100 to 599 (e.g. 500,502-504): "299-200": range is reversed`},
		{with("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", " , "), `AWS_LWA_READINESS_CHECK_HEALTHY_STATUS="," is invalid: accepted values are comma-separated status codes or ranges from 100 to 599; the list must not be empty`},
		{with("AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS", "soon"), `AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS="soon" is invalid: accepted values are numbers of seconds (e.g. 4 or 0.5)`},
		{with("AWS_LWA_ASYNC_INIT", "yes"), `AWS_LWA_ASYNC_INIT="yes" is invalid: accepted values are true, false, 1, 0 (case-insensitive)`},
		{with("ASYNC_INIT", "on"), `ASYNC_INIT="on" is invalid: accepted values are true, false, 1, 0 (case-insensitive)`},
		{with("AWS_LWA_REMOVE_BASE_PATH", "prod"), `AWS_LWA_REMOVE_BASE_PATH="prod" is invalid: accepted values are absolute paths starting with "/"`},
		{with("AWS_LWA_REMOVE_BASE_PATH", "/prod?x=1"), `AWS_LWA_REMOVE_BASE_PATH="/prod?x=1" is invalid: accepted values are absolute paths starting with "/" without a query string`},
		{with("AWS_LWA_PASS_THROUGH_PATH", "events"), `AWS_LWA_PASS_THROUGH_PATH="events" is invalid: accepted values are absolute paths starting with "/"`},
		{with("AWS_LWA_ENABLE_COMPRESSION", "gzip"), `AWS_LWA_ENABLE_COMPRESSION="gzip" is invalid: accepted values are true, false, 1, 0 (case-insensitive)`},
		{with("AWS_LWA_INVOKE_MODE", "streaming"), `AWS_LWA_INVOKE_MODE="streaming" is invalid: accepted values are buffered, response_stream (case-insensitive)`},
		{with("AWS_LWA_AUTHORIZATION_SOURCE", "X Auth"), `AWS_LWA_AUTHORIZATION_SOURCE="X Auth" is invalid: accepted values are HTTP header names (letters, digits and !#$%&'*+-.^_` + "`" + `|~)`},
		{with("AWS_LWA_ERROR_STATUS_CODES", "500,600"), `AWS_LWA_ERROR_STATUS_CODES="500,600" is invalid: accepted values are comma-separated status codes or ranges from 100 to 599 (e.g. 500,502-504): "600": status codes must be numbers from 100 to 599`},
		{with("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "https://proxy:1"), `AWS_LWA_LAMBDA_RUNTIME_API_PROXY="https://proxy:1" is invalid: accepted values are host:port, optionally prefixed with http://`},
		{with("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "proxy"), `AWS_LWA_LAMBDA_RUNTIME_API_PROXY="proxy" is invalid: accepted values are host:port, optionally prefixed with http://`},
		{with("AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS", "-1"), `AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS="-1" is invalid: accepted values are numbers of seconds ≥ 0 (0 disables connection reuse)`},
		{with("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "before"), `AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH="before" is invalid: accepted values are absolute paths starting with "/"`},
		{with("AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", "//after"), `AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH="//after" is invalid: accepted values are absolute paths starting with "/"`},
		{with("AWS_LAMBDA_LOG_LEVEL", "verbose"), `AWS_LAMBDA_LOG_LEVEL="verbose" is invalid: accepted values are TRACE, DEBUG, INFO, WARN, ERROR, FATAL (case-insensitive)`},
		{with("AWS_LAMBDA_LOG_FORMAT", "xml"), `AWS_LAMBDA_LOG_FORMAT="xml" is invalid: accepted values are JSON, Text (case-insensitive)`},
		{env{}, `AWS_LAMBDA_RUNTIME_API="" is invalid: it must be set to the Runtime API's host:port (Lambda sets it)`},
	}
	for _, tt := range tests {
		t.Run(tt.want[:strings.IndexByte(tt.want, '=')], func(t *testing.T) {
			_, err := LoadConfig(tt.env.lookup)
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestConfigReportsEveryError(t *testing.T) {
	_, err := LoadConfig(with("AWS_LWA_PORT", "x", "AWS_LWA_INVOKE_MODE", "y").lookup)
	if err == nil || !strings.Contains(err.Error(), "AWS_LWA_PORT") || !strings.Contains(err.Error(), "AWS_LWA_INVOKE_MODE") {
		t.Fatalf("want both variables named, got %v", err)
	}
	if errorType(err) != ErrorTypeConfig {
		t.Errorf("errorType %q", errorType(err))
	}
}

func TestStatusSet(t *testing.T) {
	s, err := ParseStatusSet(" 500 , 502-504,422,")
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[int]bool{500: true, 501: false, 502: true, 503: true, 504: true, 505: false, 422: true, 99: false, 600: false} {
		if s.Contains(code) != want {
			t.Errorf("Contains(%d) = %v", code, !want)
		}
	}
	full, _ := ParseStatusSet("100-599")
	for c := 100; c <= 599; c++ {
		if !full.Contains(c) {
			t.Fatalf("100-599 lacks %d", c)
		}
	}
	for _, bad := range []string{"5xx", "500-", "-500", "99", "600", "1-2-3", "abc"} {
		if _, err := ParseStatusSet(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseStatusSet(f *testing.F) {
	for _, s := range []string{"500,502-504,422", "100-599", " , ", "599-100", "1-2-3", "500-٥٠٠"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseStatusSet(s)
		if err != nil {
			return
		}
		again, err := ParseStatusSet(set.String())
		if err != nil || again.bits != set.bits {
			t.Fatalf("canonical form %q of %q does not parse back to the same set", set.String(), s)
		}
	})
}

func TestConfigFunctionInfoErrors(t *testing.T) {
	_, err := LoadConfig(with("AWS_LAMBDA_MAX_CONCURRENCY", "many").lookup)
	if err == nil || !strings.Contains(err.Error(), "AWS_LAMBDA_MAX_CONCURRENCY") {
		t.Errorf("want an error naming AWS_LAMBDA_MAX_CONCURRENCY, got %v", err)
	}
}
