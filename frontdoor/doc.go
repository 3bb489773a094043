// Package frontdoor is the HTTP face of a function in slipway local: an http.Handler that plays
// API Gateway (REST API with proxy integration, HTTP API with payload 2.0), a Lambda Function URL
// (buffered or response streaming) or an Application Load Balancer target group.
//
// Each real HTTP request becomes the event that service would send (ids and times per request,
// forwarded headers, stage, cookie, query and base64 rules of the source), is invoked through an
// Invoker, and the function's result (or failure) becomes the HTTP response that service would
// give, including its error responses for function errors, invalid results, timeouts, throttling
// and oversize payloads. The rules are those of the protocol reference, events.md §3 and §5–6.
//
// Local URLs and stages: the stage segment is optional in a local URL. With stage "prod",
// both /prod/hello and /hello produce the event AWS sends for
// https://{apiId}.execute-api.{region}.amazonaws.com/prod/hello — REST path "/hello" with
// requestContext.path "/prod/hello", HTTP API rawPath "/prod/hello" (a named HTTP API stage is
// part of rawPath). With the HTTP API's "$default" stage the URL path is used as is.
//
// Where AWS's behaviour is unknown or cannot be reproduced, the choices are: REST header names are
// Go's canonical spelling (net/http does not keep the client's); every route is the catch-all
// (REST resource "/{proxy+}", or "/" for the root; HTTP API route "$default"), so there is no
// "no route" answer; ALB's statusDescription is checked but the reason phrase sent is Go's; HTTP
// API and Function URL bodies travel as text only for ALB's text types, base64 otherwise; a
// response without Content-Type gets none (REST: application/json); 1xx statuses from a function
// are invalid responses. A Function URL in RESPONSE_STREAM mode hands a buffered function's result
// to the client as is, and a BUFFERED one fails a streamed result, as mismatched modes do on AWS.
package frontdoor
