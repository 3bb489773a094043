// Command library serves the Go example app with slipway.ListenAndServe: on Lambda (when
// AWS_LAMBDA_RUNTIME_API is set) the binary is the function itself, talking to the Runtime API
// with no adapter in between; anywhere else it is an ordinary HTTP server on $PORT.
//
// Deploy it as the bootstrap of a provided.al2023 function; run it locally with
//
//	slipway local --runtime -- go run ./examples/go/cmd/library
package main

import (
	"log"
	"os"
	"strings"

	"github.com/slipway-dev/slipway"
	"github.com/slipway-dev/slipway/examples/go/app"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	// The library reads no configuration of its own from the environment. This main honours the
	// two adapter settings it has equivalents for, so a function keeps its configuration when it
	// moves between the adapter and the library.
	var opts []slipway.Option
	if base := os.Getenv("AWS_LWA_REMOVE_BASE_PATH"); base != "" {
		opts = append(opts, slipway.WithBasePath(base))
	}
	if strings.EqualFold(os.Getenv("AWS_LWA_INVOKE_MODE"), "response_stream") {
		opts = append(opts, slipway.WithResponseStreaming())
	}
	if err := slipway.ListenAndServe(":"+port, app.New(), opts...); err != nil {
		log.Fatal(err)
	}
}
