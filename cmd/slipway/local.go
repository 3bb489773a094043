package main

// The local command: flags and wiring only. The platform is package local, the front doors
// package frontdoor.

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slipway-dev/slipway/frontdoor"
	"github.com/slipway-dev/slipway/local"
	"github.com/slipway-dev/slipway/pricing"
)

const localUsage = `Usage: slipway local [flags] [-- CMD ARGS…]

Runs a Lambda function on this machine, without Docker: a pool of execution environments
(real processes), the Runtime and Extensions APIs, an HTTP front door (API Gateway, Function URL
or ALB) and the Lambda Invoke API on one address, and CloudWatch-style logs on stderr.

  slipway local                          the built-in inspector app, to see what a function gets
  slipway local -- node server.js        your web app, behind the adapter (slipway run)
  slipway local --runtime -- ./bootstrap a Lambda runtime: an aws-lambda-go binary, slipway.Start, …
  slipway local --extensions ./opt/extensions -- ./server
                                         image mode: the extensions start first (put slipway
                                         there and it is the adapter), CMD runs as is

Invoke it with curl http://127.0.0.1:3000/… (the front door) or with the AWS CLI/SDKs:
  aws lambda invoke --endpoint-url http://127.0.0.1:3000 --function-name function out.json

At shutdown it prints a "Lambda or Fargate?" summary of the session: invocations, cold starts,
p50/p99 duration, billed GB-seconds, Lambda's cost per million requests at the measured average
billed duration, and the monthly volume above which an always-on Fargate task (--fargate-*) is
cheaper. Prices are estimates at list price, without free tiers; --report FILE keeps every
invocation's REPORT data as CSV or JSON.

Flags:
`

// localFlags are the parsed command line of slipway local.
type localFlags struct {
	listen, event, stage, name, arch, region, account string
	envFile, extensions, binaryTypes                  string
	albMultiValue, runtime, stream                    bool
	concurrency, perEnv, memory, maxAsync             int
	timeout, initTimeout, idleTimeout, grace          durationFlag
	env                                               multiFlag

	// The session summary and report.
	summary                              bool
	report, reportFormat, fargateArch    string
	fargateCPU, fargateMemory, fargateLB float64
}

// sessionOutput is what slipway local writes about the session: the summary at shutdown and,
// with --report, a file of every invocation's REPORT data.
type sessionOutput struct {
	summary bool
	opts    local.SummaryOptions
	report  string // path, "" for none
	format  string // local.ReportCSV, ReportJSON or ReportJSONL
}

