package event_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/slipway-dev/slipway/event"
)

// Decode an invocation payload, serve it with a net/http handler, and encode the handler's
// response in the shape the event's source expects.
func Example() {
	payload := []byte(`{"version":"2.0","rawPath":"/hello","rawQueryString":"name=gopher",
		"headers":{"host":"api.example.com","accept":"text/plain"},
		"requestContext":{"domainName":"api.example.com","http":{"method":"GET","sourceIp":"192.0.2.1"}}}`)

	dec, err := event.NewDecoder(event.Options{})
	if err != nil {
		panic(err)
	}
	req, ev, err := dec.Decode(context.Background(), payload)
	if err != nil {
		panic(err) // an *event.Error: report it as the invocation error
	}
	fmt.Println(ev.Source, req.Method, req.URL, req.Host, req.RemoteAddr)

	rec := httptest.NewRecorder()
	http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello, %s", r.URL.Query().Get("name"))
	}).ServeHTTP(rec, req)

	out, err := ev.AppendResponse(nil, rec.Code, rec.Header(), rec.Body.Bytes(), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// http-v2 GET /hello?name=gopher api.example.com 192.0.2.1:0
	// {"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"hello, gopher","isBase64Encoded":false}
}
