// Package adapter is `slipway run`: it puts an unmodified web app behind the Lambda Runtime API,
// configured exactly like AWS Lambda Web Adapter (the AWS_LWA_* variables, see LoadConfig).
//
// Each invocation is decoded by package event into an HTTP request, sent to the app over a
// keep-alive pool on loopback with the context headers (event.HeaderLambdaContext and friends) set
// — written, and its response read, on the invocation's own goroutine (appconn.go) — and
// the app's reply is posted back as the result the event's source expects — buffered (optionally
// gzip/br compressed) or streamed chunk by chunk. Failures carry a stable errorType (the
// ErrorType constants in errors.go, plus the codec's Slipway.MalformedEvent,
// Slipway.InvalidBase64 and Slipway.PassThroughStatus).
//
// Per invocation the event's bytes are copied as little as the protocols allow: the body is
// decoded over the event's own memory (event.DecodeInPlace), sent to the app straight from it in
// one write (appconn.go, transport.go), and the event's memory goes back to the Runtime API client for a
// later event once the app's transport is done with it (runtimeapi.Invocation.ReleasePayload).
// The app's reply is read into a pooled buffer sized by its Content-Length and encoded into
// another; the result leaves with its headers in one writev.
//
// The adapter runs in one of three ways:
//
//   - wrapper (RunWrapper, `slipway run -- CMD`): the function's bootstrap or the image's
//     entrypoint. It starts CMD in its own process group, waits for it, registers as an extension
//     (so Lambda sends SIGTERM, which it forwards) and serves invocations; if CMD exits, slipway
//     exits too so Lambda replaces the environment. Off Lambda it simply execs CMD.
//   - extension (RunExtension): the binary in /opt/extensions, started by Lambda with no
//     arguments. It registers under its file name and serves invocations for the app Lambda
//     starts as the runtime (the image's CMD, or the handler the layer's bootstrap execs).
//   - layer (WriteLayer): the extension plus the exec wrapper for managed runtimes.
//
// Exactly one process per environment polls /next. When both an extension and `slipway run` are
// present, the extension wins: it claims the environment (a Unix socket named after
// AWS_LAMBDA_RUNTIME_API) before registering, Lambda starts the runtime only after that, and
// `slipway run` finding the claim execs its command instead of serving (see coexist.go).
//
// The contract is /work/shared/reference/adapter.md, including its "Our decisions" table.
package adapter
