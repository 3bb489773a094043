package adapter

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// Environment variables read by the adapter (adapter.md §1). Legacy names are read when the
// AWS_LWA_ name is not set at all; using one logs a deprecation warning (except PORT, which many
// platforms set and LWA never deprecated).
const (
	EnvPort                     = "AWS_LWA_PORT"
	EnvHost                     = "AWS_LWA_HOST"
	EnvReadinessPort            = "AWS_LWA_READINESS_CHECK_PORT"
	EnvReadinessPath            = "AWS_LWA_READINESS_CHECK_PATH"
	EnvReadinessProtocol        = "AWS_LWA_READINESS_CHECK_PROTOCOL"
	EnvHealthyStatus            = "AWS_LWA_READINESS_CHECK_HEALTHY_STATUS"
	EnvMinUnhealthyStatus       = "AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS" // removed in LWA 1.0: ignored
	EnvReadinessTimeout         = "AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS"
	EnvAsyncInit                = "AWS_LWA_ASYNC_INIT"
	EnvRemoveBasePath           = "AWS_LWA_REMOVE_BASE_PATH"
	EnvPassThroughPath          = "AWS_LWA_PASS_THROUGH_PATH"
	EnvEnableCompression        = "AWS_LWA_ENABLE_COMPRESSION"
	EnvInvokeMode               = "AWS_LWA_INVOKE_MODE"
	EnvAuthorizationSource      = "AWS_LWA_AUTHORIZATION_SOURCE"
	EnvErrorStatusCodes         = "AWS_LWA_ERROR_STATUS_CODES"
	EnvRuntimeAPIProxy          = "AWS_LWA_LAMBDA_RUNTIME_API_PROXY"
	EnvPoolIdleTimeout          = "AWS_LWA_POOL_IDLE_TIMEOUT_SECONDS"
	EnvSnapStartBeforeCheckpont = "AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH"
	EnvSnapStartAfterRestore    = "AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH"

	legacyPort              = "PORT"
	legacyHost              = "HOST"
	legacyReadinessPort     = "READINESS_CHECK_PORT"
	legacyReadinessPath     = "READINESS_CHECK_PATH"
	legacyReadinessProtocol = "READINESS_CHECK_PROTOCOL"
	legacyAsyncInit         = "ASYNC_INIT"
	legacyRemoveBasePath    = "REMOVE_BASE_PATH"
)

// Defaults (adapter.md §1).
const (
	DefaultPort            = 8080
	DefaultHost            = "127.0.0.1"
	DefaultReadinessPath   = "/"
	DefaultHealthyStatus   = "100-499"
	DefaultPoolIdleTimeout = 4 * time.Second // below Node's 5 s keepAliveTimeout
)

// asyncInitBudget is how long init waits for the app with AWS_LWA_ASYNC_INIT before it hands
// control to Lambda, safely inside the 10 s free init window. A variable for tests only.
var asyncInitBudget = 9800 * time.Millisecond

// ReadinessProtocol is how readiness is checked.
type ReadinessProtocol string

const (
	ReadinessHTTP ReadinessProtocol = "http" // GET the readiness path, status in the healthy set
	ReadinessTCP  ReadinessProtocol = "tcp"  // a TCP connect succeeds
)

// InvokeMode is how results are posted to the Runtime API.
type InvokeMode string

const (
	InvokeBuffered InvokeMode = "buffered"        // one JSON result per invocation
	InvokeStream   InvokeMode = "response_stream" // prelude + body chunks as the app writes them
)

// Config is the adapter's validated configuration.
type Config struct {
	Host              string // host the adapter connects to (never the app's bind address)
	Port              int
	ReadinessPort     int
	ReadinessPath     string // starts with "/", may carry a query
	ReadinessProtocol ReadinessProtocol
	HealthyStatus     StatusSet
	ReadinessTimeout  time.Duration // overall bound; 0 = unbounded
	AsyncInit         bool

	BasePath            string
	PassThroughPath     string
	Compression         bool
	InvokeMode          InvokeMode
	AuthorizationSource string    // header whose value replaces Authorization; "" = off
	ErrorStatus         StatusSet // app statuses that fail the invocation

	RuntimeAPI      string        // address for Runtime API calls (the proxy when configured)
	ExtensionAPI    string        // address for extension registration (never the proxy)
	PoolIdleTimeout time.Duration // 0 = no connection reuse
	SnapStart       bool          // AWS_LAMBDA_INITIALIZATION_TYPE=snap-start

	BeforeCheckpointPath string
	AfterRestorePath     string

	Function runtimeapi.FunctionInfo
	LogLevel slog.Level
	LogJSON  bool

	// Warnings are configuration problems that do not stop the adapter (deprecated names,
	// ignored variables, compression forced off); they are logged once the logger exists.
	Warnings []string
}

// AppAddr is host:port of the app's traffic port.
func (c *Config) AppAddr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// ReadinessAddr is host:port of the readiness port.
func (c *Config) ReadinessAddr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.ReadinessPort))
}

