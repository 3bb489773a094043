// Package slipway serves a net/http handler as an AWS Lambda function, and as a plain HTTP
// server everywhere else, from the same binary.
//
// Quick start:
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })
//	log.Fatal(slipway.ListenAndServe(":8080", mux))
//
// On Lambda (AWS_LAMBDA_RUNTIME_API is set) ListenAndServe talks to the Runtime API: each event
// from API Gateway (REST or HTTP API), a Function URL, an ALB or VPC Lattice becomes an
// *http.Request for your handler, and the response goes back in the shape that source expects.
// Other events (SQS, SNS, S3, EventBridge, direct invocations) are POSTed as raw JSON to
// /events (WithPassThroughPath); the reply body is the result. Off Lambda it is an ordinary
// http.Server with production timeouts and a graceful shutdown on SIGTERM, so the binary moves
// to Fargate, ECS or a laptop unchanged.
//
// # Deploying
//
// Build for the provided.al2023 runtime (OS-only, no managed language runtime) as a file named
// bootstrap, zip it and create the function with any handler name:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -o bootstrap .
//	zip function.zip bootstrap
//	aws lambda create-function --function-name hello --runtime provided.al2023 \
//	    --architectures arm64 --handler bootstrap --zip-file fileb://function.zip --role <role-arn>
//
// Add a Function URL or an API Gateway route in front of it. For a Function URL in
// RESPONSE_STREAM mode, pass WithResponseStreaming: flushed writes then reach the client as they
// happen, up to 200 MB.
//
// # What the request context gives
//
// The request's context carries the invocation's deadline (ctx.Deadline, ctx.Done), the event
// (EventFromContext: which source it came from and its raw requestContext, decodable into
// typed structs: authorizer claims, source IP, stage) and the invocation (InvocationFromContext:
// request id, deadline, function ARN, X-Ray trace id, tenant id). They come from the event and
// the Runtime API, never from client headers, so clients cannot forge them.
//
// # Using aws-lambda-go's runtime instead
//
// Handler.Invoke has the signature of aws-lambda-go's lambda.Handler, so
// lambda.Start(slipway.NewHandler(mux)) works too. slipway then does not see the Runtime API:
// InvocationFromContext reports nothing, but the deadline is in the request context and
// aws-lambda-go's lambdacontext.FromContext(r.Context()) gives the request id and ARN. Streaming
// needs Start or ListenAndServe.
//
// # Failures
//
// A handler panic becomes a 500 response for that request (the panic and its stack are logged
// with log/slog) and the function keeps serving; a panic with http.ErrAbortHandler, a malformed
// event or a response larger than Lambda's 6 MB limit fails the invocation with an error whose
// errorType says which (Slipway.HandlerAborted, Slipway.MalformedEvent…,
// Function.ResponseSizeTooLarge).
//
// Buffered responses behave like net/http's: the status defaults to 200, a missing Content-Type
// is sniffed with http.DetectContentType, Flush is accepted (and does nothing), and trailers
// become ordinary headers since the whole body is known. The status and headers are read when
// the handler returns.
package slipway
