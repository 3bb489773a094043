package local

import (
	"context"
	"sync"
	"time"
)

// finishWait bounds how long an invocation waits for an environment whose runtime has answered
// but not called /next again yet. It does so within microseconds; waiting beats a cold start
// (and a throttle, for serial callers with a concurrency of 1) even on a loaded machine.
// Environments whose extensions are still working after the response are not waited for: as on
// Lambda, they are busy.
const finishWait = time.Second

// pool holds a Function's execution environments.
type pool struct {
	f     *Function
	limit int // environments
	per   int // invocations per environment

	mu      sync.Mutex
	envs    []*environment
	closed  bool
	active  int           // invocations assigned to environments
	changed chan struct{} // closed and replaced whenever capacity may have freed up
}

func newPool(f *Function) *pool {
	return &pool{f: f, limit: f.cfg.Concurrency, per: f.cfg.PerEnvConcurrency, changed: make(chan struct{})}
}

func (p *pool) broadcastLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// acquire assigns an invocation to an environment: the most recently used warm one with room
// (or one still in init with room), else (after briefly waiting for one that is finishing) a new
// one while below the limit, else ErrThrottled. cold reports a new environment, which the caller
// must init; otherwise the caller waits for it to be ready (awaitReady).
func (p *pool) acquire(ctx context.Context) (e *environment, cold bool, err error) {
	var waitUntil time.Time
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.closed {
			return nil, false, ErrShuttingDown
		}
		var warm, starting *environment
		finishing := false
		for _, env := range p.envs {
			if env.active >= p.per {
				if env.isFinishing() {
					finishing = true
				}
				continue
			}
			switch env.stateOf() {
			case envReady:
				if warm == nil || env.lastUsed.After(warm.lastUsed) {
					warm = env
				}
			case envStarting:
				starting = env
			}
		}
		if warm == nil {
			// An environment still in init with room (several invocations per environment)
			// takes the invocation once ready, rather than starting another.
			warm = starting
		}
		if warm != nil {
			warm.active++
			p.active++
			return warm, false, nil
		}
		if finishing {
			now := time.Now()
			if waitUntil.IsZero() {
				waitUntil = now.Add(finishWait)
			}
			if now.Before(waitUntil) {
				ch := p.changed
				p.mu.Unlock()
				t := time.NewTimer(waitUntil.Sub(now))
				select {
				case <-ch:
				case <-t.C:
				case <-ctx.Done():
				}
				t.Stop()
				p.mu.Lock()
				if ctx.Err() != nil {
					return nil, false, ctx.Err()
				}
				continue
			}
		}
		if len(p.envs) < p.limit {
			return p.addLocked(), true, nil
		}
		return nil, false, ErrThrottled
	}
}

func (p *pool) addLocked() *environment {
	env := newEnvironment(p.f)
	env.active = 1
	p.active++
	p.envs = append(p.envs, env)
	return env
}

// replace swaps a failed environment for a fresh one in the same slot (Lambda's suppressed
// init re-runs init in a new environment for the same invocation); nil once the pool is closed.
func (p *pool) replace(old *environment) *environment {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removeLocked(old)
	if p.closed {
		return nil
	}
	return p.addLocked()
}

// release returns an invocation's slot once its environment is done with it.
func (p *pool) release(e *environment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !e.removed { // removing freed the environment's slots already
		e.active--
		p.active--
		e.lastUsed = time.Now()
	}
	p.broadcastLocked()
}

// remove takes a dead environment out of the pool, freeing its slots.
func (p *pool) remove(e *environment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removeLocked(e)
}

func (p *pool) removeLocked(e *environment) {
	if e.removed {
		return
	}
	e.removed = true
	p.active -= e.active
	e.active = 0
	for i, env := range p.envs {
		if env == e {
			p.envs = append(p.envs[:i], p.envs[i+1:]...)
			break
		}
	}
	p.broadcastLocked()
}

// takeIdle returns (and removes) the environments idle since before cutoff.
func (p *pool) takeIdle(cutoff time.Time) []*environment {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*environment
	for _, env := range append([]*environment(nil), p.envs...) {
		if env.active == 0 && env.lastUsed.Before(cutoff) {
			p.removeLocked(env)
			out = append(out, env)
		}
	}
	return out
}

// close stops acquisitions.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.broadcastLocked()
	p.mu.Unlock()
}

// waitIdle waits until no invocation is active or ctx ends.
func (p *pool) waitIdle(ctx context.Context) error {
	for {
		p.mu.Lock()
		n, ch := p.active, p.changed
		p.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// drain removes and returns every environment.
func (p *pool) drain() []*environment {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := append([]*environment(nil), p.envs...)
	for _, env := range out {
		p.removeLocked(env)
	}
	return out
}
