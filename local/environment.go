package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// envState is where an environment is in its life.
type envState int

const (
	envStarting envState = iota // init: extensions, then the runtime, until all called next
	envReady                    // initialised; takes invocations
	envDead                     // being torn down; never used again
)

// environment is one execution environment: a runtime process and its external extensions
// under one supervisor (procGroup), a Runtime/Extensions API listener of its own, and the log
// pipe its processes share.
type environment struct {
	f         *Function
	logStream string
	appPort   int    // PORT/AWS_LWA_PORT, 0 unless Config.AssignPorts
	addr      string // host:port of the Runtime API, for AWS_LAMBDA_RUNTIME_API
	ln        net.Listener
	srv       *http.Server
	group     *procGroup // the processes
	logR      *os.File   // read end of the processes' stdout/stderr

	queue chan *invocation // invocations waiting for a /next

	// Guarded by the pool's mutex.
	active   int       // invocations assigned to this environment
	lastUsed time.Time // when it last finished an invocation
	removed  bool      // no longer in the pool

	mu               sync.Mutex
	state            envState
	changed          chan struct{} // closed and replaced on every state change (init waits on it)
	initFail         *initFailure
	runtimeNexted    bool // the runtime has called /next at least once
	waiting          int  // /next calls currently waiting for an invocation
	runtime          *process
	procs            []*process
	registrationOpen bool
	exts             []*extension
	extByID          map[string]*extension
	inflight         map[string]*invocation
	current          *invocation // the invocation output is attributed to (one at a time)
	initLog          []byte      // log lines of the init phase, shown with the first invocation
	broken           bool        // an extension reported exit/error: do not reuse
	maxUsedMB        int64       // Max Memory Used so far (it never decreases, as on Lambda)

	outMu   sync.Mutex
	partial []byte // output after the last newline

	mem memProbe
}

// initFailure is why an init phase failed.
type initFailure struct {
	errorType string
	message   string // for platform-detected failures; the error JSON is built from it
	body      []byte // the error JSON a runtime or extension posted, if any
	timeout   bool
	shutdown  bool // the Function shut down meanwhile: nothing to retry or report
}

func (fl *initFailure) payload(requestID string) []byte {
	if len(fl.body) > 0 {
		return fl.body
	}
	msg := fl.message
	if requestID != "" {
		msg = "RequestId: " + requestID + " Error: " + msg
	}
	return errorBody(fl.errorType, msg)
}

func newEnvironment(f *Function) *environment {
	return &environment{
		f:                f,
		logStream:        newLogStreamName(time.Now(), latest),
		queue:            make(chan *invocation, f.cfg.PerEnvConcurrency),
		changed:          make(chan struct{}),
		registrationOpen: true,
		extByID:          make(map[string]*extension),
		inflight:         make(map[string]*invocation),
	}
}

func (e *environment) notifyLocked() {
	close(e.changed)
	e.changed = make(chan struct{})
}

// failInitLocked records the first reason init failed.
func (e *environment) failInitLocked(fl *initFailure) {
	if e.state == envStarting && e.initFail == nil {
		e.initFail = fl
		e.notifyLocked()
	}
}

// init runs the init phase: it starts the listener, every external extension, waits for them
// to register, starts the runtime and waits until the runtime and every registered extension
// called next — all within timeout. On failure the caller tears the environment down.
func (e *environment) init(timeout time.Duration) (d time.Duration, fl *initFailure) {
	start := time.Now()
	defer func() {
		if fl != nil && e.stateOf() == envDead {
			fl.shutdown = true // torn down by Shutdown meanwhile: whatever failed, that is why
		}
		go e.f.refillSpare()
	}()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	if fl := e.listen(); fl != nil {
		return time.Since(start), fl
	}
	e.logInit(appendInitStart(nil, e.f.runtimeVersion, e.f.runtimeVersionARN))

	fnEnv, extEnv := e.f.environment(e)
	for _, x := range e.f.extensions {
		p, err := e.group.start(procSpec{name: x.name, path: x.path, argv: []string{x.path}, env: extEnv, dir: e.f.cfg.Dir})
		if err != nil {
			return time.Since(start), &initFailure{errorType: "Extension.LaunchError", message: err.Error()}
		}
		e.track(p, false)
	}
	if fl := e.waitInit(deadline.C, func() bool { return e.externalRegisteredLocked() == len(e.f.extensions) }); fl != nil {
		return time.Since(start), fl
	}

	p, err := e.group.start(procSpec{name: "runtime", path: e.f.runtimePath, argv: e.f.runtimeArgv, env: fnEnv, dir: e.f.cfg.Dir})
	if err != nil {
		return time.Since(start), &initFailure{errorType: "Runtime.InvalidEntrypoint", message: err.Error()}
	}
	e.mu.Lock()
	e.runtime = p
	e.mu.Unlock()
	e.track(p, true)
	fl = e.waitInit(deadline.C, func() bool {
		if !e.runtimeNexted {
			return false
		}
		for _, x := range e.exts {
			if !x.ready {
				return false
			}
		}
		return true
	})
	if fl != nil {
		return time.Since(start), fl
	}

	e.mu.Lock()
	e.state = envReady
	e.registrationOpen = false
	var lines []byte
	for _, x := range e.exts {
		lines = appendExtension(lines, x.name, "Ready", x.eventList())
	}
	e.notifyLocked()
	e.mu.Unlock()
	if len(lines) > 0 {
		e.logInit(lines)
	}
	d = time.Since(start)
	// A first measurement, so that an invocation that crashes the runtime still reports what
	// the environment used.
	e.memoryUsedMB()
	return d, nil
}

