package event

import (
	"context"
	"net/http"
)

// passThrough builds the request for a non-HTTP event (adapter.md §3): POST to the pass-through
// path with the raw event as a JSON body. Host and RemoteAddr are empty: there is no client, and
// a client forwarding the request addresses the app directly.
func (d *Decoder) passThrough(ctx context.Context, payload []byte) (*http.Request, *Event) {
	r := new(request)
	r.ev = Event{Source: NonHTTP}
	if d.passURI == "" {
		r.url.Path = DefaultPassThroughPath
		r.req.RequestURI = DefaultPassThroughPath
	} else {
		r.url.Path, r.url.RawPath = d.passPath, d.passRawPath
		r.req.RequestURI = d.passURI
	}
	r.req.Method = http.MethodPost
	r.req.URL = &r.url
	r.req.Proto, r.req.ProtoMajor, r.req.ProtoMinor = "HTTP/1.1", 1, 1
	r.req.Header = http.Header{"Content-Type": {"application/json"}}
	r.setBody(payload[:len(payload):len(payload)])
	r.ctx = eventContext{Context: ctx, ev: &r.ev}
	r.req = *r.req.WithContext(&r.ctx)
	return &r.req, &r.ev
}