func localCommand(args []string) int {
	fs := flag.NewFlagSet("slipway local", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var lf localFlags
	lf.timeout = durationFlag(local.DefaultTimeout)
	lf.initTimeout = durationFlag(local.DefaultInitTimeout)
	lf.idleTimeout = durationFlag(local.DefaultIdleTimeout)
	lf.grace = durationFlag(local.DefaultShutdownGrace)
	fs.StringVar(&lf.listen, "listen", "127.0.0.1:3000", "`address` of the front door and the Invoke API (loopback unless you say otherwise)")
	fs.StringVar(&lf.event, "event", "http", "front door: `http` (API Gateway HTTP API, payload 2.0), rest (REST API), url (Function URL) or alb")
	fs.BoolVar(&lf.albMultiValue, "alb-multi-value", false, "with --event alb: multi-value headers on the target group")
	fs.StringVar(&lf.stage, "stage", "", "API Gateway `stage` (REST default \"prod\", HTTP API default \"$default\")")
	fs.StringVar(&lf.binaryTypes, "binary-media-types", "", "with --event rest: comma-separated `types` sent base64-encoded (\"*/*\" for all)")
	fs.BoolVar(&lf.stream, "stream", false, "with --event url: RESPONSE_STREAM invoke mode (sets AWS_LWA_INVOKE_MODE=response_stream for the adapter)")
	fs.StringVar(&lf.name, "name", local.DefaultName, "function `name`, as in the ARN and the Invoke API path")
	fs.IntVar(&lf.concurrency, "concurrency", local.DefaultConcurrency, "most execution environments at once; more concurrent requests are throttled (429)")
	fs.IntVar(&lf.perEnv, "per-env-concurrency", 1, "invocations one environment takes at once (Lambda Managed Instances style; sets AWS_LAMBDA_MAX_CONCURRENCY)")
	fs.Var(&lf.timeout, "timeout", "function `timeout` (\"30s\", \"2m\" or seconds); the environment is killed and replaced when it runs out")
	fs.Var(&lf.initTimeout, "init-timeout", "init phase `timeout`: extensions and runtime must be ready within it")
	fs.Var(&lf.idleTimeout, "idle-timeout", "idle environments are shut down after this `duration`")
	fs.Var(&lf.grace, "shutdown-grace", "`time` runtimes and extensions get to exit after SIGTERM/SHUTDOWN before they are killed")
	fs.IntVar(&lf.memory, "memory", local.DefaultMemoryMB, "memory size in `MB` (128–10240), reported in REPORT lines and used for the cost estimate")
	fs.StringVar(&lf.arch, "arch", local.ArchX86, "architecture for the cost estimate: `x86_64` or arm64")
	fs.StringVar(&lf.region, "region", local.DefaultRegion, "AWS `region` of the function (ARN, AWS_REGION, prices)")
	fs.StringVar(&lf.account, "account", local.DefaultAccountID, "12-digit AWS account `id` in the ARN")
	fs.IntVar(&lf.maxAsync, "max-async-payload", local.DefaultMaxAsyncPayload, "largest Event (asynchronous) invocation payload in `bytes` (Lambda: 1 MiB now, 256 KiB formerly)")
	fs.Var(&lf.env, "env", "`KEY=VALUE` for the function's environment (repeatable)")
	fs.StringVar(&lf.envFile, "env-file", "", "`file` of KEY=VALUE lines for the function's environment (# comments allowed)")
	fs.BoolVar(&lf.runtime, "runtime", false, "CMD is a Lambda runtime itself (aws-lambda-go binary, slipway.Start program, custom bootstrap), not a web app")
	fs.StringVar(&lf.extensions, "extensions", "", "`directory` whose executables start first as external extensions (image mode: CMD runs without the adapter)")
	fs.BoolVar(&lf.summary, "summary", true, "print the \"Lambda or Fargate?\" summary of the session at shutdown (--summary=false: don't)")
	fs.StringVar(&lf.report, "report", "", "write every invocation's REPORT data (request id, start, durations, memory, outcome, cost) to `file`: .csv, .json or .jsonl")
	fs.StringVar(&lf.reportFormat, "report-format", "", "`format` of --report: csv, json or jsonl (default: from the file's extension)")
	fs.Float64Var(&lf.fargateCPU, "fargate-cpu", local.DefaultFargate.VCPU, "`vCPUs` of the always-on Fargate task the summary compares with: 0.25, 0.5, 1, 2, 4, 8 or 16")
	fs.Float64Var(&lf.fargateMemory, "fargate-memory", local.DefaultFargate.MemoryGB, "memory of the Fargate task in `GB` (a size Fargate offers with --fargate-cpu, e.g. 1 to 4 with 0.5)")
	fs.StringVar(&lf.fargateArch, "fargate-arch", "", "`architecture` of the Fargate task: x86_64 or arm64 (default: --arch)")
	fs.Float64Var(&lf.fargateLB, "fargate-lb-monthly", 0, "monthly cost in `USD` of a load balancer in front of the Fargate task, added to it (default: not included)")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(os.Stdout, localUsage)
			fs.SetOutput(os.Stdout)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(os.Stderr, "slipway local: %v\nRun 'slipway local --help' for the flags.\n", err)
		return 2
	}
	cfg, fd, err := lf.config(fs.Args())
	if err == nil {
		var out sessionOutput
		if out, err = lf.sessionOutput(); err == nil {
			return serveLocal(lf.listen, cfg, fd, out)
		}
	}
	fmt.Fprintf(os.Stderr, "slipway local: %v\n", err)
	return 2
}

