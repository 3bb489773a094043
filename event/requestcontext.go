package event

// Typed request contexts users can decode Event.RequestContext into with
// Event.DecodeRequestContext. Field names follow the JSON AWS sends; decoding is done with
// encoding/json on demand, never on the request path.

// APIGatewayV1RequestContext is the requestContext of API Gateway REST API and HTTP API
// payload 1.0 events.
type APIGatewayV1RequestContext struct {
	AccountID         string                 `json:"accountId"`
	APIID             string                 `json:"apiId"`
	ResourceID        string                 `json:"resourceId"`
	ResourcePath      string                 `json:"resourcePath"`
	OperationName     string                 `json:"operationName,omitempty"`
	Stage             string                 `json:"stage"`
	DomainName        string                 `json:"domainName"`
	DomainPrefix      string                 `json:"domainPrefix"`
	RequestID         string                 `json:"requestId"`
	ExtendedRequestID string                 `json:"extendedRequestId"`
	Protocol          string                 `json:"protocol"`
	HTTPMethod        string                 `json:"httpMethod"`
	Path              string                 `json:"path"` // with the stage, unlike the event's path
	RequestTime       string                 `json:"requestTime"`
	RequestTimeEpoch  int64                  `json:"requestTimeEpoch"` // milliseconds
	Identity          APIGatewayV1Identity   `json:"identity"`
	Authorizer        map[string]interface{} `json:"authorizer,omitempty"`
}

// APIGatewayV1Identity is the caller identity of a REST API request.
type APIGatewayV1Identity struct {
	CognitoIdentityPoolID         string      `json:"cognitoIdentityPoolId"`
	AccountID                     string      `json:"accountId"`
	CognitoIdentityID             string      `json:"cognitoIdentityId"`
	Caller                        string      `json:"caller"`
	APIKey                        string      `json:"apiKey"`
	APIKeyID                      string      `json:"apiKeyId"`
	AccessKey                     string      `json:"accessKey"`
	SourceIP                      string      `json:"sourceIp"`
	CognitoAuthenticationType     string      `json:"cognitoAuthenticationType"`
	CognitoAuthenticationProvider string      `json:"cognitoAuthenticationProvider"`
	UserArn                       string      `json:"userArn"`
	UserAgent                     string      `json:"userAgent"`
	User                          string      `json:"user"`
	PrincipalOrgID                string      `json:"principalOrgId"`
	ClientCert                    *ClientCert `json:"clientCert,omitempty"`
}

// ClientCert is the client certificate of a mutual-TLS request.
type ClientCert struct {
	ClientCertPem string `json:"clientCertPem"`
	SubjectDN     string `json:"subjectDN"`
	IssuerDN      string `json:"issuerDN"`
	SerialNumber  string `json:"serialNumber"`
	Validity      struct {
		NotBefore string `json:"notBefore"`
		NotAfter  string `json:"notAfter"`
	} `json:"validity"`
}

// APIGatewayV2RequestContext is the requestContext of HTTP API payload 2.0 and Function URL
// events.
type APIGatewayV2RequestContext struct {
	AccountID      string                      `json:"accountId"`
	APIID          string                      `json:"apiId"`
	DomainName     string                      `json:"domainName"`
	DomainPrefix   string                      `json:"domainPrefix"`
	RequestID      string                      `json:"requestId"`
	RouteKey       string                      `json:"routeKey"`
	Stage          string                      `json:"stage"`
	Time           string                      `json:"time"`
	TimeEpoch      int64                       `json:"timeEpoch"` // milliseconds
	HTTP           APIGatewayV2HTTP            `json:"http"`
	Authentication *APIGatewayV2Authentication `json:"authentication,omitempty"`
	Authorizer     *APIGatewayV2Authorizer     `json:"authorizer,omitempty"`
}

// FunctionURLRequestContext is the requestContext of Function URL events (the 2.0 schema).
type FunctionURLRequestContext = APIGatewayV2RequestContext

// APIGatewayV2HTTP describes the HTTP request of a 2.0 event.
type APIGatewayV2HTTP struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// APIGatewayV2Authentication carries the client certificate of a mutual-TLS request.
type APIGatewayV2Authentication struct {
	ClientCert *ClientCert `json:"clientCert,omitempty"`
}

// APIGatewayV2Authorizer is what the configured authorizer established.
type APIGatewayV2Authorizer struct {
	JWT    *APIGatewayV2JWT       `json:"jwt,omitempty"`
	Lambda map[string]interface{} `json:"lambda,omitempty"`
	IAM    *APIGatewayV2IAM       `json:"iam,omitempty"`
}

// APIGatewayV2JWT holds the claims and scopes of a JWT authorizer.
type APIGatewayV2JWT struct {
	Claims map[string]string `json:"claims"`
	Scopes []string          `json:"scopes,omitempty"`
}

// APIGatewayV2IAM is the IAM identity of a request signed with SigV4 (AWS_IAM auth).
type APIGatewayV2IAM struct {
	AccessKey       string                       `json:"accessKey"`
	AccountID       string                       `json:"accountId"`
	CallerID        string                       `json:"callerId"`
	CognitoIdentity *APIGatewayV2CognitoIdentity `json:"cognitoIdentity,omitempty"`
	PrincipalOrgID  string                       `json:"principalOrgId"`
	UserArn         string                       `json:"userArn"`
	UserID          string                       `json:"userId"`
}

// APIGatewayV2CognitoIdentity is the Cognito identity behind IAM credentials.
type APIGatewayV2CognitoIdentity struct {
	AMR            []string `json:"amr"`
	IdentityID     string   `json:"identityId"`
	IdentityPoolID string   `json:"identityPoolId"`
}

// ALBRequestContext is the requestContext of ALB target group events.
type ALBRequestContext struct {
	ELB struct {
		TargetGroupArn string `json:"targetGroupArn"`
	} `json:"elb"`
}

// LatticeV2RequestContext is the requestContext of VPC Lattice version 2 events
// (https://docs.aws.amazon.com/vpc-lattice/latest/ug/lambda-functions.html).
type LatticeV2RequestContext struct {
	ServiceNetworkArn string          `json:"serviceNetworkArn"`
	ServiceArn        string          `json:"serviceArn"`
	TargetGroupArn    string          `json:"targetGroupArn"`
	Region            string          `json:"region"`
	TimeEpoch         string          `json:"timeEpoch"` // microseconds, as a decimal string
	Identity          LatticeIdentity `json:"identity"`
}

// LatticeIdentity is the caller identity VPC Lattice reports.
type LatticeIdentity struct {
	SourceVpcArn   string `json:"sourceVpcArn"`
	Type           string `json:"type"`
	Principal      string `json:"principal"`
	PrincipalOrgID string `json:"principalOrgID"`
	SessionName    string `json:"sessionName"`
	X509IssuerOu   string `json:"x509IssuerOu"`
	X509SanDNS     string `json:"x509SanDns"`
	X509SanNameCn  string `json:"x509SanNameCn"`
	X509SanURI     string `json:"x509SanUri"`
	X509SubjectCn  string `json:"x509SubjectCn"`
}