// ConfigError is a configuration value that cannot be used. The adapter refuses to start on it,
// before registering with Lambda, so the init error names the variable.
type ConfigError struct {
	Var    string // the variable actually read (the legacy name when that was used)
	Value  string
	Reason string // what is accepted
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s=%q is invalid: %s", e.Var, e.Value, e.Reason)
}

// ErrorType makes a ConfigError reported to Lambda carry a stable errorType.
func (e *ConfigError) ErrorType() string { return ErrorTypeConfig }

// LoadConfig reads and validates the configuration from lookup (os.LookupEnv in production).
// Every invalid variable is reported, not just the first; warnings land in Config.Warnings.
func LoadConfig(lookup func(string) (string, bool)) (*Config, error) {
	r := &envReader{lookup: lookup}
	c := &Config{}

	c.Port = r.port(EnvPort, legacyPort, DefaultPort)
	c.ReadinessPort = r.port(EnvReadinessPort, legacyReadinessPort, c.Port)
	c.Host = r.host(EnvHost, legacyHost)
	c.ReadinessPath = r.path(EnvReadinessPath, legacyReadinessPath, DefaultReadinessPath, true)
	c.ReadinessProtocol = ReadinessProtocol(r.enum(EnvReadinessProtocol, legacyReadinessProtocol, string(ReadinessHTTP),
		string(ReadinessHTTP), string(ReadinessTCP)))
	c.HealthyStatus = r.statusSet(EnvHealthyStatus, DefaultHealthyStatus, false)
	c.ReadinessTimeout = r.seconds(EnvReadinessTimeout, 0, true)
	c.AsyncInit = r.boolean(EnvAsyncInit, legacyAsyncInit)
	if v, ok := lookup(EnvMinUnhealthyStatus); ok {
		w := EnvMinUnhealthyStatus + " was removed in Lambda Web Adapter 1.0 and is ignored; use " + EnvHealthyStatus
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 100 && n <= 600 {
			w += fmt.Sprintf(" (for %d: %s=100-%d)", n, EnvHealthyStatus, n-1)
		}
		r.warn(w)
	}

	c.BasePath = strings.TrimRight(r.path(EnvRemoveBasePath, legacyRemoveBasePath, "", false), "/")
	c.PassThroughPath = r.path(EnvPassThroughPath, "", event.DefaultPassThroughPath, false)
	c.Compression = r.boolean(EnvEnableCompression, "")
	c.InvokeMode = InvokeMode(r.enum(EnvInvokeMode, "", string(InvokeBuffered), string(InvokeBuffered), string(InvokeStream)))
	if c.Compression && c.InvokeMode == InvokeStream {
		c.Compression = false
		r.warn(EnvEnableCompression + " is ignored with " + EnvInvokeMode + "=response_stream: streamed responses are never compressed")
	}
	c.AuthorizationSource = r.headerName(EnvAuthorizationSource)
	c.ErrorStatus = r.statusSet(EnvErrorStatusCodes, "", true)

	c.ExtensionAPI = r.runtimeAPI(runtimeapi.EnvRuntimeAPI, true)
	c.RuntimeAPI = c.ExtensionAPI
	if proxy := r.runtimeAPI(EnvRuntimeAPIProxy, false); proxy != "" {
		c.RuntimeAPI = proxy
	}
	c.PoolIdleTimeout = r.seconds(EnvPoolIdleTimeout, DefaultPoolIdleTimeout, false)
	c.BeforeCheckpointPath = r.path(EnvSnapStartBeforeCheckpont, "", "", false)
	c.AfterRestorePath = r.path(EnvSnapStartAfterRestore, "", "", false)

	fn, err := runtimeapi.FunctionInfoFromEnv(func(k string) string { v, _ := lookup(k); return v })
	if err != nil {
		r.errs = append(r.errs, err)
	}
	c.Function = fn
	if c.Function.MaxConcurrency < 1 {
		c.Function.MaxConcurrency = 1
	}
	c.SnapStart = strings.EqualFold(c.Function.InitializationType, "snap-start")
	c.LogLevel = r.logLevel()
	c.LogJSON = r.logFormat()

	c.Warnings = r.warnings
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	return c, nil
}

// envReader reads variables with LWA's precedence and collects every problem it meets.
type envReader struct {
	lookup   func(string) (string, bool)
	errs     []error
	warnings []string
}

func (r *envReader) warn(s string) { r.warnings = append(r.warnings, s) }

func (r *envReader) fail(name, value, reason string) {
	r.errs = append(r.errs, &ConfigError{Var: name, Value: value, Reason: reason})
}

// get returns the value to use and the name it came from. The AWS_LWA_ name wins when set,
// even to ""; an empty value then means the default.
func (r *envReader) get(name, legacy string) (value, from string) {
	if v, ok := r.lookup(name); ok {
		return strings.TrimSpace(v), name
	}
	if legacy == "" {
		return "", name
	}
	v, ok := r.lookup(legacy)
	if !ok {
		return "", name
	}
	if legacy != legacyPort {
		r.warn(legacy + " is deprecated; use " + name)
	}
	return strings.TrimSpace(v), legacy
}

