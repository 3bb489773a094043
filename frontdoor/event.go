package frontdoor

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// The events each front door sends (events.md §5). Field order follows AWS's own samples so a
// printed event reads like a real one.

// restEvent is a REST API proxy-integration event (payload 1.0).
type restEvent struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           *singleQuery        `json:"queryStringParameters"`
	MultiValueQueryStringParameters *multiQuery         `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  restContext         `json:"requestContext"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type restContext struct {
	ResourceID        string       `json:"resourceId"`
	ResourcePath      string       `json:"resourcePath"`
	HTTPMethod        string       `json:"httpMethod"`
	ExtendedRequestID string       `json:"extendedRequestId"`
	RequestTime       string       `json:"requestTime"`
	Path              string       `json:"path"`
	AccountID         string       `json:"accountId"`
	Protocol          string       `json:"protocol"`
	Stage             string       `json:"stage"`
	DomainPrefix      string       `json:"domainPrefix"`
	RequestTimeEpoch  int64        `json:"requestTimeEpoch"`
	RequestID         string       `json:"requestId"`
	Identity          restIdentity `json:"identity"`
	DomainName        string       `json:"domainName"`
	APIID             string       `json:"apiId"`
}

// restIdentity: without authorizers or API keys only sourceIp and userAgent have values.
type restIdentity struct {
	CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
	AccountID                     *string `json:"accountId"`
	CognitoIdentityID             *string `json:"cognitoIdentityId"`
	Caller                        *string `json:"caller"`
	SourceIP                      string  `json:"sourceIp"`
	PrincipalOrgID                *string `json:"principalOrgId"`
	AccessKey                     *string `json:"accessKey"`
	CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
	CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
	UserArn                       *string `json:"userArn"`
	UserAgent                     string  `json:"userAgent"`
	User                          *string `json:"user"`
}

