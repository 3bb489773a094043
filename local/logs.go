package local

import (
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/pricing"
)

// logSink serialises whole lines onto the Function's log writer, so lines of concurrent
// environments never interleave mid-line.
type logSink struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *logSink) write(b []byte) {
	s.mu.Lock()
	s.w.Write(b)
	s.mu.Unlock()
}

// Log lines in CloudWatch's layout (runtime-api.md §5). Every function appends one line,
// newline included, to dst.

func appendInitStart(dst []byte, version, arn string) []byte {
	dst = append(dst, "INIT_START Runtime Version: "...)
	dst = append(dst, version...)
	dst = append(dst, "\tRuntime Version ARN: "...)
	dst = append(dst, arn...)
	return append(dst, '\n')
}

func appendStart(dst []byte, requestID, version string) []byte {
	dst = append(dst, "START RequestId: "...)
	dst = append(dst, requestID...)
	dst = append(dst, " Version: "...)
	dst = append(dst, version...)
	return append(dst, '\n')
}

func appendEnd(dst []byte, requestID string) []byte {
	dst = append(dst, "END RequestId: "...)
	dst = append(dst, requestID...)
	return append(dst, '\n')
}

// report holds the figures of a REPORT line.
type report struct {
	requestID string
	duration  time.Duration
	memoryMB  int
	maxUsedMB int64
	init      time.Duration // > 0 on a cold start
	status    string        // "" (success or function error), "timeout", "error"
	errorType string        // with status "error"
	arch      string
	region    string
}

// billedMs is the duration rounded up to the millisecond, plus the init duration rounded up on
// a cold start (INIT is billed like invoke time, pricing.md).
func (r *report) billedMs() int64 {
	billed := ceilMs(r.duration)
	if r.init > 0 {
		billed += ceilMs(r.init)
	}
	return billed
}

func ceilMs(d time.Duration) int64 {
	return int64(math.Ceil(float64(d) / float64(time.Millisecond)))
}

func appendReport(dst []byte, r *report) []byte {
	dst = append(dst, "REPORT RequestId: "...)
	dst = append(dst, r.requestID...)
	dst = append(dst, "\tDuration: "...)
	dst = appendMs(dst, r.duration)
	dst = append(dst, " ms\tBilled Duration: "...)
	dst = strconv.AppendInt(dst, r.billedMs(), 10)
	dst = append(dst, " ms\tMemory Size: "...)
	dst = strconv.AppendInt(dst, int64(r.memoryMB), 10)
	dst = append(dst, " MB\tMax Memory Used: "...)
	dst = strconv.AppendInt(dst, r.maxUsedMB, 10)
	dst = append(dst, " MB\t"...)
	if r.init > 0 {
		dst = append(dst, "Init Duration: "...)
		dst = appendMs(dst, r.init)
		dst = append(dst, " ms\t"...)
	}
	if r.status != "" {
		dst = append(dst, "Status: "...)
		dst = append(dst, r.status...)
		dst = append(dst, '\t')
		if r.errorType != "" {
			dst = append(dst, "Error Type: "...)
			dst = append(dst, r.errorType...)
			dst = append(dst, '\t')
		}
	}
	if cost, err := pricing.Invocation(r.region, r.arch, r.memoryMB, r.billedMs()); err == nil {
		dst = append(dst, "Estimated Cost: "...)
		dst = append(dst, pricing.FormatUSD(cost)...)
		dst = append(dst, " ("...)
		dst = append(dst, pricing.Label...)
		dst = append(dst, ")\t"...)
	}
	return append(dst, '\n')
}

// appendMs appends d in milliseconds with two decimals, as REPORT lines show durations.
func appendMs(dst []byte, d time.Duration) []byte {
	return strconv.AppendFloat(dst, float64(d)/float64(time.Millisecond), 'f', 2, 64)
}

// appendInitReport appends the line Lambda writes when an init phase fails or times out.
func appendInitReport(dst []byte, d time.Duration, phase string, f *initFailure) []byte {
	dst = append(dst, "INIT_REPORT Init Duration: "...)
	dst = appendMs(dst, d)
	dst = append(dst, " ms\tPhase: "...)
	dst = append(dst, phase...)
	dst = append(dst, "\tStatus: "...)
	if f.timeout {
		dst = append(dst, "timeout"...)
	} else {
		dst = append(dst, "error\tError Type: "...)
		dst = append(dst, f.errorType...)
	}
	return append(dst, '\n')
}

// appendTimeout appends "2026-11-21T13:02:32.161Z <id> Task timed out after 3.00 seconds".
func appendTimeout(dst []byte, now time.Time, requestID string, elapsed time.Duration) []byte {
	dst = now.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	dst = append(dst, ' ')
	dst = append(dst, requestID...)
	dst = append(dst, " Task timed out after "...)
	dst = strconv.AppendFloat(dst, elapsed.Seconds(), 'f', 2, 64)
	return append(dst, " seconds\n"...)
}

// appendExtension appends "EXTENSION\tName: lambda-adapter\tState: Ready\tEvents: [INVOKE, SHUTDOWN]".
func appendExtension(dst []byte, name, state string, events []string) []byte {
	dst = append(dst, "EXTENSION\tName: "...)
	dst = append(dst, name...)
	dst = append(dst, "\tState: "...)
	dst = append(dst, state...)
	dst = append(dst, "\tEvents: ["...)
	dst = append(dst, strings.Join(events, ", ")...)
	return append(dst, "]\n"...)
}

// invocationLog collects one invocation's log (START … REPORT) for Response.Log and the Invoke
// API's Tail. Past maxInvocationLog it keeps the newest bytes: Tail needs only the last 4 KB.
type invocationLog struct {
	mu   sync.Mutex
	buf  []byte
	done chan struct{} // closed after REPORT
}

const maxInvocationLog = 256 << 10

func (l *invocationLog) append(b []byte) {
	l.mu.Lock()
	l.buf = append(l.buf, b...)
	if len(l.buf) > maxInvocationLog {
		keep := l.buf[len(l.buf)-maxInvocationLog/2:]
		l.buf = append(l.buf[:0], keep...)
	}
	l.mu.Unlock()
}

func (l *invocationLog) bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.buf...)
}
