package slipway_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/slipway-dev/slipway"
	"github.com/slipway-dev/slipway/event"
)

// The whole program: a normal server on a laptop or in a container, a Lambda function on Lambda.
func ExampleListenAndServe() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	})
	log.Fatal(slipway.ListenAndServe(":8080", mux, slipway.WithShutdownTimeout(20*time.Second)))
}

// Streaming for a Function URL in RESPONSE_STREAM mode: each Flush reaches the client.
func ExampleWithResponseStreaming() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: tick %d\n\n", i)
			http.NewResponseController(w).Flush()
			time.Sleep(time.Second)
		}
	})
	log.Fatal(slipway.Start(mux, slipway.WithResponseStreaming()))
}

// Handler.Invoke turns one Lambda event into one response. It is also what aws-lambda-go's
// runtime calls with lambda.Start(slipway.NewHandler(mux)).
func ExampleHandler_Invoke() {
	h := slipway.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %s", r.Method, r.URL.Path)
	}))
	event := `{"version":"2.0","rawPath":"/orders/7","rawQueryString":"","headers":{},
		"requestContext":{"http":{"method":"GET","path":"/orders/7","sourceIp":"1.2.3.4"},
		"domainName":"abc.execute-api.us-east-1.amazonaws.com","stage":"$default"},"isBase64Encoded":false}`
	out, err := h.Invoke(context.Background(), []byte(event))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// {"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"GET /orders/7","isBase64Encoded":false}
}

// The request context tells which event and invocation a request came from.
func ExampleInvocationFromContext() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if inv, ok := slipway.InvocationFromContext(r.Context()); ok {
			log.Printf("request %s, %v left", inv.RequestID, time.Until(inv.Deadline))
		}
		if ev, ok := slipway.EventFromContext(r.Context()); ok && ev.Source == event.HTTPAPIV2 {
			var rc event.APIGatewayV2RequestContext
			if err := ev.DecodeRequestContext(&rc); err == nil {
				log.Printf("from %s via stage %s", rc.HTTP.SourceIP, rc.Stage)
			}
		}
	})
}
