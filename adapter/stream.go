package adapter

import (
	"context"
	"io"
	"net/http"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// stream posts the app's response as a streamed HTTP-integration response (adapter.md §4): the
// prelude, then every chunk the moment the app's body yields it — nothing is collected, nothing
// base64-encoded. A failure after the first byte ends the stream with the error trailers, the
// only way left to tell Lambda the response is incomplete.
func (a *Adapter) stream(ctx context.Context, rc *runtimeapi.Client, inv *runtimeapi.Invocation, ev *event.Event,
	resp *http.Response, log invLog) error {
	if resp.Header.Get("Content-Type") == "" {
		resp.Header.Set("Content-Type", "application/octet-stream")
	}
	prelude := getBuffer()
	defer putBuffer(prelude)
	p := ev.AppendStreamPrelude(prelude.AvailableBuffer(), resp.StatusCode, resp.Header)

	// The post outlives the invocation's deadline so that a timeout can still be reported in the
	// trailers; reading the app's body is what the deadline bounds.
	s, err := rc.Stream(context.WithoutCancel(ctx), inv.RequestID, event.StreamContentType)
	if err != nil {
		log.Error("cannot start the response stream", "error", err)
		return err // nothing was posted: Serve reports it as the invocation's error
	}
	if _, err := s.Write(p); err != nil {
		log.Error("cannot write the response prelude", "error", err)
		return nil
	}

	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	total := 0
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if total += n; total > runtimeapi.MaxStreamSize {
				a.endStream(s, log, newFailure(ErrorTypeResponseTooLarge, nil,
					"streamed response exceeded the maximum of %d bytes", runtimeapi.MaxStreamSize))
				return nil
			}
			if _, err := s.Write(buf[:n]); err != nil {
				log.Error("cannot write to the response stream", "error", err)
				return nil
			}
		}
		switch {
		case rerr == io.EOF:
			if err := s.Close(); err != nil {
				log.Error("cannot finish the response stream", "error", err)
			}
			return nil
		case rerr != nil:
			a.endStream(s, log, a.bodyError(ctx, rerr))
			return nil
		}
	}
}

// endStream ends s with the error trailers for err.
func (a *Adapter) endStream(s *runtimeapi.Stream, log invLog, err error) {
	lerr := asLambdaError(err)
	log.Error("response stream interrupted", "errorType", lerr.Type, "error", lerr.Message)
	if cerr := s.CloseWithError(lerr); cerr != nil {
		log.Error("cannot post the stream error", "error", cerr)
	}
	var f *failure
	if e, ok := err.(*failure); ok {
		f = e
	}
	if f != nil && f.typ == ErrorTypeAppExited {
		a.fatal(err)
	}
}