// waitInit waits until done (checked under e.mu) holds, init fails, or the deadline passes.
func (e *environment) waitInit(deadline <-chan time.Time, done func() bool) *initFailure {
	for {
		e.mu.Lock()
		if e.initFail != nil {
			fl := e.initFail
			e.mu.Unlock()
			return fl
		}
		if e.state == envDead {
			e.mu.Unlock()
			return &initFailure{errorType: "Runtime.Unknown", message: "the environment was shut down during init", shutdown: true}
		}
		if done() {
			e.mu.Unlock()
			return nil
		}
		ch := e.changed
		e.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			e.mu.Lock()
			e.failInitLocked(&initFailure{errorType: runtimeapi.ErrorTypeTimeout, message: "init timed out", timeout: true})
			e.mu.Unlock()
		}
	}
}

func (e *environment) externalRegisteredLocked() int {
	n := 0
	for _, x := range e.exts {
		if x.external {
			n++
		}
	}
	return n
}

// listen opens the environment's loopback Runtime API listener and takes a process group (with
// its log pipe).
func (e *environment) listen() *initFailure {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return &initFailure{errorType: "Runtime.Unknown", message: "runtime API listener: " + err.Error()}
	}
	if e.f.cfg.AssignPorts {
		port, err := freePort()
		if err != nil {
			ln.Close()
			return &initFailure{errorType: "Runtime.Unknown", message: "choosing an app port: " + err.Error()}
		}
		e.appPort = port
	}
	g, err := e.f.takeGroup()
	if err != nil {
		ln.Close()
		return &initFailure{errorType: "Runtime.Unknown", message: err.Error(), shutdown: errors.Is(err, ErrShuttingDown)}
	}
	e.ln, e.group, e.logR = ln, g, g.logR
	e.addr = ln.Addr().String()
	e.srv = &http.Server{
		Handler:  http.HandlerFunc(e.serveHTTP),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go e.srv.Serve(ln)
	go e.readOutput()
	return nil
}

// freePort returns a loopback port nobody listens on right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// track remembers p and watches it: an exit outside a teardown fails init or resets the
// environment.
func (e *environment) track(p *process, isRuntime bool) {
	e.mu.Lock()
	e.procs = append(e.procs, p)
	e.mu.Unlock()
	go func() {
		<-p.exited
		e.processExited(p, isRuntime)
	}()
}