// sessionOutput checks the summary and report flags.
func (lf *localFlags) sessionOutput() (sessionOutput, error) {
	out := sessionOutput{summary: lf.summary, report: lf.report}
	task := pricing.FargateTask{VCPU: lf.fargateCPU, MemoryGB: lf.fargateMemory, Arch: lf.fargateArch}
	if task.Arch == "" {
		task.Arch = lf.arch
	}
	if err := task.Validate(); err != nil {
		return out, fmt.Errorf("--fargate-cpu %v --fargate-memory %v --fargate-arch %s: %v", lf.fargateCPU, lf.fargateMemory, task.Arch, err)
	}
	if lf.fargateLB < 0 || math.IsNaN(lf.fargateLB) || math.IsInf(lf.fargateLB, 0) {
		return out, fmt.Errorf("--fargate-lb-monthly %v: use a monthly cost in USD, 0 or more", lf.fargateLB)
	}
	out.opts = local.SummaryOptions{Fargate: task, LoadBalancerMonthly: lf.fargateLB}
	if lf.report == "" {
		if lf.reportFormat != "" {
			return out, errors.New("--report-format needs --report FILE")
		}
		return out, nil
	}
	format, err := local.ReportFormat(lf.report, lf.reportFormat)
	if err != nil {
		if lf.reportFormat != "" {
			return out, fmt.Errorf("--report-format %q: use csv, json or jsonl", lf.reportFormat)
		}
		return out, fmt.Errorf("--report %s: name the file .csv, .json or .jsonl, or give --report-format", lf.report)
	}
	out.format = format
	return out, nil
}

// config turns the flags into the function's and the front door's configuration, failing on
// the first invalid flag with the flag's name and the accepted values.
func (lf *localFlags) config(cmd []string) (local.Config, frontdoor.Config, error) {
	var cfg local.Config
	var fd frontdoor.Config
	switch lf.event {
	case "http", "rest", "url", "alb":
	default:
		return cfg, fd, fmt.Errorf("--event %q: use http, rest, url or alb", lf.event)
	}
	if lf.albMultiValue && lf.event != "alb" {
		return cfg, fd, errors.New("--alb-multi-value needs --event alb")
	}
	if lf.stream && lf.event != "url" {
		return cfg, fd, errors.New("--stream needs --event url (only Function URLs stream to HTTP clients)")
	}
	if lf.stage != "" && lf.event != "rest" && lf.event != "http" {
		return cfg, fd, errors.New("--stage needs --event rest or http")
	}
	if lf.binaryTypes != "" && lf.event != "rest" {
		return cfg, fd, errors.New("--binary-media-types needs --event rest")
	}
	if _, _, err := net.SplitHostPort(lf.listen); err != nil {
		return cfg, fd, fmt.Errorf("--listen %q: use host:port, e.g. 127.0.0.1:3000", lf.listen)
	}
	if lf.concurrency < 1 || lf.concurrency > local.MaxConcurrency {
		return cfg, fd, fmt.Errorf("--concurrency %d: use 1 to %d", lf.concurrency, local.MaxConcurrency)
	}
	if lf.perEnv < 1 || lf.perEnv > 1000 {
		return cfg, fd, fmt.Errorf("--per-env-concurrency %d: use 1 to 1000", lf.perEnv)
	}
	if d := time.Duration(lf.timeout); d < time.Second || d > local.MaxTimeout {
		return cfg, fd, fmt.Errorf("--timeout %v: use 1s to 900s, as Lambda does", d)
	}
	if d := time.Duration(lf.initTimeout); d < time.Second || d > local.MaxTimeout {
		return cfg, fd, fmt.Errorf("--init-timeout %v: use 1s to 900s", d)
	}
	if time.Duration(lf.idleTimeout) <= 0 {
		return cfg, fd, fmt.Errorf("--idle-timeout %v: use a positive duration", time.Duration(lf.idleTimeout))
	}
	if time.Duration(lf.grace) < 0 {
		return cfg, fd, fmt.Errorf("--shutdown-grace %v: use a duration of 0 or more", time.Duration(lf.grace))
	}
	if lf.memory < local.MinMemoryMB || lf.memory > local.MaxMemoryMB {
		return cfg, fd, fmt.Errorf("--memory %d: use %d to %d (MB)", lf.memory, local.MinMemoryMB, local.MaxMemoryMB)
	}
	if lf.arch != local.ArchX86 && lf.arch != local.ArchARM {
		return cfg, fd, fmt.Errorf("--arch %q: use x86_64 or arm64", lf.arch)
	}
	if lf.maxAsync < 1 {
		return cfg, fd, fmt.Errorf("--max-async-payload %d: use a positive number of bytes", lf.maxAsync)
	}
	var env []string
	if lf.envFile != "" {
		fileEnv, err := readEnvFile(lf.envFile)
		if err != nil {
			return cfg, fd, err
		}
		env = append(env, fileEnv...)
	}
	for _, kv := range lf.env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return cfg, fd, fmt.Errorf("--env %q: use KEY=VALUE", kv)
		}
		env = append(env, kv)
	}

	self, err := os.Executable()
	if err != nil {
		return cfg, fd, fmt.Errorf("locating the slipway executable: %w", err)
	}
	if len(cmd) == 0 {
		if lf.runtime {
			return cfg, fd, errors.New("--runtime needs a command: slipway local --runtime -- ./bootstrap")
		}
		cmd = []string{self, "inspector"}
	}
	cfg = local.Config{
		Name:              lf.name,
		Command:           cmd,
		Runtime:           lf.runtime,
		AdapterCommand:    []string{self, "run", "--"},
		ExtensionsDir:     lf.extensions,
		Env:               env,
		Concurrency:       lf.concurrency,
		PerEnvConcurrency: lf.perEnv,
		Timeout:           time.Duration(lf.timeout),
		InitTimeout:       time.Duration(lf.initTimeout),
		IdleTimeout:       time.Duration(lf.idleTimeout),
		ShutdownGrace:     time.Duration(lf.grace),
		MemoryMB:          lf.memory,
		Arch:              lf.arch,
		Region:            lf.region,
		AccountID:         lf.account,
		MaxAsyncPayload:   lf.maxAsync,
	}
	if lf.stream && !userSets(env, "AWS_LWA_INVOKE_MODE") {
		cfg.Env = append(cfg.Env, "AWS_LWA_INVOKE_MODE=response_stream")
	}
	// A web app listens on a port: environments run side by side, so each gets its own.
	if !lf.runtime || lf.extensions != "" {
		if userSets(env, "PORT", "AWS_LWA_PORT") {
			if cfg.Concurrency > 1 {
				fmt.Fprintf(os.Stderr, "slipway local: warning: PORT or AWS_LWA_PORT is set, so every environment's app would listen on the same port; --concurrency lowered from %d to 1\n", cfg.Concurrency)
				cfg.Concurrency = 1
			}
		} else {
			cfg.AssignPorts = true
		}
	}
	fd = frontdoor.Config{
		Kind:          frontdoor.Kind(lf.event),
		ALBMultiValue: lf.albMultiValue,
		Stage:         lf.stage,
		Streaming:     lf.stream,
		Region:        lf.region,
		AccountID:     lf.account,
	}
	if lf.binaryTypes != "" {
		for _, t := range strings.Split(lf.binaryTypes, ",") {
			if t = strings.TrimSpace(t); t != "" {
				fd.BinaryMediaTypes = append(fd.BinaryMediaTypes, t)
			}
		}
	}
	return cfg, fd, nil
}