// v2Event is an HTTP API payload 2.0 or Function URL event.
type v2Event struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters *singleQuery      `json:"queryStringParameters,omitempty"`
	RequestContext        v2Context         `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type v2Context struct {
	AccountID    string `json:"accountId"`
	APIID        string `json:"apiId"`
	DomainName   string `json:"domainName"`
	DomainPrefix string `json:"domainPrefix"`
	HTTP         v2HTTP `json:"http"`
	RequestID    string `json:"requestId"`
	RouteKey     string `json:"routeKey"`
	Stage        string `json:"stage"`
	Time         string `json:"time"`
	TimeEpoch    int64  `json:"timeEpoch"`
}

type v2HTTP struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// ALB events carry exactly one header map and one query map, chosen by the target group's
// multi-value setting; two types make the other one impossible to send.
type albSingleEvent struct {
	RequestContext        albContext        `json:"requestContext"`
	HTTPMethod            string            `json:"httpMethod"`
	Path                  string            `json:"path"`
	QueryStringParameters singleQuery       `json:"queryStringParameters"`
	Headers               map[string]string `json:"headers"`
	Body                  string            `json:"body"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type albMultiEvent struct {
	RequestContext                  albContext          `json:"requestContext"`
	HTTPMethod                      string              `json:"httpMethod"`
	Path                            string              `json:"path"`
	MultiValueQueryStringParameters multiQuery          `json:"multiValueQueryStringParameters"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	Body                            string              `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type albContext struct {
	ELB struct {
		TargetGroupArn string `json:"targetGroupArn"`
	} `json:"elb"`
}

// gatewayIDs are the per-request ids a response may echo in its headers.
type gatewayIDs struct {
	requestID, extendedRequestID string
}

// buildEvent shapes in into the event of d's kind.
func (d *door) buildEvent(in *incoming) ([]byte, gatewayIDs, error) {
	switch d.cfg.Kind {
	case REST:
		return d.restEvent(in)
	case ALB:
		b, err := d.albEvent(in)
		return b, gatewayIDs{}, err
	default:
		return d.v2Event(in)
	}
}

// splitStage separates an optional leading "/{stage}" segment from an encoded path and returns
// the path without it ("/" when nothing is left).
func splitStage(path, stage string) string {
	prefix := "/" + stage
	if path == prefix {
		return "/"
	}
	if strings.HasPrefix(path, prefix+"/") {
		return path[len(prefix):]
	}
	return path
}

func (d *door) restEvent(in *incoming) ([]byte, gatewayIDs, error) {
	path := splitStage(in.path, d.cfg.Stage)
	ids := gatewayIDs{requestID: runtimeapi.NewRequestID(), extendedRequestID: newShortID()}
	ev := restEvent{
		Resource:          "/{proxy+}",
		Path:              path,
		HTTPMethod:        in.method,
		Headers:           make(map[string]string, len(in.header)),
		MultiValueHeaders: make(map[string][]string, len(in.header)),
	}
	// Go's server canonicalises header names; they are the names "as sent" for every client that
	// uses the conventional spelling.
	for k, vs := range in.header {
		ev.Headers[k] = vs[len(vs)-1]
		ev.MultiValueHeaders[k] = vs
	}
	if q := parseQuery(in.rawQuery, true); len(q) > 0 {
		multi := multiQuery(q)
		ev.QueryStringParameters = &singleQuery{params: q}
		ev.MultiValueQueryStringParameters = &multi
	}
	if path == "/" {
		ev.Resource = "/"
	} else {
		ev.PathParameters = map[string]string{"proxy": unescape(path[1:], false)}
	}
	if len(in.body) > 0 {
		var body string
		if matchesMediaType(d.cfg.BinaryMediaTypes, in.header.Get(headerContentType)) {
			body = base64.StdEncoding.EncodeToString(in.body)
			ev.IsBase64Encoded = true
		} else {
			// Without a matching binary media type API Gateway passes the body as text, so bytes
			// that are not UTF-8 arrive replaced, exactly the corruption users meet on AWS.
			body = string(in.body)
		}
		ev.Body = &body
	}
	ev.RequestContext = restContext{
		ResourceID:        d.resourceIDs[ev.Resource],
		ResourcePath:      ev.Resource,
		HTTPMethod:        in.method,
		ExtendedRequestID: ids.extendedRequestID,
		RequestTime:       requestTime(in.now),
		Path:              "/" + d.cfg.Stage + path,
		AccountID:         d.cfg.AccountID,
		Protocol:          "HTTP/1.1",
		Stage:             d.cfg.Stage,
		DomainPrefix:      domainPrefix(in.domain),
		RequestTimeEpoch:  epochMillis(in.now),
		RequestID:         ids.requestID,
		Identity:          restIdentity{SourceIP: in.sourceIP, UserAgent: in.header.Get(headerUserAgent)},
		DomainName:        in.domain,
		APIID:             d.apiID,
	}
	b, err := json.Marshal(ev)
	return b, ids, err
}

func (d *door) v2Event(in *incoming) ([]byte, gatewayIDs, error) {
	url := d.cfg.Kind == URL
	ev := v2Event{
		Version:        "2.0",
		RouteKey:       "$default",
		RawQueryString: in.rawQuery,
		Headers:        make(map[string]string, len(in.header)),
	}
	ids := gatewayIDs{requestID: newShortID()}
	stage := "$default"
	domainName, prefix := in.domain, domainPrefix(in.domain)
	switch {
	case url:
		// A Function URL keeps the path encoded and the Cookie header; its domain is always the
		// lambda-url one, which is also how decoders tell it from an HTTP API.
		ev.RawPath = in.path
		ids.requestID = runtimeapi.NewRequestID()
		domainName, prefix = d.urlID+".lambda-url."+d.cfg.Region+".on.aws", d.urlID
	case d.cfg.RawPathEncoded:
		ev.RawPath = in.path
	default:
		ev.RawPath = unescape(in.path, false)
		if i := strings.IndexByte(ev.RawPath, '?'); i >= 0 {
			ev.RawPath = ev.RawPath[:i]
		}
	}
	if !url && d.cfg.Stage != DefaultHTTPAPIStage {
		stage = d.cfg.Stage
		p := splitStage(ev.RawPath, stage)
		ev.RawPath = "/" + stage + p
	}
	for k, vs := range in.header {
		name := strings.ToLower(k)
		if k == headerCookie {
			ev.Cookies = splitCookies(vs)
			if !url {
				continue
			}
			ev.Headers[name] = strings.Join(vs, "; ")
			continue
		}
		ev.Headers[name] = strings.Join(vs, ",")
	}
	if q := parseQuery(in.rawQuery, true); len(q) > 0 {
		ev.QueryStringParameters = &singleQuery{params: q, join: ","}
	}
	if len(in.body) > 0 {
		if textBody(in.header.Get(headerContentType), in.body) {
			ev.Body = string(in.body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(in.body)
			ev.IsBase64Encoded = true
		}
	}
	ev.RequestContext = v2Context{
		AccountID:    d.cfg.AccountID,
		APIID:        d.apiID,
		DomainName:   domainName,
		DomainPrefix: prefix,
		HTTP: v2HTTP{
			Method:    in.method,
			Path:      ev.RawPath,
			Protocol:  in.proto,
			SourceIP:  in.sourceIP,
			UserAgent: in.header.Get(headerUserAgent),
		},
		RequestID: ids.requestID,
		RouteKey:  "$default",
		Stage:     stage,
		Time:      requestTime(in.now),
		TimeEpoch: epochMillis(in.now),
	}
	if url {
		ev.RequestContext.APIID = d.urlID
	}
	b, err := json.Marshal(ev)
	return b, ids, err
}

func (d *door) albEvent(in *incoming) ([]byte, error) {
	var ctx albContext
	ctx.ELB.TargetGroupArn = d.cfg.TargetGroupARN
	body, b64 := "", false
	if len(in.body) > 0 {
		if textBody(in.header.Get(headerContentType), in.body) {
			body = string(in.body)
		} else {
			body, b64 = base64.StdEncoding.EncodeToString(in.body), true
		}
	}
	query := parseQuery(in.rawQuery, false)
	if d.cfg.ALBMultiValue {
		ev := albMultiEvent{
			RequestContext:                  ctx,
			HTTPMethod:                      in.method,
			Path:                            in.path,
			MultiValueQueryStringParameters: multiQuery(query),
			MultiValueHeaders:               make(map[string][]string, len(in.header)),
			Body:                            body,
			IsBase64Encoded:                 b64,
		}
		for k, vs := range in.header {
			ev.MultiValueHeaders[strings.ToLower(k)] = vs
		}
		return json.Marshal(ev)
	}
	ev := albSingleEvent{
		RequestContext:        ctx,
		HTTPMethod:            in.method,
		Path:                  in.path,
		QueryStringParameters: singleQuery{params: query},
		Headers:               make(map[string]string, len(in.header)),
		Body:                  body,
		IsBase64Encoded:       b64,
	}
	// Single-value mode keeps the last value of a repeated header, Cookie included.
	for k, vs := range in.header {
		ev.Headers[strings.ToLower(k)] = vs[len(vs)-1]
	}
	return json.Marshal(ev)
}

// domainPrefix is the first label of a domain name, as requestContext.domainPrefix.
func domainPrefix(domain string) string {
	p, _, _ := strings.Cut(domain, ".")
	return p
}
