// Command server serves the Go example app as a plain net/http server on $PORT, knowing nothing
// of Lambda. On Lambda the adapter runs it: `slipway run -- ./server` with the layer, or slipway
// in /opt/extensions of an image whose CMD is ./server.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/slipway-dev/slipway/examples/go/app"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           app.New(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute, // above the adapter's 4 s idle pool, so it closes first
	}
	// Lambda (and ECS) send SIGTERM before stopping the process: finish what is in flight.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			log.Printf("shutdown: %v", err)
		}
	}()
	log.Printf("go example listening on port %s", port)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-stopped // ListenAndServe returns at once; Shutdown waits for requests in flight
}
