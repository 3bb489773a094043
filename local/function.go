package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// Function is an emulated Lambda function: its environments, Runtime API and logs.
type Function struct {
	cfg        Config
	arn        string
	sink       *logSink
	pool       *pool
	extensions []extensionFile

	runtimePath       string   // resolved executable of the runtime process
	runtimeArgv       []string // its argv
	runtimeVersion    string   // for INIT_START
	runtimeVersionARN string

	spare   chan *procGroup // a process group started ahead of the next cold start
	spareMu sync.Mutex
	stopped bool // no more spares (guarded by spareMu)

	async    chan *invocation // queued Event invocations
	asyncWG  sync.WaitGroup
	tearing  counter       // environments being torn down
	stop     chan struct{} // closed by Shutdown
	stopOnce sync.Once
	reaperWG sync.WaitGroup

	session session // what the summary of the session reports (Stats)
}

// asyncQueue is how many Event invocations may wait; beyond it Invoke throttles them.
const asyncQueue = 10000

// New validates cfg and prepares the function; environments start on demand.
func New(cfg Config) (*Function, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	f := &Function{
		cfg:   cfg,
		arn:   fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", cfg.Region, cfg.AccountID, cfg.Name),
		sink:  &logSink{w: cfg.Log},
		async: make(chan *invocation, asyncQueue),
		stop:  make(chan struct{}),
		spare: make(chan *procGroup, 1),
	}
	f.session.since = time.Now()
	if f.extensions, err = findExtensions(cfg.ExtensionsDir); err != nil {
		return nil, err
	}
	argv := cfg.Command
	if !cfg.Runtime && cfg.ExtensionsDir == "" {
		argv = append(append([]string(nil), cfg.AdapterCommand...), cfg.Command...)
	}
	if f.runtimePath, err = resolveCommand(argv[0], cfg.Dir, cfg.Env); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	f.runtimeArgv = argv
	sum := sha256.Sum256([]byte(strings.Join(argv, "\x00")))
	f.runtimeVersion = "slipway.local"
	f.runtimeVersionARN = "arn:aws:lambda:" + cfg.Region + "::runtime:" + hex.EncodeToString(sum[:])
	f.pool = newPool(f)

	for i := 0; i < cfg.Concurrency; i++ {
		f.asyncWG.Add(1)
		go f.asyncWorker()
	}
	f.reaperWG.Add(1)
	go f.reaper()
	go f.refillSpare()
	return f, nil
}

// takeGroup returns a process group for a new environment: the spare one if ready (its
// supervisor has already started, so the cold start only pays for the runtime's exec), else a
// new one. The environment asks for a new spare once its init is over (refillSpare), so that
// preparing it does not compete with the init for the CPU.
func (f *Function) takeGroup() (*procGroup, error) {
	f.spareMu.Lock()
	stopped := f.stopped
	f.spareMu.Unlock()
	if stopped {
		return nil, ErrShuttingDown
	}
	select {
	case g := <-f.spare:
		return g, nil
	default:
		return newProcGroup()
	}
}

func (f *Function) refillSpare() {
	f.spareMu.Lock()
	defer f.spareMu.Unlock()
	if f.stopped || len(f.spare) > 0 {
		return
	}
	if g, err := newProcGroup(); err == nil {
		f.spare <- g
	}
}

// Config returns the function's configuration with defaults applied.
func (f *Function) Config() Config { return f.cfg }

// ARN is the function's ARN (arn:aws:lambda:{region}:{account}:function:{name}).
func (f *Function) ARN() string { return f.arn }

