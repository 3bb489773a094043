package runtimeapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
)

// userAgent identifies the client to the Runtime API, as other runtime clients do.
var userAgent = "slipway/" + runtime.Version()

// Client talks to the Runtime API. It is safe for concurrent use by many pollers.
type Client struct {
	base string       // "http://host:port[/prefix]", no trailing slash
	hc   *http.Client // posts
	poll *http.Client // /next: hc without a client timeout

	// Logger receives what Serve cannot report to the Runtime API (a handler error after its
	// result was posted, a post refused for one invocation). nil means slog.Default().
	// Set it before calling Serve.
	Logger *slog.Logger

	// maxStream is MaxStreamSize; tests lower it.
	maxStream int64

	// wire carries /next and buffered /response posts with the default HTTP client (wire.go);
	// nil when the caller gave its own.
	wire *wire
}

// NewClient returns a client for addr ("host:port", optionally with "http://" and a path prefix).
// hc may be nil; /next calls never time out on the client side.
//
// The default HTTP client never uses a proxy (HTTP_PROXY is for the function's own traffic, not
// for the link-local Runtime API) and keeps enough idle connections for many pollers. With it,
// /next and buffered /response posts skip net/http's Transport altogether (see wire.go): they are
// the per-invocation hot path. A caller's hc carries every request.
func NewClient(addr string, hc *http.Client) (*Client, error) {
	base, err := baseURL(addr)
	if err != nil {
		return nil, err
	}
	var w *wire
	if hc == nil {
		hc = newHTTPClient()
		u, _ := url.Parse(base)
		w = &wire{host: u.Host, prefix: u.EscapedPath()}
	}
	poll := hc
	if hc.Timeout != 0 {
		// Long polls wait across freezes for as long as it takes; the caller's timeout is meant
		// for the posts.
		c := *hc
		c.Timeout = 0
		poll = &c
	}
	return &Client{base: base, hc: hc, poll: poll, maxStream: MaxStreamSize, wire: w}, nil
}

func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	// Every poller holds one connection for /next and reuses it for its post; the default of 2
	// idle connections per host would make all but two pollers redial on every invocation.
	t.MaxIdleConns = 0
	t.MaxIdleConnsPerHost = 1024
	// The API is on loopback and answers in microseconds; compression only costs CPU.
	t.DisableCompression = true
	return &http.Client{Transport: t}
}

// baseURL turns an AWS_LAMBDA_RUNTIME_API value into the URL that API paths are appended to.
func baseURL(addr string) (string, error) {
	if addr == "" {
		return "", errors.New("runtimeapi: empty API address (is " + EnvRuntimeAPI + " set?)")
	}
	rest := strings.TrimPrefix(addr, "http://")
	if i := strings.Index(rest, "://"); i >= 0 {
		return "", fmt.Errorf("runtimeapi: API address %q: only http:// is supported", addr)
	}
	u, err := url.Parse("http://" + rest)
	if err != nil {
		return "", fmt.Errorf("runtimeapi: API address %q: want host:port[/prefix]: %v", addr, err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("runtimeapi: API address %q: want host:port[/prefix]", addr)
	}
	return "http://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// Next long-polls for the next invocation. A reply whose headers cannot be used yields a
// *MalformedInvocationError naming the request id; anything but 200 yields an *APIError.
func (c *Client) Next(ctx context.Context) (*Invocation, error) {
	if c.wire != nil {
		var inv *Invocation
		err := c.wire.exchange(ctx, "next", http.MethodGet, PathNext, "", nil, func(resp *http.Response) error {
			if resp.StatusCode != http.StatusOK {
				return newAPIError(resp, http.MethodGet, PathNext)
			}
			payload, err := readBody(resp)
			if err != nil {
				return fmt.Errorf("runtimeapi: next: reading the event: %w", err)
			}
			inv, err = parseInvocation(resp.Header, payload)
			return err
		})
		return inv, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+PathNext, nil)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: next: %w", err)
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.poll.Do(req)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: next: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, newAPIError(resp, http.MethodGet, PathNext)
	}
	payload, err := readBody(resp)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: next: reading the event: %w", err)
	}
	return parseInvocation(resp.Header, payload)
}

// readBody reads a reply body into a slice of exactly its size: directly when the length is
// declared, else through a pooled buffer, so a chunked event costs one allocation too.
func readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= MaxRequestSize*4 {
		b := payloadBuffer(int(n))
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= MaxRequestSize+bytes.MinRead {
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Respond posts a buffered result. Anything but 202 is an error (a 413 carries the platform's message).
//
// body may be reused once Respond returns nil. After an error it may not: a server that refused
// the post early can leave net/http's transport still reading it.
func (c *Client) Respond(ctx context.Context, requestID string, body []byte) error {
	trackPost(ctx, requestID, nil)
	if c.wire != nil {
		path := invocationPath(requestID, PathSuffixResponse)
		return c.wire.exchange(ctx, "POST "+path, http.MethodPost, path, "Content-Type: application/octet-stream\r\n", body,
			func(resp *http.Response) error { return readAccepted(resp, http.MethodPost, path) })
	}
	return c.post(ctx, invocationPath(requestID, PathSuffixResponse), body, "application/octet-stream", "")
}

// RespondError posts an invocation error; err's ErrorType() (if any) becomes errorType, which is
// also sent as the Lambda-Runtime-Function-Error-Type header. See ErrorTypeOf and ErrorFor.
func (c *Client) RespondError(ctx context.Context, requestID string, err error) error {
	trackPost(ctx, requestID, nil)
	e := ErrorFor(err)
	return c.post(ctx, invocationPath(requestID, PathSuffixError), marshalError(e), ContentTypeError, e.Type)
}

// InitError reports a failed initialisation.
func (c *Client) InitError(ctx context.Context, err error) error {
	e := ErrorFor(err)
	return c.post(ctx, PathInitError, marshalError(e), ContentTypeError, e.Type)
}

func invocationPath(requestID, suffix string) string {
	return PathInvocation + url.PathEscape(requestID) + suffix
}

// post sends body to path and requires exactly 202 Accepted.
func (c *Client) post(ctx context.Context, path string, body []byte, contentType, errorType string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("runtimeapi: POST %s: %w", path, err)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Content-Type", contentType)
	if errorType != "" {
		req.Header.Set(HeaderFunctionErrorType, errorType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("runtimeapi: POST %s: %w", path, err)
	}
	return checkAccepted(resp, http.MethodPost, path)
}

// checkAccepted consumes and closes resp (so its connection is reused) and returns nil for 202.
func checkAccepted(resp *http.Response, method, path string) error {
	defer resp.Body.Close()
	return readAccepted(resp, method, path)
}

// readAccepted consumes resp's body and returns nil for 202.
func readAccepted(resp *http.Response, method, path string) error {
	if resp.StatusCode != http.StatusAccepted {
		return newAPIError(resp, method, path)
	}
	_, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return fmt.Errorf("runtimeapi: %s %s: reading the reply: %w", method, path, err)
	}
	return nil
}

func (c *Client) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
