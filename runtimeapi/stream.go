package runtimeapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// errStreamClosed is returned by writes after Close or CloseWithError.
var errStreamClosed = errors.New("runtimeapi: write to a closed stream")

// errStreamPostEnded unblocks writes once the POST is over (the server answered early or the
// connection failed) when the POST itself gave no better error.
var errStreamPostEnded = errors.New("runtimeapi: the streaming POST has ended")

// Stream starts a streaming response (Lambda-Runtime-Function-Response-Mode: streaming, chunked,
// declared trailers). contentType is e.g. the HTTP-integration type from package event.
//
// The request and its headers are sent at once; the body follows Write by Write. The POST lives
// as long as ctx: cancelling it aborts the stream.
func (c *Client) Stream(ctx context.Context, requestID, contentType string) (*Stream, error) {
	path := invocationPath(requestID, PathSuffixResponse)
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, pr)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: POST %s: %w", path, err)
	}
	// An unknown length and an explicit chunked encoding: net/http's transport then writes each
	// chunk as it reads it from the pipe and flushes it to the socket right away.
	req.ContentLength = -1
	req.TransferEncoding = []string{"chunked"}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(HeaderResponseMode, ResponseModeStreaming)
	// Declaring the trailers makes the transport send the Trailer header; their values are set
	// by CloseWithError before the body ends, and empty trailers are not written at all.
	trailer := http.Header{HeaderFunctionErrorType: nil, HeaderFunctionErrorBody: nil}
	req.Trailer = trailer

	s := &Stream{pw: pw, trailer: trailer, done: make(chan struct{}), limit: c.maxStream, path: path}
	trackPost(ctx, requestID, s)
	go func() {
		defer close(s.done)
		resp, err := c.hc.Do(req)
		if err == nil {
			err = checkAccepted(resp, http.MethodPost, path)
		} else {
			err = fmt.Errorf("runtimeapi: POST %s: %w", path, err)
		}
		s.result = err
		// Whatever happened, nobody reads the pipe any more: fail pending and later writes
		// with the POST's own error rather than letting them block.
		if err == nil {
			err = errStreamPostEnded
		}
		pr.CloseWithError(err)
	}()
	return s, nil
}

// Stream is an in-progress streaming response. Each Write reaches the Runtime API as one chunk
// without waiting for the next; it is not safe for concurrent use.
type Stream struct {
	pw      *io.PipeWriter
	trailer http.Header   // the request's declared trailers
	done    chan struct{} // closed when the POST is over
	result  error         // the POST's outcome; read after done
	path    string

	n      int64 // bytes written so far
	limit  int64 // MaxStreamSize
	err    error // first write error; later writes and Close report it
	closed bool
}

// ErrorType of the error a Write returns once a stream would exceed MaxStreamSize.
const errorTypeStreamTooLarge = ErrorTypeResponseTooLarge

// Write sends p as one chunk. It returns once the HTTP transport has taken p; the transport
// flushes it to the socket before it takes the next one. Writing more than MaxStreamSize bytes
// in all fails, and so does every write after a failed one.
func (s *Stream) Write(p []byte) (int, error) {
	if s.closed {
		return 0, errStreamClosed
	}
	if s.err != nil {
		return 0, s.err
	}
	if len(p) == 0 {
		// An empty chunk would be read as the end of the body.
		return 0, nil
	}
	if s.n+int64(len(p)) > s.limit {
		s.err = &Error{
			Type: errorTypeStreamTooLarge,
			Message: "Response payload size exceeded maximum allowed payload size (" +
				strconv.FormatInt(s.limit, 10) + " bytes).",
		}
		return 0, s.err
	}
	n, err := s.pw.Write(p)
	s.n += int64(n)
	if err != nil {
		s.err = err
	}
	return n, err
}

// Written returns the number of body bytes written so far.
func (s *Stream) Written() int64 { return s.n }

// Close ends the stream successfully and waits for the server's 202. A stream that failed on
// the way (for instance by exceeding MaxStreamSize) is ended with that error instead, as
// CloseWithError does, and Close returns it.
func (s *Stream) Close() error {
	if s.closed {
		return errStreamClosed
	}
	if s.err != nil {
		var e *Error
		if errors.As(s.err, &e) && e.Type == errorTypeStreamTooLarge {
			if err := s.CloseWithError(e); err != nil {
				return err
			}
			return e
		}
	}
	s.closed = true
	s.pw.Close()
	<-s.done
	return s.result
}

// CloseWithError ends the stream with the error trailers (type, base64 error JSON): the client
// sees a truncated response and Lambda records the invocation as failed. It waits for the
// server's reply.
func (s *Stream) CloseWithError(err error) error {
	if s.closed {
		return errStreamClosed
	}
	s.closed = true
	e := ErrorFor(err)
	// Trailer values must be set before the body ends: the transport reads them after it sees
	// EOF, and the pipe orders this write before that read.
	s.trailer.Set(HeaderFunctionErrorType, e.Type)
	s.trailer.Set(HeaderFunctionErrorBody, base64.StdEncoding.EncodeToString(marshalError(e)))
	s.pw.Close()
	<-s.done
	return s.result
}

// closeAfterHandler finishes a stream its handler left open: with the handler's error, or
// successfully. It reports false when the stream was already closed.
func (s *Stream) closeAfterHandler(herr error) (bool, error) {
	if s.closed {
		return false, nil
	}
	if herr != nil {
		return true, s.CloseWithError(herr)
	}
	return true, s.Close()
}
