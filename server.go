package slipway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// Production timeouts of the plain HTTP server.
const (
	// ReadHeaderTimeout bounds how long a client may take to send its request headers
	// (slow-loris protection). Bodies are not bounded: uploads may be slow and large; limit
	// them per handler with http.MaxBytesReader or http.ResponseController.
	ReadHeaderTimeout = 10 * time.Second
	// IdleTimeout is how long a keep-alive connection may wait for its next request. It is
	// longer than the 60 s idle timeout of AWS load balancers, so the balancer, not the app,
	// closes idle connections and never sends a request into a closing one (a classic 502).
	IdleTimeout = 120 * time.Second
	// There is deliberately no WriteTimeout: a server-wide one would cut off streamed and
	// long-polling responses. Handlers that need one set it with http.ResponseController.
)

// ListenAndServe runs h as a Lambda function when AWS_LAMBDA_RUNTIME_API is set (see Start), and
// otherwise as an HTTP server on addr with production timeouts that shuts down gracefully on
// SIGTERM or SIGINT.
//
// An empty addr means ":$PORT" when the platform sets PORT, else "127.0.0.1:8080" (loopback:
// pass ":8080" to accept connections from other hosts). On SIGTERM or SIGINT the server stops
// accepting connections, lets requests in flight finish for up to the shutdown timeout
// (WithShutdownTimeout, default 10 s) and returns nil; if they do not finish in time, it closes
// them and returns an error. Invalid options are returned before anything listens.
//
// The same binary thus runs on Lambda, on Fargate or ECS, and on a laptop. Options that only
// make sense on Lambda (WithBasePath, WithPassThroughPath, WithBinary, WithResponseStreaming)
// do not change the plain server.
func ListenAndServe(addr string, h http.Handler, opts ...Option) error {
	hd := NewHandler(h, opts...)
	if hd.err != nil {
		return hd.err
	}
	if os.Getenv(runtimeapi.EnvRuntimeAPI) != "" {
		return hd.serveLambda(context.Background(), os.Getenv)
	}
	ln, err := net.Listen("tcp", listenAddr(addr, os.Getenv))
	if err != nil {
		return fmt.Errorf("slipway: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		// After the first signal, a second one gets the default treatment: it kills at once.
		<-ctx.Done()
		stop()
	}()
	return hd.serveHTTP(ctx, ln)
}

// listenAddr applies ListenAndServe's default address.
func listenAddr(addr string, getenv func(string) string) string {
	if addr != "" {
		return addr
	}
	if port := getenv("PORT"); port != "" {
		return ":" + port
	}
	return "127.0.0.1:8080"
}

// serveHTTP serves the plain HTTP server on ln until ctx ends, then shuts down gracefully.
func (h *Handler) serveHTTP(ctx context.Context, ln net.Listener) error {
	log := h.opts.logger
	srv := &http.Server{
		Handler:           h.h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("slipway: listening", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("slipway: %w", err)
	case <-ctx.Done():
	}
	timeout := h.opts.shutdownTimeout
	log.Info("slipway: shutting down", "timeout", timeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		<-errc
		return fmt.Errorf("slipway: requests still running after the %s shutdown timeout were cut off: %w", timeout, err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("slipway: %w", err)
	}
	log.Info("slipway: stopped")
	return nil
}