// serveLocal runs the function behind the front door and the Invoke API until SIGINT/SIGTERM.
func serveLocal(addr string, cfg local.Config, fdCfg frontdoor.Config, out sessionOutput) int {
	var report *local.ReportWriter
	var reportFile *os.File
	if out.report != "" {
		// Created before anything starts, so a path that cannot be written fails at once.
		var err error
		if reportFile, err = os.Create(out.report); err != nil {
			fmt.Fprintf(os.Stderr, "slipway local: --report: %v\n", err)
			return 2
		}
		defer reportFile.Close() // early returns; the end of the session closes it and checks
		if report, err = local.NewReportWriter(reportFile, out.format); err != nil {
			fmt.Fprintf(os.Stderr, "slipway local: --report: %v\n", err)
			return 2
		}
		cfg.OnReport = report.Write
	}
	fn, err := local.New(cfg)
	if err != nil {
		var ce *local.ConfigError
		if errors.As(err, &ce) && configFlags[ce.Field] != "" {
			fmt.Fprintf(os.Stderr, "slipway local: %s: %s\n", configFlags[ce.Field], ce.Msg)
		} else {
			fmt.Fprintf(os.Stderr, "slipway local: %v\n", err)
		}
		return 2
	}
	invokeAPI := local.InvokeAPI(fn)
	front, err := frontdoor.New(fdCfg, fn)
	if err != nil {
		fmt.Fprintf(os.Stderr, "slipway local: %v\n", err)
		fn.Shutdown(context.Background())
		return 2
	}
	// One listener: the Invoke API's paths go to the Invoke API, everything else to the front
	// door. The Runtime API is on per-environment loopback listeners, never reachable here.
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, local.InvokePathPrefix) || strings.HasPrefix(r.URL.Path, local.StreamInvokePathPrefix) {
			invokeAPI.ServeHTTP(w, r)
			return
		}
		front.ServeHTTP(w, r)
	})
	// Signals are caught before the address is printed: whoever waits for it and then
	// interrupts gets the shutdown (and the summary), not an abrupt end.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "slipway local: --listen %s: %v\n", addr, err)
		fn.Shutdown(context.Background())
		return 1
	}
	base := "http://" + ln.Addr().String()
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		fmt.Fprintf(os.Stderr, "slipway local: warning: listening on %s, reachable from other machines\n", host)
	}
	kind := map[string]string{"http": "API Gateway HTTP API", "rest": "API Gateway REST API", "url": "Function URL", "alb": "Application Load Balancer"}[string(fdCfg.Kind)]
	fmt.Fprintf(os.Stderr, "slipway local: %s front door on %s/\n", kind, base)
	fmt.Fprintf(os.Stderr, "slipway local: Invoke API on %s%s%s/invocations (function %s)\n", base, local.InvokePathPrefix, cfg.Name, fn.ARN())

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	code := 0
	select {
	case sig := <-sigs:
		fmt.Fprintf(os.Stderr, "slipway local: %v: finishing in-flight invocations (again to stop now)\n", sig)
	case err := <-serveErr:
		fmt.Fprintf(os.Stderr, "slipway local: %v\n", err)
		code = 1
	}
	// In-flight invocations may finish within the function timeout (at most 30 s here); a
	// second signal cuts that short. Then environments get SHUTDOWN/SIGTERM and the grace period.
	bound := min(cfg.Timeout, 30*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	done := make(chan struct{})
	go func() {
		srv.Shutdown(ctx)
		close(done)
	}()
	fn.Shutdown(ctx)
	srv.Close()
	<-done
	if out.summary {
		local.WriteSummary(os.Stderr, fn.Stats(), out.opts)
	}
	if report != nil {
		err := report.Close()
		if cerr := reportFile.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "slipway local: --report %s: %v\n", out.report, err)
			code = 1
		} else {
			fmt.Fprintf(os.Stderr, "slipway local: --report: %d invocations written to %s\n", report.Rows(), out.report)
		}
	}
	fmt.Fprintln(os.Stderr, "slipway local: stopped")
	return code
}

