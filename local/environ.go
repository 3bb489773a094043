package local

import (
	"os"
	"strconv"
	"strings"

	"github.com/slipway-dev/slipway/runtimeapi"
)

const latest = "$LATEST"

// Variables of the parent's environment that must not reach a function: they belong to an
// enclosing Lambda (slipway local running inside one) or vary per invocation.
var inheritedDrop = map[string]bool{
	runtimeapi.EnvRuntimeAPI:     true,
	runtimeapi.EnvMaxConcurrency: true,
	runtimeapi.EnvTraceID:        true,
	runtimeapi.EnvExecutionEnv:   true, // unset on OS-only runtimes, which is what we emulate
	runtimeapi.EnvInitType:       true,
	runtimeapi.EnvLogFormat:      true,
	runtimeapi.EnvLogLevel:       true,
}

// Variables extensions do not get (runtime-api.md §2), besides the X-Ray ones.
var extensionDrop = map[string]bool{
	runtimeapi.EnvExecutionEnv: true,
	runtimeapi.EnvLogGroup:     true,
	runtimeapi.EnvLogStream:    true,
	runtimeapi.EnvTaskRoot:     true,
	runtimeapi.EnvRuntimeDir:   true,
	runtimeapi.EnvHandler:      true,
	runtimeapi.EnvTraceID:      true,
}

// envList is an ordered KEY=VALUE list where a later set replaces an earlier one.
type envList struct {
	keys []string
	vals map[string]string
}

func (l *envList) set(k, v string) {
	if l.vals == nil {
		l.vals = make(map[string]string)
	}
	if _, ok := l.vals[k]; !ok {
		l.keys = append(l.keys, k)
	}
	l.vals[k] = v
}

func (l *envList) list(drop func(string) bool) []string {
	out := make([]string, 0, len(l.keys))
	for _, k := range l.keys {
		if drop != nil && drop(k) {
			continue
		}
		out = append(out, k+"="+l.vals[k])
	}
	return out
}

// environment returns the variables of e's function processes and of its extensions: ours
// (so PATH, HOME and credentials work as the user expects), then what Lambda sets
// (runtime-api.md §4), then the configured ones, which win — except the Runtime API address.
func (f *Function) environment(e *environment) (function, extension []string) {
	var l envList
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if !inheritedDrop[k] {
			l.set(k, v)
		}
	}
	c := &f.cfg
	l.set(runtimeapi.EnvFunctionName, c.Name)
	l.set(runtimeapi.EnvFunctionVer, latest)
	l.set(runtimeapi.EnvMemorySize, strconv.Itoa(c.MemoryMB))
	l.set(runtimeapi.EnvLogGroup, "/aws/lambda/"+c.Name)
	l.set(runtimeapi.EnvLogStream, e.logStream)
	l.set(runtimeapi.EnvRegion, c.Region)
	l.set(runtimeapi.EnvDefaultRegion, c.Region)
	// Locally the task root is the working directory: code that finds its files through
	// LAMBDA_TASK_ROOT (or a wrapper that execs $LAMBDA_TASK_ROOT/$_HANDLER) keeps working.
	l.set(runtimeapi.EnvTaskRoot, c.Dir)
	l.set(runtimeapi.EnvRuntimeDir, c.Dir)
	l.set(runtimeapi.EnvHandler, c.Handler)
	l.set("TZ", ":UTC")
	// X-Ray plumbing as Lambda sets it, with the daemon where a local one would listen.
	l.set("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR")
	l.set("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000")
	l.set("_AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1")
	l.set("_AWS_XRAY_DAEMON_PORT", "2000")
	if c.PerEnvConcurrency > 1 {
		l.set(runtimeapi.EnvInitType, "lambda-managed-instances")
		l.set(runtimeapi.EnvMaxConcurrency, strconv.Itoa(c.PerEnvConcurrency))
	} else {
		l.set(runtimeapi.EnvInitType, "on-demand")
	}
	if e.appPort != 0 {
		p := strconv.Itoa(e.appPort)
		l.set("PORT", p)
		l.set("AWS_LWA_PORT", p)
	}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		l.set(k, v)
	}
	l.set(runtimeapi.EnvRuntimeAPI, e.addr)

	function = l.list(nil)
	extension = l.list(func(k string) bool {
		return extensionDrop[k] || strings.HasPrefix(k, "AWS_XRAY_") || strings.HasPrefix(k, "_AWS_XRAY_")
	})
	return function, extension
}
