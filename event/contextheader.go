package event

// Headers through which Lambda's context reaches a web app behind the adapter (adapter.md §3).
// No AWS front door sends them, so a copy inside an event came from a client trying to forge the
// context: Decode drops every such copy, and only the adapter sets them, from the event and the
// Runtime API. An app can therefore trust them, behind the adapter or the library alike.
const (
	// HeaderRequestContext is the event's requestContext JSON as received (camelCase), "null"
	// for pass-through events.
	HeaderRequestContext = "x-amzn-request-context"
	// HeaderLambdaContext is the invocation's context as JSON (snake_case).
	HeaderLambdaContext = "x-amzn-lambda-context"
	// HeaderTenantID is the invocation's tenant id, present only for tenant-isolated functions.
	HeaderTenantID = "x-amz-tenant-id"
	// HeaderTraceID is the X-Ray trace header; the adapter sets it to the invocation's trace id.
	HeaderTraceID = "x-amzn-trace-id"
	// HeaderContentEncodingHint, set to "text" on a response, makes its body text even when its
	// content type says binary (adapter.md §4).
	HeaderContentEncodingHint = "x-lambda-http-content-encoding"
)

// Canonical keys of the forgeable context headers, as interned by the header table.
const (
	keyRequestContext = "X-Amzn-Request-Context"
	keyLambdaContext  = "X-Amzn-Lambda-Context"
	keyTenantID       = "X-Amz-Tenant-Id"

	keyContentEncodingHint = "X-Lambda-Http-Content-Encoding"
)

// forgeable reports whether an interned header key is a context header a client may not send.
func forgeable(key string) bool {
	return key == keyRequestContext || key == keyLambdaContext || key == keyTenantID
}
