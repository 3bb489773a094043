package local

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Config describes the emulated function.
type Config struct {
	Name    string   // function name (default "function")
	Command []string // the web app (adapter mode) or, with Runtime, the runtime itself
	Runtime bool     // Command is a Lambda runtime (aws-lambda-go binary, slipway.Start, bootstrap)
	// AdapterCommand starts the adapter in front of Command when !Runtime, e.g.
	// {"/path/to/slipway", "run", "--"}; Command is appended.
	AdapterCommand []string
	ExtensionsDir  string // every executable here starts first as an external extension
	Dir            string // working directory of the processes (default: current)
	Env            []string
	Concurrency    int // environments (default 10)
	// PerEnvConcurrency > 1 sets AWS_LAMBDA_MAX_CONCURRENCY and lets each environment take that
	// many invocations at once (Managed Instances style).
	PerEnvConcurrency int
	Timeout           time.Duration // function timeout (default 30s)
	InitTimeout       time.Duration // default 10s
	IdleTimeout       time.Duration // idle environments are reaped after this (default 5m)
	ShutdownGrace     time.Duration // default 2s
	MemoryMB          int           // default 128… reported, and used for cost
	Arch              string        // "x86_64" or "arm64"
	Region, AccountID string        // default us-east-1, 123456789012
	MaxAsyncPayload   int           // Event invocations (default 1 MiB)
	Log               io.Writer     // CloudWatch-style log lines (default os.Stderr)

	// Handler is the value of _HANDLER (default: the file name of the function's command).
	Handler string
	// AssignPorts gives every environment its own free loopback port in PORT and AWS_LWA_PORT
	// (environments run side by side, so a web app cannot use a fixed port). Variables in Env
	// win over the assigned port.
	AssignPorts bool
	// OnReport, if set, receives every invocation's REPORT data as its REPORT line is written
	// (slipway local --report), before Response.Log returns. It is called from concurrent
	// invocations on their way back to the pool, so it must be safe for concurrent use and quick.
	OnReport func(Record)
}

// Defaults and limits of a Config.
const (
	DefaultName            = "function"
	DefaultConcurrency     = 10
	DefaultTimeout         = 30 * time.Second
	DefaultInitTimeout     = 10 * time.Second
	DefaultIdleTimeout     = 5 * time.Minute
	DefaultShutdownGrace   = 2 * time.Second
	DefaultMemoryMB        = 128
	DefaultRegion          = "us-east-1"
	DefaultAccountID       = "123456789012"
	DefaultMaxAsyncPayload = 1 << 20 // 1 MiB, the current Event payload limit

	MinMemoryMB    = 128
	MaxMemoryMB    = 10240
	MaxTimeout     = 900 * time.Second
	MaxConcurrency = 1000
	MaxExtensions  = 10 // Lambda's limit on registered extensions per function

	ArchX86 = "x86_64"
	ArchARM = "arm64"
)

