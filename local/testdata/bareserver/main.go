// Command bareserver is the baseline of slipway local's cross-process benchmark: the least an
// HTTP server in another process can do for a request. It listens on a free loopback port,
// prints "listening on ADDR", and answers every request by reading its body and replying
// "pong", as the trivial benchmark function does.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

var pong = []byte(`"pong"`)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(pong)
	}))
}
