// Package adapter is `slipway run`: it puts an unmodified web app behind the Lambda Runtime API,
// configured exactly like AWS Lambda Web Adapter (the AWS_LWA_* variables).
//
// Each invocation is decoded by package event into an HTTP request, sent to the app over a
// keep-alive pool on loopback, and the app's reply is posted back as the result the event's source
// expects — buffered (optionally gzip/br compressed) or streamed chunk by chunk. The adapter also
// waits for the app to be ready, starts and supervises it when it is the function's bootstrap, and
// registers as a Lambda extension so the platform gives the app a graceful SIGTERM.
//
// Failures the adapter raises carry a stable errorType (see the ErrorType constants); the
// contract it follows is /work/shared/reference/adapter.md, including its "Our decisions" table.
package adapter