func (r *envReader) port(name, legacy string, def int) int {
	v, from := r.get(name, legacy)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		r.fail(from, v, "accepted values are port numbers from 1 to 65535")
		return def
	}
	return n
}

func (r *envReader) host(name, legacy string) string {
	v, from := r.get(name, legacy)
	if v == "" {
		return DefaultHost
	}
	h := strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	if strings.ContainsAny(h, "/?#@ \t") || strings.Count(h, ":") == 1 {
		r.fail(from, v, "accepted values are a host name or IP address without scheme, port or path (e.g. 127.0.0.1)")
		return DefaultHost
	}
	return h
}

// path reads a path that must start with "/"; withQuery allows a query string.
func (r *envReader) path(name, legacy, def string, withQuery bool) string {
	v, from := r.get(name, legacy)
	if v == "" {
		return def
	}
	reason := "accepted values are absolute paths starting with \"/\""
	if !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") || strings.ContainsAny(v, " \t#") {
		r.fail(from, v, reason)
		return def
	}
	if strings.Contains(v, "?") && !withQuery {
		r.fail(from, v, reason+" without a query string")
		return def
	}
	if _, err := url.ParseRequestURI(v); err != nil {
		r.fail(from, v, reason)
		return def
	}
	return v
}

func (r *envReader) enum(name, legacy, def string, accepted ...string) string {
	v, from := r.get(name, legacy)
	if v == "" {
		return def
	}
	for _, a := range accepted {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	r.fail(from, v, "accepted values are "+strings.Join(accepted, ", ")+" (case-insensitive)")
	return def
}

func (r *envReader) boolean(name, legacy string) bool {
	v, from := r.get(name, legacy)
	switch strings.ToLower(v) {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	}
	r.fail(from, v, "accepted values are true, false, 1, 0 (case-insensitive)")
	return false
}

func (r *envReader) statusSet(name, def string, emptyOK bool) StatusSet {
	v, from := r.get(name, "")
	if v == "" {
		v = def
	}
	set, err := ParseStatusSet(v)
	if err != nil {
		r.fail(from, v, "accepted values are comma-separated status codes or ranges from 100 to 599 (e.g. 500,502-504): "+err.Error())
		return StatusSet{}
	}
	if set.Empty() && !emptyOK {
		r.fail(from, v, "accepted values are comma-separated status codes or ranges from 100 to 599; the list must not be empty")
	}
	return set
}

// seconds reads a non-negative number of seconds (fractions allowed). With nonPositiveIsZero, 0
// and negative values mean "no bound"; otherwise negative values are rejected.
func (r *envReader) seconds(name string, def time.Duration, nonPositiveIsZero bool) time.Duration {
	v, from := r.get(name, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e9 {
		r.fail(from, v, "accepted values are numbers of seconds (e.g. 4 or 0.5)")
		return def
	}
	if f <= 0 {
		if f < 0 && !nonPositiveIsZero {
			r.fail(from, v, "accepted values are numbers of seconds ≥ 0 (0 disables connection reuse)")
			return def
		}
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

func (r *envReader) headerName(name string) string {
	v, from := r.get(name, "")
	if v == "" {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if !isTokenByte(v[i]) {
			r.fail(from, v, "accepted values are HTTP header names (letters, digits and !#$%&'*+-.^_`|~)")
			return ""
		}
	}
	return v
}

// runtimeAPI reads a Runtime API address: host:port, optionally behind http:// and with a path
// prefix. Any other scheme is refused rather than silently mangled.
func (r *envReader) runtimeAPI(name string, required bool) string {
	v, ok := r.lookup(name)
	v = strings.TrimSpace(v)
	if !ok || v == "" {
		if required {
			r.fail(name, v, "it must be set to the Runtime API's host:port (Lambda sets it)")
		}
		return ""
	}
	hostport := strings.TrimPrefix(v, "http://")
	hostport, _, _ = strings.Cut(hostport, "/")
	if _, port, err := net.SplitHostPort(hostport); err != nil || strings.Contains(hostport, "://") || port == "" {
		r.fail(name, v, "accepted values are host:port, optionally prefixed with http://")
		return ""
	}
	return v
}

func (r *envReader) logLevel() slog.Level {
	v, from := r.get(runtimeapi.EnvLogLevel, "")
	switch strings.ToUpper(v) {
	case "TRACE":
		return slog.LevelDebug - 4
	case "DEBUG":
		return slog.LevelDebug
	case "", "INFO":
		return slog.LevelInfo
	case "WARN", "WARNING":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	case "FATAL":
		return slog.LevelError + 4
	}
	r.fail(from, v, "accepted values are TRACE, DEBUG, INFO, WARN, ERROR, FATAL (case-insensitive)")
	return slog.LevelInfo
}

func (r *envReader) logFormat() bool {
	v, from := r.get(runtimeapi.EnvLogFormat, "")
	switch strings.ToLower(v) {
	case "", "text":
		return false
	case "json":
		return true
	}
	r.fail(from, v, "accepted values are JSON, Text (case-insensitive)")
	return false
}

// isTokenByte reports whether b may appear in an HTTP token (RFC 9110 §5.6.2).
func isTokenByte(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}