var (
	functionNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	accountIDRE    = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// ConfigError is an invalid Config field. Field is the Config field's name, so that callers
// (the local command) can name their own flag; Msg says what is wrong and what is accepted.
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string { return "local: " + e.Msg }

func configError(field, msg string) error { return &ConfigError{Field: field, Msg: msg} }

// withDefaults returns cfg with zero fields set to their defaults, or the first invalid field.
// Errors name the field and the accepted values, so callers can pass them on to users.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if !functionNameRE.MatchString(cfg.Name) {
		return cfg, configError("Name", fmt.Sprintf("function name %q: use 1 to 64 letters, digits, '-' or '_'", cfg.Name))
	}
	if len(cfg.Command) == 0 || cfg.Command[0] == "" {
		return cfg, configError("Command", "Command is empty: give the web app or, with Runtime, the runtime to run")
	}
	if !cfg.Runtime && cfg.ExtensionsDir == "" && len(cfg.AdapterCommand) == 0 {
		return cfg, configError("AdapterCommand", "a web app (Runtime false) needs AdapterCommand, or ExtensionsDir holding the adapter")
	}
	if cfg.Dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return cfg, fmt.Errorf("local: working directory: %w", err)

		}
		cfg.Dir = wd
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return cfg, fmt.Errorf("local: Dir %q: %w", cfg.Dir, err)

	}
	cfg.Dir = dir
	if st, err := os.Stat(cfg.Dir); err != nil || !st.IsDir() {
		return cfg, configError("Dir", fmt.Sprintf("Dir %q is not a directory", cfg.Dir))
	}
	if cfg.ExtensionsDir != "" {
		if st, err := os.Stat(cfg.ExtensionsDir); err != nil || !st.IsDir() {
			return cfg, configError("ExtensionsDir", fmt.Sprintf("extensions directory %q is not a directory", cfg.ExtensionsDir))
		}
	}
	for _, kv := range cfg.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return cfg, configError("Env", fmt.Sprintf("environment entry %q is not KEY=VALUE", kv))
		}
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Concurrency < 1 || cfg.Concurrency > MaxConcurrency {
		return cfg, configError("Concurrency", fmt.Sprintf("concurrency %d out of range: use 1 to %d", cfg.Concurrency, MaxConcurrency))
	}
	if cfg.PerEnvConcurrency == 0 {
		cfg.PerEnvConcurrency = 1
	}
	if cfg.PerEnvConcurrency < 1 || cfg.PerEnvConcurrency > 1000 {
		return cfg, configError("PerEnvConcurrency", fmt.Sprintf("per-environment concurrency %d out of range: use 1 to 1000", cfg.PerEnvConcurrency))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Timeout < time.Millisecond || cfg.Timeout > MaxTimeout {
		return cfg, configError("Timeout", fmt.Sprintf("timeout %v out of range: use 1ms to %v (Lambda allows 1s to 900s)", cfg.Timeout, MaxTimeout))
	}
	if cfg.InitTimeout == 0 {
		cfg.InitTimeout = DefaultInitTimeout
	}
	if cfg.InitTimeout < time.Millisecond || cfg.InitTimeout > MaxTimeout {
		return cfg, configError("InitTimeout", fmt.Sprintf("init timeout %v out of range: use 1ms to %v", cfg.InitTimeout, MaxTimeout))
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.IdleTimeout < 0 {
		return cfg, configError("IdleTimeout", fmt.Sprintf("idle timeout %v is negative", cfg.IdleTimeout))
	}
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = DefaultShutdownGrace
	}
	if cfg.ShutdownGrace < 0 {
		return cfg, configError("ShutdownGrace", fmt.Sprintf("shutdown grace %v is negative", cfg.ShutdownGrace))
	}
	if cfg.MemoryMB == 0 {
		cfg.MemoryMB = DefaultMemoryMB
	}
	if cfg.MemoryMB < MinMemoryMB || cfg.MemoryMB > MaxMemoryMB {
		return cfg, configError("MemoryMB", fmt.Sprintf("memory %d MB out of range: use %d to %d", cfg.MemoryMB, MinMemoryMB, MaxMemoryMB))
	}
	switch cfg.Arch {
	case "":
		cfg.Arch = ArchX86
	case ArchX86, ArchARM:
	default:
		return cfg, configError("Arch", fmt.Sprintf("architecture %q: use %s or %s", cfg.Arch, ArchX86, ArchARM))
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if !regionRE.MatchString(cfg.Region) {
		return cfg, configError("Region", fmt.Sprintf("region %q is not a region name like us-east-1", cfg.Region))
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if !accountIDRE.MatchString(cfg.AccountID) {
		return cfg, configError("AccountID", fmt.Sprintf("account id %q: use 12 digits", cfg.AccountID))
	}
	if cfg.MaxAsyncPayload == 0 {
		cfg.MaxAsyncPayload = DefaultMaxAsyncPayload
	}
	if cfg.MaxAsyncPayload < 0 {
		return cfg, configError("MaxAsyncPayload", fmt.Sprintf("async payload limit %d is negative", cfg.MaxAsyncPayload))
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	if cfg.Handler == "" {
		cfg.Handler = filepath.Base(cfg.Command[0])
	}
	return cfg, nil
}
