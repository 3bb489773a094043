package local

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// invocation is one invocation on its way through an environment.
type invocation struct {
	id       string
	payload  []byte
	traceID  string
	clientCx string // JSON for Lambda-Runtime-Client-Context, "" when none
	cognito  string // JSON for Lambda-Runtime-Cognito-Identity, "" when none
	tenantID string

	// Set when the invocation is dispatched to an environment.
	env      *environment
	start    time.Time
	deadline time.Time
	initDur  time.Duration // init duration to report (cold start), 0 when warm

	resp chan *Response // receives exactly one Response

	// Guarded by env.mu.
	handedOut   bool // a /next call returned it
	claimed     bool // a /response or /error post for it started
	responded   bool // the result is complete (a stream has ended)
	runtimeDone bool // the runtime is back in /next after responding
	extPending  int  // extensions that have not called next since their INVOKE event
	finished    bool // END and REPORT are written
	failed      Failure
	errorType   string
	timer       *time.Timer

	streamMu  sync.Mutex
	streamW   *io.PipeWriter // the streamed body, closed at the end or on failure
	streamErr error

	delivered sync.Once
	abandoned bool // the caller stopped waiting (guarded by streamMu)
	log       invocationLog
}

func newInvocation(req *Request, now time.Time) *invocation {
	inv := &invocation{
		id:       runtimeapi.NewRequestID(),
		payload:  req.Payload,
		traceID:  req.TraceID,
		tenantID: req.TenantID,
		resp:     make(chan *Response, 1),
	}
	if len(inv.payload) == 0 {
		// Lambda hands an empty invocation to the function as an empty JSON object.
		inv.payload = []byte("{}")
	}
	if inv.traceID == "" {
		inv.traceID = runtimeapi.NewTraceID(now)
	}
	if len(req.ClientContext) > 0 {
		inv.clientCx = string(compactJSON(req.ClientContext))
	}
	if len(req.CognitoIdentity) > 0 {
		inv.cognito = string(compactJSON(req.CognitoIdentity))
	}
	inv.log.done = make(chan struct{})
	return inv
}

// compactJSON makes JSON fit in one header line; invalid JSON is returned as is.
func compactJSON(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}

func (inv *invocation) deadlineMs() string {
	return strconv.FormatInt(inv.deadline.UnixMilli(), 10)
}

// deliver hands r to the caller of Invoke; only the first call counts. If the caller has
// stopped waiting, r's body is closed at once, so a runtime streaming into it is not held up.
func (inv *invocation) deliver(r *Response) bool {
	ok := false
	inv.delivered.Do(func() {
		r.RequestID = inv.id
		r.ExecutedVersion = latest
		r.Log = inv.logLines
		if r.StreamError == nil {
			r.StreamError = func() error { return nil }
		}
		ok = true
		inv.streamMu.Lock()
		defer inv.streamMu.Unlock()
		if inv.abandoned {
			r.Body.Close()
			return
		}
		inv.resp <- r
	})
	return ok
}

// abandon records that the caller of Invoke stopped waiting (its context ended): a response
// delivered now or later is closed, not kept.
func (inv *invocation) abandon() {
	inv.streamMu.Lock()
	defer inv.streamMu.Unlock()
	inv.abandoned = true
	select {
	case r := <-inv.resp:
		r.Body.Close()
	default:
	}
}

// logLines waits for REPORT and returns the invocation's log.
func (inv *invocation) logLines() []byte {
	<-inv.log.done
	return inv.log.bytes()
}

// endStream ends a streamed body: consumers see io.EOF, and StreamError reports err.
func (inv *invocation) endStream(err error) {
	inv.streamMu.Lock()
	defer inv.streamMu.Unlock()
	if inv.streamW == nil {
		return
	}
	if inv.streamErr == nil {
		inv.streamErr = err
	}
	inv.streamW.Close()
	inv.streamW = nil
}

func (inv *invocation) streamError() error {
	inv.streamMu.Lock()
	defer inv.streamMu.Unlock()
	if inv.streamErr == nil {
		return nil
	}
	return inv.streamErr
}

// errorBody builds the error JSON Lambda returns for platform-detected failures.
func errorBody(errorType, message string) []byte {
	b, _ := json.Marshal(struct {
		Type    string `json:"errorType"`
		Message string `json:"errorMessage"`
	}{errorType, message})
	return b
}

// failureResponse is a complete buffered response for a failed invocation.
func failureResponse(f Failure, errorType string, body []byte) *Response {
	return &Response{
		Failure:     f,
		ErrorType:   errorType,
		Body:        io.NopCloser(bytes.NewReader(body)),
		ContentType: "application/json",
	}
}
