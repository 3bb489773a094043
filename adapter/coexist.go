package adapter

import (
	"fmt"
	"hash/fnv"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Exactly one process per environment may poll /next. In an image, Lambda starts the extension
// (/opt/extensions/<name>) AND the image's CMD; with the layer, the extension AND the wrapper.
// If that CMD is itself `slipway run -- app`, two adapters would compete for invocations.
//
// The rule: the extension wins. Lambda starts the runtime only after every extension registered,
// and the extension claims the environment before registering, by listening on a Unix socket
// named after AWS_LAMBDA_RUNTIME_API (so the many environments `slipway local` runs on one machine
// do not see each other). `slipway run` connects to it first; when an extension answers, it execs
// the app and leaves the Runtime API to the extension — exactly the LWA layout. A socket file left
// by a dead extension refuses connections, so a stale claim is never honoured.

// claimPath is the socket that marks an environment's Runtime API as served by an extension.
func claimPath(runtimeAPI string) string {
	h := fnv.New64a()
	h.Write([]byte(runtimeAPI))
	return filepath.Join(os.TempDir(), fmt.Sprintf("slipway-%016x.sock", h.Sum64()))
}

// claimRuntime marks the environment as served by this process until the listener is closed.
func claimRuntime(runtimeAPI string) (net.Listener, error) {
	path := claimPath(runtimeAPI)
	if runtimeClaimed(runtimeAPI) {
		return nil, fmt.Errorf("another slipway extension already serves %s", runtimeAPI)
	}
	_ = os.Remove(path) // stale socket of a dead process
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln, nil
}

// runtimeClaimed reports whether a live slipway extension serves runtimeAPI.
func runtimeClaimed(runtimeAPI string) bool {
	c, err := net.DialTimeout("unix", claimPath(runtimeAPI), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
