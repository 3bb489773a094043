package frontdoor

// CONTRACT FILE — the API cmd/slipway codes against. The implementing helper replaces this file
// with real files, keeping every exported name and signature below (additions are fine).

import (
	"context"
	"errors"
	"net/http"

	"github.com/slipway-dev/slipway/local"
)

// Kind is the front door in front of the function.
type Kind string

const (
	HTTPAPI Kind = "http" // API Gateway HTTP API, payload 2.0 (default)
	REST    Kind = "rest" // API Gateway REST API, proxy integration
	URL     Kind = "url"  // Lambda Function URL
	ALB     Kind = "alb"  // Application Load Balancer target group
)

// Invoker runs invocations; *local.Function implements it.
type Invoker interface {
	Invoke(ctx context.Context, req *local.Request) (*local.Response, error)
}

// Config describes a front door.
type Config struct {
	Kind          Kind
	ALBMultiValue bool
	Stage         string // REST default "prod"; HTTP API default "$default"
	// BinaryMediaTypes (REST): request bodies with a matching Content-Type are base64-encoded and
	// base64 responses with a matching type are decoded; "*/*" matches everything.
	BinaryMediaTypes []string
	Streaming        bool // Function URL in RESPONSE_STREAM invoke mode
	Region           string
	AccountID        string
}

// New returns the HTTP handler that turns each request into an event of cfg.Kind, invokes fn and
// turns the result (or failure) into the response that front door gives.
func New(cfg Config, fn Invoker) (http.Handler, error) {
	return nil, errors.New("frontdoor: not implemented yet")
}
