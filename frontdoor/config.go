package frontdoor

import (
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"time"
)

// Kind is the front door in front of the function.
type Kind string

const (
	HTTPAPI Kind = "http" // API Gateway HTTP API, payload 2.0 (default)
	REST    Kind = "rest" // API Gateway REST API, proxy integration
	URL     Kind = "url"  // Lambda Function URL
	ALB     Kind = "alb"  // Application Load Balancer target group
)

// Kinds lists the accepted kinds, for flags and error messages.
var Kinds = []Kind{HTTPAPI, REST, URL, ALB}

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

	// IntegrationTimeout bounds a buffered invocation as API Gateway does: 0 means the service
	// default (REST 29 s → 504, HTTP API 30 s → 503), a negative value means none. Function URLs
	// and ALB have no integration timeout of their own; a value set for them is an error.
	IntegrationTimeout time.Duration
	// RawPathEncoded (HTTP API) keeps rawPath percent-encoded as sent instead of decoding it (and
	// cutting it at a decoded "?") as the HTTP API does.
	RawPathEncoded bool
	// TargetGroupARN (ALB) is requestContext.elb.targetGroupArn; default: a stable generated ARN.
	TargetGroupARN string
	// Log receives one line per failed request saying why the front door answered with an error
	// (as the service's execution logs would); never header values. nil means os.Stderr.
	Log io.Writer
}

// Service defaults and limits (events.md §5–6).
const (
	DefaultRESTStage    = "prod"
	DefaultHTTPAPIStage = "$default"
	DefaultRegion       = "us-east-1"
	DefaultAccountID    = "123456789012"

	RESTIntegrationTimeout    = 29 * time.Second
	HTTPAPIIntegrationTimeout = 30 * time.Second

	// MaxGatewayBody is API Gateway's own request payload limit (10 MB); Function URLs are held to
	// it too (their own limit is unconfirmed) since the 6 MB event limit rejects far less.
	MaxGatewayBody = 10 << 20
	// MaxALBBody is the largest request body ALB forwards to a Lambda target (1 MB); larger → 413.
	MaxALBBody = 1 << 20
	// MaxALBResult is the largest result JSON ALB accepts from a function (1 MB); larger → 502.
	MaxALBResult = 1 << 20
	// maxPrelude is how far into a streamed response the prelude delimiter must appear.
	maxPrelude = 16 << 10
)

var (
	stageName   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	accountID   = regexp.MustCompile(`^[0-9]{12}$`)
	regionName  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	mediaRange  = regexp.MustCompile(`^(\*|[A-Za-z0-9!#$&^_.+-]+)/(\*|[A-Za-z0-9!#$&^_.+-]+)$`)
	targetGroup = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`)
)

// normalize fills defaults and rejects a configuration that cannot describe a real front door,
// naming the field and the accepted values.
func (c Config) normalize() (Config, error) {
	if c.Kind == "" {
		c.Kind = HTTPAPI
	}
	c.Kind = Kind(strings.ToLower(string(c.Kind)))
	switch c.Kind {
	case HTTPAPI, REST, URL, ALB:
	default:
		return c, fmt.Errorf("frontdoor: Kind %q is not one of http, rest, url, alb", c.Kind)
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if !regionName.MatchString(c.Region) {
		return c, fmt.Errorf("frontdoor: Region %q is not a region name like us-east-1", c.Region)
	}
	if c.AccountID == "" {
		c.AccountID = DefaultAccountID
	}
	if !accountID.MatchString(c.AccountID) {
		return c, fmt.Errorf("frontdoor: AccountID %q is not 12 digits", c.AccountID)
	}
	if c.ALBMultiValue && c.Kind != ALB {
		return c, fmt.Errorf("frontdoor: ALBMultiValue applies to Kind alb only, not %s", c.Kind)
	}
	if c.Streaming && c.Kind != URL {
		return c, fmt.Errorf("frontdoor: Streaming (RESPONSE_STREAM) applies to Kind url only, not %s", c.Kind)
	}
	if len(c.BinaryMediaTypes) > 0 && c.Kind != REST {
		return c, fmt.Errorf("frontdoor: BinaryMediaTypes applies to Kind rest only, not %s", c.Kind)
	}
	if c.RawPathEncoded && c.Kind != HTTPAPI {
		return c, fmt.Errorf("frontdoor: RawPathEncoded applies to Kind http only, not %s", c.Kind)
	}
	if c.TargetGroupARN != "" && c.Kind != ALB {
		return c, fmt.Errorf("frontdoor: TargetGroupARN applies to Kind alb only, not %s", c.Kind)
	}
	if c.TargetGroupARN != "" && !targetGroup.MatchString(c.TargetGroupARN) {
		return c, fmt.Errorf("frontdoor: TargetGroupARN %q is not a target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/16-hex-id)", c.TargetGroupARN)
	}
	for i, t := range c.BinaryMediaTypes {
		t = strings.ToLower(strings.TrimSpace(t))
		if !mediaRange.MatchString(t) {
			return c, fmt.Errorf("frontdoor: BinaryMediaTypes[%d] %q is not a media type like image/png, image/* or */*", i, c.BinaryMediaTypes[i])
		}
		c.BinaryMediaTypes[i] = t
	}
	switch c.Kind {
	case REST:
		if c.Stage == "" {
			c.Stage = DefaultRESTStage
		}
		if !stageName.MatchString(c.Stage) {
			return c, fmt.Errorf("frontdoor: Stage %q is not a REST stage name (letters, digits, - and _)", c.Stage)
		}
	case HTTPAPI:
		if c.Stage == "" {
			c.Stage = DefaultHTTPAPIStage
		}
		if c.Stage != DefaultHTTPAPIStage && !stageName.MatchString(c.Stage) {
			return c, fmt.Errorf("frontdoor: Stage %q is not an HTTP API stage name ($default, or letters, digits, - and _)", c.Stage)
		}
	default:
		if c.Stage != "" {
			return c, fmt.Errorf("frontdoor: Stage applies to Kind rest and http only, not %s", c.Kind)
		}
	}
	switch {
	case c.IntegrationTimeout < 0:
		c.IntegrationTimeout = 0
	case c.IntegrationTimeout > 0 && (c.Kind == URL || c.Kind == ALB):
		return c, fmt.Errorf("frontdoor: IntegrationTimeout applies to Kind rest and http only, not %s", c.Kind)
	case c.IntegrationTimeout == 0 && c.Kind == REST:
		c.IntegrationTimeout = RESTIntegrationTimeout
	case c.IntegrationTimeout == 0 && c.Kind == HTTPAPI:
		c.IntegrationTimeout = HTTPAPIIntegrationTimeout
	}
	return c, nil
}

// matchesMediaType reports whether contentType (a header value, parameters allowed) matches one of
// the media ranges ("image/png", "image/*", "*/*").
func matchesMediaType(ranges []string, contentType string) bool {
	if len(ranges) == 0 || contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	}
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok {
		return false
	}
	for _, r := range ranges {
		rt, rs, _ := strings.Cut(r, "/")
		if (rt == "*" || rt == typ) && (rs == "*" || rs == sub) {
			return true
		}
	}
	return false
}

// acceptMatches reports whether any media range of an Accept header value matches ranges; API
// Gateway uses the request's Accept header to decide whether a base64 result goes out as binary.
func acceptMatches(ranges []string, accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		if matchesMediaType(ranges, strings.TrimSpace(part)) {
			return true
		}
	}
	return false
}
