package slipway

import (
	"context"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// EventFromContext returns the decoded event (source, raw request context) of the request
// being served on Lambda. Decode the request context into a typed struct with
// Event.DecodeRequestContext and one of package event's request-context types
// (event.APIGatewayV2RequestContext for HTTP API 2.0 and Function URL events,
// event.APIGatewayV1RequestContext, event.ALBRequestContext, …): it holds the authorizer's
// claims, the source IP, the stage, the API id.
// Off Lambda (ListenAndServe's plain server) there is no event and ok is false.
func EventFromContext(ctx context.Context) (*event.Event, bool) { return event.FromContext(ctx) }

// InvocationFromContext returns the invocation (request id, deadline, ARN, trace and tenant id)
// of the request being served by Start or ListenAndServe on Lambda. These come only from the
// Runtime API, never from client headers, so a client cannot forge them.
//
// Under aws-lambda-go's runtime (lambda.Start(slipway.NewHandler(h))) slipway does not see the
// Runtime API, so ok is false. The request context still carries what aws-lambda-go put in the
// invocation context: the deadline (r.Context().Deadline()) and, through aws-lambda-go's own
// lambdacontext.FromContext(r.Context()), the request id and ARN.
func InvocationFromContext(ctx context.Context) (*runtimeapi.Invocation, bool) {
	return runtimeapi.FromContext(ctx)
}