// Invoke runs one invocation in a warm environment, a new one, or fails with ErrThrottled.
// An Async request is queued and answered at once with an empty Response. Canceling ctx stops
// the wait, not the invocation: Lambda does not stop a function whose caller went away.
func (f *Function) Invoke(ctx context.Context, req *Request) (*Response, error) {
	select {
	case <-f.stop:
		return nil, ErrShuttingDown
	default:
	}
	if req.Async {
		if len(req.Payload) > f.cfg.MaxAsyncPayload {
			return nil, &limitError{fmt.Sprintf("%d byte payload is too large for the Event invocation type (limit %d bytes)", len(req.Payload), f.cfg.MaxAsyncPayload)}
		}
		inv := newInvocation(req, time.Now())
		select {
		case f.async <- inv:
		default:
			f.session.throttled()
			return nil, ErrThrottled
		}
		return &Response{RequestID: inv.id, ExecutedVersion: latest, Body: emptyBody{},
			StreamError: func() error { return nil }, Log: func() []byte { return nil }}, nil
	}
	if len(req.Payload) > runtimeapi.MaxRequestSize {
		return nil, &limitError{fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", runtimeapi.MaxRequestSize)}
	}
	r, err := f.run(ctx, newInvocation(req, time.Now()))
	if err == ErrThrottled {
		f.session.throttled()
	}
	return r, err
}

// run assigns inv to an environment (initialising a new one when needed) and waits for its
// response.
func (f *Function) run(ctx context.Context, inv *invocation) (*Response, error) {
	for attempt := 0; ; attempt++ {
		env, cold, err := f.pool.acquire(ctx)
		if err != nil {
			return nil, err
		}
		if cold {
			var ok bool
			if env, ok = f.initEnvironment(env, inv); !ok {
				if env == nil {
					return nil, ErrShuttingDown
				}
				break // inv failed; its response is waiting
			}
		} else if !env.awaitReady(ctx) && ctx.Err() != nil {
			f.pool.release(env)
			return nil, ctx.Err()
		}
		if env.dispatch(inv) {
			break
		}
		// The environment died between being chosen and being used (its runtime exited while
		// idle, or the init it was waiting for failed): try another, as Lambda would route the
		// invocation elsewhere.
		f.pool.remove(env)
		if attempt == 3 {
			return nil, errors.New("local: execution environments keep failing")
		}
	}
	select {
	case r := <-inv.resp:
		return r, nil
	case <-ctx.Done():
		// The invocation goes on (Lambda does not stop a function whose caller left), but
		// nobody will read its result.
		inv.abandon()
		return nil, ctx.Err()
	}
}

// initEnvironment runs the init phase of a new environment. If it fails, Lambda re-runs init
// once as part of the invocation ("suppressed init"), bounded by the function timeout; if that
// fails too, the invocation fails with the init error.
func (f *Function) initEnvironment(env *environment, inv *invocation) (*environment, bool) {
	d, fl := env.init(f.cfg.InitTimeout)
	if fl == nil {
		inv.initDur = d
		return env, true
	}
	f.discard(env)
	if fl.shutdown {
		f.pool.remove(env)
		return nil, false
	}
	f.sink.write(appendInitReport(nil, d, "init", fl))
	if env = f.pool.replace(env); env == nil {
		return nil, false
	}
	start := time.Now()
	d, fl = env.init(f.cfg.Timeout)
	if fl == nil {
		inv.initDur = d
		return env, true
	}
	f.pool.remove(env)
	f.discard(env)
	if fl.shutdown {
		return nil, false
	}

	// Log the failed invocation like Lambda does and answer it with the init error.
	var lines []byte
	lines = appendInitReport(lines, d, "invoke", fl)
	lines = appendStart(lines, inv.id, latest)
	status, errType, failure := "error", fl.errorType, FailureInit
	body := fl.payload(inv.id)
	if fl.timeout {
		elapsed := time.Since(start)
		lines = appendTimeout(lines, time.Now(), inv.id, elapsed)
		status, errType = "timeout", ""
		body = errorBody("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, elapsed.Seconds()))
	}
	lines = appendEnd(lines, inv.id)
	r := &report{requestID: inv.id, duration: time.Since(start), memoryMB: f.cfg.MemoryMB,
		status: status, errorType: errType, arch: f.cfg.Arch, region: f.cfg.Region}
	lines = appendReport(lines, r)
	env.mu.Lock()
	head := env.initLog
	env.initLog = nil
	env.mu.Unlock()
	inv.log.append(head)
	f.sink.write(lines)
	inv.log.append(lines)
	if fl.errorType == "" {
		fl.errorType = errType
	}
	f.recordReport(r, start, failure, fl.errorType)
	close(inv.log.done)
	inv.deliver(failureResponse(failure, fl.errorType, body))
	return env, false
}

// discard tears down an environment that failed init, in the background. It is marked dead
// (and counted as tearing down) at once, so Shutdown cannot miss it.
func (f *Function) discard(env *environment) {
	if env.markDead() {
		go env.teardown(runtimeapi.ShutdownFailure)
	}
}

// asyncWorker runs queued Event invocations. A throttled one waits for capacity; Lambda's
// retries of failed asynchronous invocations are not emulated (the failure is logged).
func (f *Function) asyncWorker() {
	defer f.asyncWG.Done()
	for {
		select {
		case <-f.stop:
			return
		case inv := <-f.async:
			for {
				r, err := f.run(context.Background(), inv)
				if errors.Is(err, ErrThrottled) {
					select {
					case <-f.stop:
						return
					case <-time.After(20 * time.Millisecond):
						continue
					}
				}
				if err == nil {
					r.Body.Close()
				}
				break
			}
		}
	}
}

// reaper spins down environments idle for longer than IdleTimeout.
func (f *Function) reaper() {
	defer f.reaperWG.Done()
	every := f.cfg.IdleTimeout / 10
	every = min(max(every, 10*time.Millisecond), 10*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case now := <-t.C:
			for _, env := range f.pool.takeIdle(now.Add(-f.cfg.IdleTimeout)) {
				if env.markDead() { // now, so that Shutdown waits for the teardown
					go env.teardown(runtimeapi.ShutdownSpindown)
				}
			}
		}
	}
}

// Shutdown stops accepting invocations, lets in-flight ones finish (bounded by ctx), sends SHUTDOWN
// to extensions and SIGTERM to runtimes, then kills what is left. No process outlives it.
func (f *Function) Shutdown(ctx context.Context) error {
	f.stopOnce.Do(func() { close(f.stop) })
	f.pool.close()
	f.spareMu.Lock()
	f.stopped = true
	select {
	case g := <-f.spare:
		g.close()
		<-g.done()
		g.logR.Close()
	default:
	}
	f.spareMu.Unlock()
	err := f.pool.waitIdle(ctx)
	if n := len(f.async); n > 0 {
		f.sink.write([]byte(fmt.Sprintf("slipway local: %d queued Event invocations dropped at shutdown\n", n)))
	}
	var wg sync.WaitGroup
	for _, env := range f.pool.drain() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if env.markDead() {
				// In-flight invocations (ctx ended first) fail as the environment goes.
				env.failInflight()
				env.teardown(runtimeapi.ShutdownSpindown)
			}
		}()
	}
	wg.Wait()
	f.tearing.waitZero()
	f.asyncWG.Wait()
	f.reaperWG.Wait()
	return err
}

// emptyBody is the body of Event and DryRun responses.
type emptyBody struct{}

func (emptyBody) Read([]byte) (int, error) { return 0, io.EOF }
func (emptyBody) Close() error             { return nil }

// counter counts work in progress; unlike a WaitGroup, it may go up while someone waits.
type counter struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n drops to 0; nil while n is 0
}

func (c *counter) add(d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 && d > 0 {
		c.zero = make(chan struct{})
	}
	c.n += d
	if c.n == 0 && c.zero != nil {
		close(c.zero)
		c.zero = nil
	}
}

func (c *counter) waitZero() {
	c.mu.Lock()
	ch := c.zero
	c.mu.Unlock()
	if ch != nil {
		<-ch
	}
}
