package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/slipway-dev/slipway/inspector"
)

// inspectorCommand serves the inspector app on 127.0.0.1:$AWS_LWA_PORT, else $PORT, else 8080:
// the port the adapter forwards to, so `slipway local` can run it as the default app.
func inspectorCommand(args []string) int {
	fs := flag.NewFlagSet("inspector", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: slipway inspector\n\nServes the request inspector on 127.0.0.1:$AWS_LWA_PORT (else $PORT, else 8080).")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "slipway inspector: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	port, err := inspectorPort(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slipway inspector:", err)
		return 2
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "slipway inspector:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serveInspector(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, "slipway inspector:", err)
		return 1
	}
	return 0
}

// inspectorPort picks the port like the adapter does: AWS_LWA_PORT wins when set, even empty
// (which is an error), then PORT, then 8080.
func inspectorPort(lookup func(string) (string, bool)) (string, error) {
	name, port := "AWS_LWA_PORT", ""
	if v, ok := lookup(name); ok {
		port = v
	} else if v, ok := lookup("PORT"); ok {
		name, port = "PORT", v
	} else {
		return "8080", nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%s=%q is not a port number (1-65535)", name, port)
	}
	return port, nil
}

// serveInspector serves until ctx ends (SIGTERM from Lambda's shutdown, or Ctrl-C), then lets
// in-flight requests finish briefly.
func serveInspector(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           inspector.New(),
		ConnContext:       inspector.ConnContext,
		ReadHeaderTimeout: 10 * time.Second,
	}
	if os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" {
		// Inside an execution environment this port is the app's, behind the adapter: the
		// address to open is the front door's, which slipway local printed.
		fmt.Fprintf(os.Stderr, "inspector app ready on %s (behind the adapter)\n", ln.Addr())
	} else {
		fmt.Fprintf(os.Stderr, "slipway inspector listening on http://%s\n", ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(inspector.WrapListener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
