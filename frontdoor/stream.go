package frontdoor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/slipway-dev/slipway/local"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// streamDelimiter ends the prelude of a streamed HTTP-integration response (runtime-api.md §1.2).
var streamDelimiter = make([]byte, 8)

// errNoPrelude: the stream ended, or passed maxPrelude bytes, without the delimiter.
var errNoPrelude = errors.New("no prelude delimiter (8 NUL bytes)")

// serveStreaming is a Function URL in RESPONSE_STREAM mode: the function's prelude becomes the
// status and headers, then each piece of body the function posts is written and flushed as it
// arrives. A mid-stream error truncates the response: the connection is aborted without the final
// chunk, so the client sees an incomplete body as it would from AWS.
func (d *door) serveStreaming(w http.ResponseWriter, r *http.Request, ctx context.Context, req *local.Request, extra http.Header) {
	resp, err := d.fn.Invoke(ctx, req)
	if f, why, ok := classify(resp, err); !ok {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		d.fail(w, extra, f, why)
		return
	}
	if resp.Body == nil {
		resp.Body = io.NopCloser(bytes.NewReader(nil))
	}
	defer resp.Body.Close()
	if !resp.Streaming {
		// A buffered function behind a RESPONSE_STREAM URL: Lambda streams the result bytes as
		// they are, so the client receives the JSON document itself (the mode mismatch that
		// events.md §4 warns about).
		result, err := io.ReadAll(io.LimitReader(resp.Body, runtimeapi.MaxResponseSize+1))
		if err != nil {
			d.fail(w, extra, failFunction, "reading the result: "+err.Error())
			return
		}
		rep := &reply{status: http.StatusOK, header: http.Header{headerContentType: {"application/json"}}, body: result}
		rep.write(w, extra)
		return
	}
	prelude, rest, err := readPrelude(resp.Body)
	if err != nil {
		if serr := streamErr(resp); serr != nil {
			d.fail(w, extra, failFunction, fmt.Sprintf("function failed before its prelude: %v (request %s)", serr, resp.RequestID))
			return
		}
		d.fail(w, extra, failFunction, fmt.Sprintf("invalid streamed response: %v (request %s)", err, resp.RequestID))
		return
	}
	rep, err := parseStreamPrelude(prelude)
	if err != nil {
		d.fail(w, extra, failFunction, fmt.Sprintf("%v (request %s)", err, resp.RequestID))
		return
	}
	h := w.Header()
	for k, vs := range extra {
		h[k] = vs
	}
	for k, vs := range rep.header {
		h[k] = vs
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // never sniffed
	}
	rc := http.NewResponseController(w)
	w.WriteHeader(rep.status)
	total := len(rest)
	if len(rest) > 0 {
		if _, err := w.Write(rest); err != nil {
			return // the client went away; closing the body finishes the invocation
		}
	}
	_ = rc.Flush()
	buf := make([]byte, 32<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			total += n
			if total > runtimeapi.MaxStreamSize {
				d.log.Printf("url front door: streamed response over %d bytes, truncated (request %s)", runtimeapi.MaxStreamSize, resp.RequestID)
				panic(http.ErrAbortHandler)
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		if rerr == io.EOF {
			if serr := streamErr(resp); serr != nil {
				d.log.Printf("url front door: function failed mid-stream after %d body bytes: %v (request %s); response truncated", total, serr, resp.RequestID)
				panic(http.ErrAbortHandler)
			}
			return
		}
		if rerr != nil {
			d.log.Printf("url front door: reading the stream: %v (request %s); response truncated", rerr, resp.RequestID)
			panic(http.ErrAbortHandler)
		}
	}
}

func streamErr(resp *local.Response) error {
	if resp.StreamError == nil {
		return nil
	}
	return resp.StreamError()
}

// readPrelude reads up to the delimiter and returns the prelude and the body bytes read past it.
// The delimiter must start within the first maxPrelude bytes.
func readPrelude(r io.Reader) (prelude, rest []byte, err error) {
	buf := make([]byte, 0, 4096)
	chunk := make([]byte, 4096)
	for {
		if i := bytes.Index(buf, streamDelimiter); i >= 0 {
			if i > maxPrelude {
				break
			}
			return buf[:i], buf[i+len(streamDelimiter):], nil
		}
		if len(buf) > maxPrelude+len(streamDelimiter) {
			break
		}
		n, rerr := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if rerr == io.EOF {
			if i := bytes.Index(buf, streamDelimiter); i >= 0 && i <= maxPrelude {
				return buf[:i], buf[i+len(streamDelimiter):], nil
			}
			return nil, nil, errNoPrelude
		}
		if rerr != nil {
			return nil, nil, rerr
		}
	}
	return nil, nil, fmt.Errorf("%w within the first %d bytes", errNoPrelude, maxPrelude)
}

// parseStreamPrelude reads {"statusCode":200,"headers":{…},"cookies":[…]}; statusCode defaults
// to 200, a header value may be a string or a list of strings (repeated headers), and each
// cookie becomes one Set-Cookie.
func parseStreamPrelude(raw []byte) (*reply, error) {
	f, err := decodeObject(raw)
	if err != nil {
		return nil, invalid("prelude: %v", err.(*invalidResult).reason)
	}
	rep := &reply{status: http.StatusOK, header: http.Header{}}
	if !isNull(f.StatusCode) {
		if rep.status, err = statusCode(f.StatusCode); err != nil {
			return nil, err
		}
	}
	if err := headerMap("prelude headers", f.Headers, rep.header, true, true); err != nil {
		return nil, err
	}
	if !isNull(f.Cookies) {
		var cookies []string
		if err := json.Unmarshal(f.Cookies, &cookies); err != nil {
			return nil, invalid("prelude cookies is not a list of strings")
		}
		for _, c := range cookies {
			if err := addHeader(rep.header, "Set-Cookie", c); err != nil {
				return nil, err
			}
		}
	}
	return rep, nil
}
