package local

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/pricing"
)

// Record is one invocation's REPORT data: what its REPORT line says, plus when it started, how
// it ended and its estimated cost. Config.OnReport receives one per invocation.
type Record struct {
	RequestID string
	Start     time.Time // when the invocation reached its environment (for a failed init, when the retried init began)
	Duration  time.Duration
	// BilledMs is the billed duration in milliseconds: the duration rounded up, plus the init
	// duration rounded up on a cold start (INIT is billed like invoke time, pricing.md).
	BilledMs        int64
	Init            time.Duration // init duration on a cold start, 0 when warm
	ColdStart       bool          // the invocation started a new environment (Init > 0, or its init failed)
	MemoryMB        int
	MaxMemoryUsedMB int64
	Outcome         Outcome
	ErrorType       string  // errorType of a failed invocation, "" on success
	Cost            float64 // USD, pricing.Label; 0 when the region has no prices
}

// Outcome is how an invocation ended.
type Outcome int

const (
	OutcomeSuccess Outcome = iota
	OutcomeError           // function error, crash, failed init or oversized response
	OutcomeTimeout
)

var outcomeNames = [...]string{"success", "error", "timeout"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Stats sums up a Function's invocations so far, for the "Lambda or Fargate?" summary.
type Stats struct {
	Region, Arch      string
	MemoryMB          int
	PerEnvConcurrency int       // > 1: Managed Instances style, which Lambda bills by instance
	Since             time.Time // when the Function was created

	Invocations int64 // invocations that ran (successful or not): one REPORT line each
	Errors      int64 // invocations that failed other than by a timeout
	Timeouts    int64
	Throttles   int64 // invocations refused because every environment was busy (not in Invocations)
	ColdStarts  int64
	InitTotal   time.Duration // init durations of the cold starts, summed

	BilledMs  int64   // billed milliseconds, summed (cold-start init included)
	GBSeconds float64 // memory × billed duration, summed
	Cost      float64 // estimated cost of the invocations in USD (pricing.Label); 0 without prices

	// Percentiles of Duration (nearest rank): exact up to maxSamples invocations, estimated
	// from a uniform sample of that many beyond. 0 without invocations.
	P50, P99 time.Duration
}

// maxSamples bounds the memory the duration percentiles take (8 MB) however long the session.
const maxSamples = 1 << 20

// session collects the figures behind Stats. One mutex: it is taken once per invocation, after
// the REPORT line, for a few additions.
type session struct {
	since time.Time
	limit int // samples kept: maxSamples (tests lower it)

	mu        sync.Mutex
	stats     Stats
	durations []time.Duration // a uniform sample of the durations (all of them up to maxSamples)
}

func (s *session) add(r *Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.stats
	st.Invocations++
	switch r.Outcome {
	case OutcomeError:
		st.Errors++
	case OutcomeTimeout:
		st.Timeouts++
	}
	if r.ColdStart {
		st.ColdStarts++
		st.InitTotal += r.Init
	}
	st.BilledMs += r.BilledMs
	st.GBSeconds += float64(r.MemoryMB) / 1024 * float64(r.BilledMs) / 1000
	st.Cost += r.Cost
	// Reservoir sampling (Vitter's algorithm R): once full, the n-th duration replaces a
	// random sample with probability maxSamples/n, so every duration is equally likely kept.
	limit := s.limit
	if limit == 0 {
		limit = maxSamples
	}
	if len(s.durations) < limit {
		s.durations = append(s.durations, r.Duration)
	} else if j := rand.Int64N(st.Invocations); j < int64(limit) {
		s.durations[j] = r.Duration
	}
}

func (s *session) throttled() {
	s.mu.Lock()
	s.stats.Throttles++
	s.mu.Unlock()
}

func (s *session) snapshot() Stats {
	s.mu.Lock()
	st := s.stats
	sorted := slices.Clone(s.durations)
	s.mu.Unlock()
	slices.Sort(sorted)
	st.Since = s.since
	st.P50 = percentile(sorted, 50)
	st.P99 = percentile(sorted, 99)
	return st
}

// percentile returns the nearest-rank p-th percentile of sorted: the smallest value that at
// least p% of the values do not exceed. 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// Rank ceil(p/100 × n), computed in integers so that p = 50, n = 10 gives rank 5 exactly.
	rank := (int64(p*100)*int64(len(sorted)) + 9999) / 10000
	rank = min(max(rank, 1), int64(len(sorted)))
	return sorted[rank-1]
}

// Stats returns the figures of the invocations so far. Call it after Shutdown for the final
// ones: invocations still running are counted once their REPORT line is written.
func (f *Function) Stats() Stats {
	st := f.session.snapshot()
	st.Region, st.Arch, st.MemoryMB, st.PerEnvConcurrency = f.cfg.Region, f.cfg.Arch, f.cfg.MemoryMB, f.cfg.PerEnvConcurrency
	return st
}

// recordReport counts an invocation whose REPORT line r was just written and hands its
// Record to Config.OnReport. start is when it started; failure and errorType how it ended
// (REPORT lines leave out a function error's type; the Record has it).
func (f *Function) recordReport(r *report, start time.Time, failure Failure, errorType string) {
	rec := Record{
		RequestID:       r.requestID,
		Start:           start,
		Duration:        r.duration,
		BilledMs:        r.billedMs(),
		Init:            r.init,
		ColdStart:       r.init > 0 || failure == FailureInit,
		MemoryMB:        r.memoryMB,
		MaxMemoryUsedMB: r.maxUsedMB,
	}
	switch {
	case failure == FailureTimeout || r.status == "timeout": // an init that timed out too
		rec.Outcome, rec.ErrorType = OutcomeTimeout, errorType
	case failure != FailureNone:
		rec.Outcome, rec.ErrorType = OutcomeError, errorType
	}
	if cost, err := pricing.Invocation(r.region, r.arch, r.memoryMB, rec.BilledMs); err == nil {
		rec.Cost = cost
	}
	f.session.add(&rec)
	if f.cfg.OnReport != nil {
		f.cfg.OnReport(rec)
	}
}