func (e *environment) processExited(p *process, isRuntime bool) {
	state := p.state
	e.mu.Lock()
	switch e.state {
	case envDead:
		e.notifyLocked()
		e.mu.Unlock()
		return
	case envStarting:
		if isRuntime {
			e.failInitLocked(&initFailure{errorType: runtimeapi.ErrorTypeExit, message: exitMessage(state)})
		} else {
			e.failInitLocked(&initFailure{errorType: "Extension.Crash", message: "extension " + p.spec.name + " exited: " + state})
		}
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	if isRuntime {
		e.fail(FailureCrash, runtimeapi.ErrorTypeExit, exitMessage(state))
	} else {
		e.fail(FailureCrash, "Extension.Crash", "Extension "+p.spec.name+" exited: "+state)
	}
}

// exitMessage is Lambda's wording for a runtime that exited.
func exitMessage(state string) string {
	if state == "exit status 0" {
		return "Runtime exited without providing a reason"
	}
	return "Runtime exited with error: " + state
}

// dispatch hands inv to the runtime (through the next /next) and INVOKE to subscribed
// extensions, and starts its timeout. It returns false if the environment died meanwhile.
func (e *environment) dispatch(inv *invocation) bool {
	now := time.Now()
	inv.env = e
	inv.start = now
	inv.deadline = now.Add(e.f.cfg.Timeout)

	e.mu.Lock()
	if e.state != envReady {
		e.mu.Unlock()
		return false
	}
	var head []byte
	if len(e.initLog) > 0 {
		head, e.initLog = e.initLog, nil
	}
	e.inflight[inv.id] = inv
	single := e.f.cfg.PerEnvConcurrency == 1
	if single {
		e.current = inv
	}
	for _, x := range e.exts {
		if x.subscribed[runtimeapi.EventInvoke] {
			if single {
				inv.extPending++
			}
			x.push(extEvent{inv: inv, body: invokeEvent(inv, e.f.arn)})
		}
	}
	inv.timer = time.AfterFunc(e.f.cfg.Timeout, func() { e.timeout(inv) })
	e.mu.Unlock()

	line := appendStart(nil, inv.id, latest)
	inv.log.append(head)
	inv.log.append(line)
	e.f.sink.write(line)
	e.queue <- inv
	return true
}

// doneLocked reports whether inv just became complete: response posted, the runtime back in
// /next and every INVOKE-subscribed extension back in event/next (Managed-Instances style
// environments have no freeze, so there the response alone completes it). It marks inv
// finished, so exactly one caller goes on to complete it.
func (e *environment) doneLocked(inv *invocation) bool {
	if inv.finished || !inv.responded {
		return false
	}
	if e.f.cfg.PerEnvConcurrency == 1 && (!inv.runtimeDone || inv.extPending > 0) {
		return false
	}
	inv.finished = true
	return true
}

// complete writes END and REPORT for a successful (or function-failed) invocation and gives
// the environment back to the pool.
func (e *environment) complete(inv *invocation) {
	end := time.Now()
	inv.timer.Stop()
	e.drainOutput()
	lines := appendEnd(nil, inv.id)
	r := e.report(inv, end.Sub(inv.start), "", "")
	lines = appendReport(lines, r)
	e.f.recordReport(r, inv.start, inv.failed, inv.errorType)
	e.finishLog(inv, lines)

	e.mu.Lock()
	broken := e.broken
	e.mu.Unlock()
	// Back to the pool before inv leaves the in-flight set: until then the pool sees the
	// environment as finishing (and waits for it) rather than busy (and throttles).
	if broken {
		e.f.pool.remove(e)
	} else {
		e.f.pool.release(e)
	}
	e.mu.Lock()
	delete(e.inflight, inv.id)
	if e.current == inv {
		e.current = nil
	}
	e.mu.Unlock()
	if broken && e.markDead() {
		e.teardown(runtimeapi.ShutdownFailure)
	}
}

func (e *environment) finishLog(inv *invocation, lines []byte) {
	inv.log.append(lines)
	e.f.sink.write(lines)
	close(inv.log.done)
}

// report gathers the REPORT figures of inv.
func (e *environment) report(inv *invocation, d time.Duration, status, errorType string) *report {
	c := &e.f.cfg
	return &report{
		requestID: inv.id,
		duration:  d,
		memoryMB:  c.MemoryMB,
		maxUsedMB: e.memoryUsedMB(),
		init:      inv.initDur,
		status:    status,
		errorType: errorType,
		arch:      c.Arch,
		region:    c.Region,
	}
}

// memoryUsedMB measures the environment's processes (not their supervisor) and returns the
// highest figure seen so far, in MB rounded up.
func (e *environment) memoryUsedMB() int64 {
	if e.group == nil {
		return 0
	}
	kb := e.mem.peakKB(e.group.memRoots())
	mb := (kb + 1023) / 1024
	e.mu.Lock()
	if mb > e.maxUsedMB {
		e.maxUsedMB = mb
	}
	mb = e.maxUsedMB
	e.mu.Unlock()
	return mb
}

// timeout ends inv at its deadline: Lambda kills the runtime and resets the environment, even
// when the response was already sent and only the runtime or an extension overran.
func (e *environment) timeout(inv *invocation) {
	e.mu.Lock()
	if inv.finished || e.state == envDead {
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	elapsed := time.Since(inv.start)
	msg := fmt.Sprintf("Task timed out after %.2f seconds", elapsed.Seconds())
	e.failOne(inv, FailureTimeout, runtimeapi.ErrorTypeTimeout, msg, func(lines []byte) []byte {
		return appendTimeout(lines, time.Now(), inv.id, elapsed)
	}, "timeout")
}

// fail resets the environment after a crash: every unfinished invocation fails with errorType.
func (e *environment) fail(f Failure, errorType, msg string) {
	e.mu.Lock()
	if e.state == envDead {
		e.mu.Unlock()
		return
	}
	var invs []*invocation
	for _, inv := range e.inflight {
		if !inv.finished {
			invs = append(invs, inv)
		}
	}
	e.mu.Unlock()
	if len(invs) == 0 {
		// Crashed while idle: nothing to report but the reset.
		if e.markDead() {
			e.f.pool.remove(e)
			e.teardown(runtimeapi.ShutdownFailure)
		}
		return
	}
	for _, inv := range invs {
		e.failOne(inv, f, errorType, msg, crashLines(inv, errorType, msg), "error")
	}
}

// crashLines returns the log lines Lambda writes for a crashed invocation.
func crashLines(inv *invocation, errorType, msg string) func([]byte) []byte {
	return func(lines []byte) []byte {
		lines = append(lines, "RequestId: "+inv.id+" Error: "+msg+"\n"...)
		return append(lines, errorType+"\n"...)
	}
}

// failInflight fails the invocations still running when the Function shuts down past its
// deadline: their runtime is killed.
func (e *environment) failInflight() {
	e.mu.Lock()
	var invs []*invocation
	for _, inv := range e.inflight {
		if !inv.finished {
			invs = append(invs, inv)
		}
	}
	e.mu.Unlock()
	msg := "Runtime exited with error: signal: killed"
	for _, inv := range invs {
		e.failOne(inv, FailureCrash, runtimeapi.ErrorTypeExit, msg, crashLines(inv, runtimeapi.ErrorTypeExit, msg), "error")
	}
}

// failOne fails inv (and, as the environment dies with it, every other invocation in it).
func (e *environment) failOne(inv *invocation, f Failure, errorType, msg string, logLines func([]byte) []byte, status string) {
	e.mu.Lock()
	if inv.finished {
		e.mu.Unlock()
		return
	}
	inv.finished = true
	inv.failed, inv.errorType = f, errorType
	e.mu.Unlock()
	inv.timer.Stop()
	first := e.markDead()
	if first {
		e.f.pool.remove(e)
	}
	mem := e.memoryUsedMB()
	e.mu.Lock()
	rt := e.runtime
	e.mu.Unlock()
	if rt != nil {
		rt.kill()
	}
	e.drainOutput()
	body := errorBody(errorType, "RequestId: "+inv.id+" Error: "+msg)
	inv.endStream(&FunctionError{Type: errorType, Payload: body})
	inv.deliver(failureResponse(f, errorType, body))

	lines := logLines(nil)
	lines = appendEnd(lines, inv.id)
	r := e.report(inv, time.Since(inv.start), status, errorType)
	if status == "timeout" {
		r.errorType = ""
	}
	r.maxUsedMB = mem
	lines = appendReport(lines, r)
	e.f.recordReport(r, inv.start, f, errorType)
	e.finishLog(inv, lines)

	e.mu.Lock()
	delete(e.inflight, inv.id)
	if e.current == inv {
		e.current = nil
	}
	var others []*invocation
	for _, o := range e.inflight {
		if !o.finished {
			others = append(others, o)
		}
	}
	e.mu.Unlock()
	for _, o := range others {
		msg := "Runtime exited with error: signal: killed"
		e.failOne(o, FailureCrash, runtimeapi.ErrorTypeExit, msg, crashLines(o, runtimeapi.ErrorTypeExit, msg), "error")
	}
	if first {
		reason := runtimeapi.ShutdownFailure
		if f == FailureTimeout {
			reason = runtimeapi.ShutdownTimeout
		}
		e.teardown(reason)
	}
}

// markDead moves the environment to envDead; it reports whether this call did, in which case
// the caller must call teardown (the Function counts it as tearing down from now on, so that
// Shutdown waits for it).
func (e *environment) markDead() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state == envDead {
		return false
	}
	e.state = envDead
	e.notifyLocked()
	e.f.tearing.add(1)
	return true
}

// teardown ends the environment's processes in Lambda's order: SIGTERM to the runtime on a
// spindown (it was already killed on a timeout or failure), SHUTDOWN to the extensions that
// subscribed, then, after the grace period, SIGKILL to whatever is left. It returns when no
// process of the environment is left. The environment must be dead (markDead) already.
func (e *environment) teardown(reason string) {
	defer e.f.tearing.add(-1)
	grace := e.f.cfg.ShutdownGrace
	graceEnd := time.Now().Add(grace)

	e.mu.Lock()
	procs := append([]*process(nil), e.procs...)
	rt := e.runtime
	// Worth waiting for: the runtime (SIGTERM) and the extensions told about the shutdown.
	// Extensions that did not subscribe to SHUTDOWN never learn of it; they are just killed.
	var awaited []*process
	for _, p := range procs {
		if p == rt {
			awaited = append(awaited, p)
		}
	}
	for _, x := range e.exts {
		if x.subscribed[runtimeapi.EventShutdown] {
			x.push(extEvent{body: shutdownEvent(reason, graceEnd)})
			for _, p := range procs {
				if p != rt && p.spec.name == x.name {
					awaited = append(awaited, p)
				}
			}
		}
	}
	e.mu.Unlock()
	if rt != nil {
		if reason == runtimeapi.ShutdownSpindown {
			rt.terminate()
		} else {
			rt.kill()
		}
	}
	expired := make(chan struct{})
	timer := time.AfterFunc(grace, func() { close(expired) })
	for _, p := range awaited {
		select {
		case <-p.exited:
		case <-expired:
		}
	}
	timer.Stop()
	if e.group != nil {
		e.group.close()
		<-e.group.done()
	}
	if e.srv != nil {
		e.srv.Close()
	}
	if e.logR != nil {
		e.drainOutput()
		e.flushPartial()
		e.logR.Close()
	}
}

// spindown tears down an idle environment (reaped or at shutdown).
func (e *environment) spindown() {
	if e.markDead() {
		e.teardown(runtimeapi.ShutdownSpindown)
	}
}

// logInit writes init-phase lines; they also head the first invocation's log.
func (e *environment) logInit(lines []byte) {
	e.mu.Lock()
	e.initLog = append(e.initLog, lines...)
	e.mu.Unlock()
	e.f.sink.write(lines)
}

// output writes one line the processes printed, attributed to the current invocation.
func (e *environment) output(line []byte) {
	e.mu.Lock()
	inv := e.current
	if inv == nil && e.state == envStarting {
		e.initLog = append(e.initLog, line...)
		e.initLog = append(e.initLog, '\n')
	}
	e.mu.Unlock()
	buf := make([]byte, 0, len(line)+40)
	if inv != nil {
		buf = append(buf, inv.id...)
		buf = append(buf, '\t')
		inv.log.append(append(append([]byte(nil), line...), '\n'))
	}
	buf = append(buf, line...)
	buf = append(buf, '\n')
	e.f.sink.write(buf)
}

// processOutput splits data into lines and writes them; called with outMu held.
func (e *environment) processOutput(data []byte) {
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			e.partial = append(e.partial, data...)
			if len(e.partial) > maxLogLine {
				e.output(e.partial)
				e.partial = e.partial[:0]
			}
			return
		}
		line := data[:nl]
		if len(e.partial) > 0 {
			line = append(e.partial, line...)
			e.partial = e.partial[:0]
		}
		e.output(bytes.TrimSuffix(line, []byte("\r")))
		data = data[nl+1:]
	}
}

// maxLogLine splits very long lines, like CloudWatch's 256 KB event limit does.
const maxLogLine = 256 << 10

// flushPartial writes a last line that has no newline.
func (e *environment) flushPartial() {
	e.outMu.Lock()
	defer e.outMu.Unlock()
	if len(e.partial) > 0 {
		e.output(e.partial)
		e.partial = e.partial[:0]
	}
}

// isReady and isFinishing are called by the pool with its mutex held: the lock order is the
// pool's mutex, then the environment's. Nothing holds e.mu while calling into the pool.
func (e *environment) stateOf() envState {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.broken {
		return envDead
	}
	return e.state
}

// awaitReady waits until the environment's init phase is over; it reports whether the
// environment is ready.
func (e *environment) awaitReady(ctx context.Context) bool {
	for {
		e.mu.Lock()
		state, ch := e.state, e.changed
		e.mu.Unlock()
		if state != envStarting {
			return state == envReady
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

func (e *environment) isFinishing() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	// Answered, and either the runtime is not back in /next yet or the invocation is being
	// completed (END/REPORT) right now; not: extensions still working.
	for _, inv := range e.inflight {
		if inv.responded && (!inv.runtimeDone || inv.extPending == 0) {
			return true
		}
	}
	return false
}