// configFlags names the flag behind each local.Config field, for error messages.
var configFlags = map[string]string{
	"Name": "--name", "Region": "--region", "AccountID": "--account", "MemoryMB": "--memory",
	"Arch": "--arch", "Timeout": "--timeout", "InitTimeout": "--init-timeout",
	"IdleTimeout": "--idle-timeout", "ShutdownGrace": "--shutdown-grace",
	"Concurrency": "--concurrency", "PerEnvConcurrency": "--per-env-concurrency",
	"ExtensionsDir": "--extensions", "Env": "--env", "MaxAsyncPayload": "--max-async-payload",
}

// readEnvFile reads KEY=VALUE lines; blank lines and # comments are skipped, an "export "
// prefix and matching quotes around the value are removed.
func readEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--env-file: %w", err)
	}
	defer f.Close()
	var env []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("--env-file %s:%d: expected KEY=VALUE", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		env = append(env, k+"="+v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--env-file %s: %w", path, err)
	}
	return env, nil
}

func userSets(env []string, keys ...string) bool {
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		for _, want := range keys {
			if k == want {
				return true
			}
		}
	}
	return false
}

// durationFlag accepts Go durations ("30s", "1m30s") and plain seconds ("30", "2.5").
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }

func (d *durationFlag) Set(s string) error {
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		*d = durationFlag(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("use a duration like 30s or 2m, or seconds")
	}
	*d = durationFlag(v)
	return nil
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
