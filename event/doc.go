// Package event converts Lambda invocation payloads to net/http requests and handler responses
// back to the JSON each event source expects.
//
// Decoder.Decode recognises the source of a payload in one pass (API Gateway REST and HTTP APIs,
// Function URLs, ALB target groups, VPC Lattice) and builds the *http.Request a net/http server
// would hand a handler. Any other payload (SQS, SNS, EventBridge, WebSocket, direct invokes…)
// becomes a POST of the raw JSON to a pass-through path. Event.AppendResponse and
// Event.AppendStreamPrelude encode the handler's response for the source the request came from.
//
// The decoder is the hot path of every invocation, so it does not use encoding/json: it scans
// the payload once with a small validating JSON scanner, picks the fields the recognition rules
// need, and copies all request strings into one allocation. Request bodies that need no
// unescaping alias the payload.
package event
