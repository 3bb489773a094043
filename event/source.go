package event

// Source is the kind of invocation payload.
type Source uint8

const (
	NonHTTP       Source = iota // SQS, SNS, S3, EventBridge, WebSocket, direct invokes…: pass-through
	RESTAPI                     // API Gateway REST API (payload 1.0)
	HTTPAPIV1                   // API Gateway HTTP API, payload 1.0
	HTTPAPIV2                   // API Gateway HTTP API, payload 2.0
	FunctionURL                 // Lambda Function URL (2.0 schema, *.lambda-url.* domain)
	ALB                         // ALB target group, single-value headers
	ALBMultiValue               // ALB target group with multi-value headers on
	LatticeV1                   // VPC Lattice, event version 1
	LatticeV2                   // VPC Lattice, event version 2
)

var sourceNames = [...]string{
	NonHTTP:       "non-http",
	RESTAPI:       "rest",
	HTTPAPIV1:     "http-v1",
	HTTPAPIV2:     "http-v2",
	FunctionURL:   "function-url",
	ALB:           "alb",
	ALBMultiValue: "alb-multi",
	LatticeV1:     "lattice-v1",
	LatticeV2:     "lattice-v2",
}

// String names the source for logs ("rest", "http-v2", "alb-multi", …).
func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "unknown"
}

// Streams reports whether the source can receive a streamed HTTP-integration response
// (Function URL in RESPONSE_STREAM mode, REST API in STREAM transfer mode).
func (s Source) Streams() bool { return s == FunctionURL || s == RESTAPI }

// DefaultPassThroughPath is where non-HTTP events are POSTed unless configured otherwise.
const DefaultPassThroughPath = "/events"

// StreamContentType is the Content-Type of a streamed HTTP-integration response.
const StreamContentType = "application/vnd.awslambda.http-integration-response"
