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
package frontdoor
