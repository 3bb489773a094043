// Package runtimeapitest provides an in-process Lambda Runtime and Extensions API for tests and
// benchmarks of runtimes, like net/http/httptest does for HTTP handlers.
//
// A Server listens on a loopback port; give its Addr to the runtime as AWS_LAMBDA_RUNTIME_API.
// Invoke queues an event, hands it to whichever runtime poller calls /next, and returns what the
// runtime posted: a buffered result, an error, or a stream recorded chunk by chunk with its
// trailers. Any number of pollers may wait in /next at once, each invocation going to one of
// them. Nothing sleeps or polls: every wait is a channel.
package runtimeapitest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// Defaults of InvokeOptions and of the registration reply.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultFunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:test"
	FunctionName       = "test"
	FunctionVersion    = "$LATEST"
	FunctionHandler    = "bootstrap"
	AccountID          = "123456789012"
)

// ErrClosed is returned by Invoke when the server is closed before the runtime answers.
var ErrClosed = errors.New("runtimeapitest: server closed")

// Server is a Runtime API (and Extensions API) on a loopback port. Invocations are queued with
// Invoke and handed to whichever runtime calls /next.
type Server struct {
	Addr string // host:port, the value for AWS_LAMBDA_RUNTIME_API

	srv       *http.Server
	queue     chan *invocation // unbuffered: Invoke hands over to a waiting /next
	closed    chan struct{}
	closeOnce sync.Once
	served    chan struct{} // closed when Serve returns

	mu        sync.Mutex
	active    map[string]*invocation // handed out and not finished
	initErr   *runtimeapi.Error
	initHdr   string
	initErrC  chan struct{} // closed at the first init error
	waiting   int           // pollers blocked in /next
	waitingC  chan struct{} // closed and replaced whenever waiting changes
	exts      []*extension
	extErrors []ExtensionError
}

// NewServer starts a server. Close it when done.
func NewServer() *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("runtimeapitest: listen on loopback: " + err.Error())
	}
	s := &Server{
		Addr:     ln.Addr().String(),
		queue:    make(chan *invocation),
		closed:   make(chan struct{}),
		served:   make(chan struct{}),
		active:   make(map[string]*invocation),
		initErrC: make(chan struct{}),
		waitingC: make(chan struct{}),
	}
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.served)
		s.srv.Serve(ln)
	}()
	return s
}

// Close stops the server; pending /next calls get an error status (500, as when Lambda's
// container fails), pending Invoke calls return ErrClosed. Posts in progress get a moment to end.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if s.srv.Shutdown(ctx) != nil {
			s.srv.Close()
		}
		<-s.served
	})
}

// InvokeOptions are the per-invocation values /next hands out.
type InvokeOptions struct {
	RequestID       string        // "" → a fresh UUID
	Timeout         time.Duration // deadline = now + Timeout (default 30s), from when /next hands it out
	TraceID         string        // "" → generated
	ClientContext   string        // JSON
	CognitoIdentity string        // JSON
	TenantID        string
	FunctionARN     string // "" → arn:aws:lambda:us-east-1:123456789012:function:test

	// Header adds to or replaces the /next reply's headers, to test how a runtime copes with
	// values Lambda would not send (an unparseable deadline, a client context that is not JSON).
	Header http.Header

	// OnChunk, if set, is called with each piece of a streamed body as the server reads it,
	// before the rest arrives; p is only valid during the call. It lets a test see that a chunk reached
	// the server before the runtime wrote the next one.
	OnChunk func(p []byte)
}

// Result is what the runtime posted for one invocation.
type Result struct {
	RequestID   string
	Body        []byte            // /response body (for a stream: everything streamed)
	Error       *runtimeapi.Error // /error body, or the mid-stream error from trailers
	ErrorHeader string            // Lambda-Runtime-Function-Error-Type of an /error post
	Streamed    bool
	// Chunks is a stream's body as the server read it, one entry per read: each chunk the
	// runtime flushed is its own entry unless it arrived while the previous one was still
	// unread. Use InvokeOptions.OnChunk to pace a test on arrivals.
	Chunks  [][]byte
	Header  http.Header // request headers of the post
	Trailer http.Header // trailers of a streamed post

	TransferEncoding []string // of the post, e.g. ["chunked"] for a stream
}

// Invoke queues payload and waits for the runtime's answer (or ctx).
//
// Once a runtime has posted an init error, Invoke returns a Result carrying that error instead
// of queueing, as Lambda fails invocations whose init fails. A result larger than
// runtimeapi.MaxResponseSize gets 413 and a Result with a Function.ResponseSizeTooLarge error.
func (s *Server) Invoke(ctx context.Context, payload []byte, opts *InvokeOptions) (*Result, error) {
	inv := newInvocation(ctx, payload, opts)
	if r := s.initErrorResult(inv.id); r != nil {
		return r, nil
	}
	select {
	case s.queue <- inv:
	case <-s.initErrC:
		return s.initErrorResult(inv.id), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.closed:
		return nil, ErrClosed
	}
	select {
	case <-inv.done:
		return inv.result, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.closed:
		// A post racing with Close may still have finished the invocation.
		select {
		case <-inv.done:
			return inv.result, nil
		default:
			return nil, ErrClosed
		}
	}
}

func (s *Server) initErrorResult(id string) *Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initErr == nil {
		return nil
	}
	e := *s.initErr
	return &Result{RequestID: id, Error: &e, ErrorHeader: s.initHdr}
}

// InitError returns the error a runtime posted to /runtime/init/error, if any.
func (s *Server) InitError() *runtimeapi.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initErr
}

// WaitInitError blocks until a runtime posts an init error, and returns it.
func (s *Server) WaitInitError(ctx context.Context) (*runtimeapi.Error, error) {
	select {
	case <-s.initErrC:
		return s.InitError(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.closed:
		return nil, ErrClosed
	}
}

// Pollers returns how many runtime pollers are waiting in /next right now.
func (s *Server) Pollers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// WaitPollers blocks until at least n runtime pollers are waiting in /next at once: the runtime
// is initialised (n = 1) or all of its workers are idle.
func (s *Server) WaitPollers(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		waiting, changed := s.waiting, s.waitingC
		s.mu.Unlock()
		if waiting >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return ErrClosed
		}
	}
}

func (s *Server) addWaiting(d int) {
	s.mu.Lock()
	s.waiting += d
	close(s.waitingC)
	s.waitingC = make(chan struct{})
	s.mu.Unlock()
}

// invocation is one Invoke call on its way through the server.
type invocation struct {
	ctx     context.Context // the Invoke call's; once it ends nobody waits for the answer
	id      string
	payload []byte
	opts    InvokeOptions
	done    chan struct{} // closed when result is set
	result  *Result
}

func newInvocation(ctx context.Context, payload []byte, opts *InvokeOptions) *invocation {
	inv := &invocation{ctx: ctx, payload: payload, done: make(chan struct{})}
	if opts != nil {
		inv.opts = *opts
	}
	if inv.opts.RequestID == "" {
		inv.opts.RequestID = runtimeapi.NewRequestID()
	}
	if inv.opts.Timeout == 0 {
		inv.opts.Timeout = DefaultTimeout
	}
	if inv.opts.FunctionARN == "" {
		inv.opts.FunctionARN = DefaultFunctionARN
	}
	if inv.opts.TraceID == "" {
		inv.opts.TraceID = runtimeapi.NewTraceID(time.Now())
	}
	inv.id = inv.opts.RequestID
	return inv
}

func (inv *invocation) finish(r *Result) {
	r.RequestID = inv.id
	inv.result = r
	close(inv.done)
}
