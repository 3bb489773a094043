package bench

import "github.com/slipway-dev/slipway"

// slipwayInvoker is slipway's invocation path as users run it: Handler.Invoke (event decoding,
// the handler on a buffering ResponseWriter, response encoding).
func slipwayInvoker() invoker {
	h := slipway.NewHandler(handler)
	if err := h.Err(); err != nil {
		panic(err)
	}
	return h.Invoke
}
