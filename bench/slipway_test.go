package bench

import (
	"context"
	"net/http"
	"sync"

	"github.com/slipway-dev/slipway/event"
)

// slipwayInvoker is slipway's invocation path: event.Decoder.Decode, the handler on a pooled
// buffering ResponseWriter, Event.AppendResponse. It stands in for slipway.NewHandler(h).Invoke
// (which is built the same way) until the library lands on main.
func slipwayInvoker() invoker {
	dec, err := event.NewDecoder(event.Options{})
	if err != nil {
		panic(err)
	}
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		req, ev, err := dec.Decode(ctx, payload)
		if err != nil {
			return nil, err
		}
		w := writerPool.Get().(*responseWriter)
		defer w.release()
		handler.ServeHTTP(w, req)
		if w.status == 0 {
			w.status = http.StatusOK
		}
		return ev.AppendResponse(make([]byte, 0, 256+len(w.body)*4/3), w.status, w.header, w.body, nil)
	}
}

// responseWriter buffers a handler's response.
type responseWriter struct {
	header http.Header
	status int
	body   []byte
}

var writerPool = sync.Pool{New: func() any { return &responseWriter{header: http.Header{}} }}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

func (w *responseWriter) release() {
	clear(w.header)
	w.status = 0
	w.body = w.body[:0]
	writerPool.Put(w)
}
