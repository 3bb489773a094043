package event

// fields holds the node index of every member the recognition table (events.md §1) and the
// mapping table (§2) read. Index 0 is the absent node, so the zero value means "not sent".
// When a key repeats, the last occurrence wins, as with encoding/json.
type fields struct {
	object bool // the payload is a JSON object

	version, httpMethod, path, method, rawPathSnake, rawPath, rawQueryString int32
	headers, multiValueHeaders, query, multiValueQuery, querySnake           int32
	cookies, body, isBase64, isBase64Snake, methodArn, routeArn              int32

	// requestContext and the members of it we read.
	rcStart, rcEnd                            int32 // raw bytes of requestContext when it is an object
	rcELB, rcHTTPMethod, rcHTTPPath, rcHTTPIP int32
	rcServiceNetworkArn, rcDomainName         int32
	rcIdentityIP, rcConnectionID              int32
}

// Budgets: how deep below a member its value is materialised as nodes. Header and query maps
// need object → member → array element; scalars need nothing below.
const (
	budgetScalar = 0
	budgetMap    = 2
	budgetList   = 1
)

// scanEvent scans the whole payload once, filling f. A payload that is not a JSON object is
// validated and left for pass-through; so is an empty one (a direct invocation without
// payload).
func (s *scanner) scanEvent(f *fields) error {
	i := s.skipSpace(0)
	if i == len(s.data) {
		return nil
	}
	if s.data[i] == '{' {
		f.object = true
		end, err := s.members(i, 0, f, s.topMember)
		if err != nil {
			return err
		}
		i = end
	} else {
		end, err := s.skip(i, 0)
		if err != nil {
			return err
		}
		i = end
	}
	if i = s.skipSpace(i); i != len(s.data) {
		return syntaxError(i, "data after the JSON value")
	}
	return nil
}

// memberFunc scans the value of one object member (key is the unescaped key) starting at i and
// returns the index after it.
type memberFunc func(key []byte, i, depth int, f *fields) (int, error)

// members walks the object at i, calling fn for every member.
func (s *scanner) members(i, depth int, f *fields, fn memberFunc) (int, error) {
	depth++
	if depth > maxDepth {
		return 0, syntaxError(i, "nested too deeply")
	}
	i = s.skipSpace(i + 1)
	if i < len(s.data) && s.data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(s.data) || s.data[i] != '"' {
			return 0, syntaxError(i, "expected object key")
		}
		kend, esc, err := s.str(i)
		if err != nil {
			return 0, err
		}
		key := s.data[i+1 : kend]
		if esc {
			// Only the callee's key switch reads key, before any nested object reuses kbuf.
			s.kbuf = appendUnescaped(s.kbuf[:0], key)
			key = s.kbuf
		}
		i = s.skipSpace(kend + 1)
		if i >= len(s.data) || s.data[i] != ':' {
			return 0, syntaxError(i, "expected ':' after object key")
		}
		i, err = fn(key, s.skipSpace(i+1), depth, f)
		if err != nil {
			return 0, err
		}
		i = s.skipSpace(i)
		if i < len(s.data) && s.data[i] == ',' {
			i = s.skipSpace(i + 1)
			continue
		}
		if i < len(s.data) && s.data[i] == '}' {
			return i + 1, nil
		}
		return 0, syntaxError(i, "expected ',' or '}' in object")
	}
}

// keep scans the value at i into nodes and stores its index in *dst.
func (s *scanner) keep(dst *int32, i, budget, depth int) (int, error) {
	end, idx, err := s.value(i, budget, depth)
	*dst = idx
	return end, err
}

func (s *scanner) topMember(key []byte, i, depth int, f *fields) (int, error) {
	switch string(key) {
	case "version":
		return s.keep(&f.version, i, budgetScalar, depth)
	case "httpMethod":
		return s.keep(&f.httpMethod, i, budgetScalar, depth)
	case "path":
		return s.keep(&f.path, i, budgetScalar, depth)
	case "method":
		return s.keep(&f.method, i, budgetScalar, depth)
	case "raw_path":
		return s.keep(&f.rawPathSnake, i, budgetScalar, depth)
	case "rawPath":
		return s.keep(&f.rawPath, i, budgetScalar, depth)
	case "rawQueryString":
		return s.keep(&f.rawQueryString, i, budgetScalar, depth)
	case "headers":
		return s.keep(&f.headers, i, budgetMap, depth)
	case "multiValueHeaders":
		return s.keep(&f.multiValueHeaders, i, budgetMap, depth)
	case "queryStringParameters":
		return s.keep(&f.query, i, budgetMap, depth)
	case "multiValueQueryStringParameters":
		return s.keep(&f.multiValueQuery, i, budgetMap, depth)
	case "query_string_parameters":
		return s.keep(&f.querySnake, i, budgetMap, depth)
	case "cookies":
		return s.keep(&f.cookies, i, budgetList, depth)
	case "body":
		return s.keep(&f.body, i, budgetScalar, depth)
	case "isBase64Encoded":
		return s.keep(&f.isBase64, i, budgetScalar, depth)
	case "is_base64_encoded":
		return s.keep(&f.isBase64Snake, i, budgetScalar, depth)
	case "methodArn":
		return s.keep(&f.methodArn, i, budgetScalar, depth)
	case "routeArn":
		return s.keep(&f.routeArn, i, budgetScalar, depth)
	case "requestContext":
		// A repeated requestContext replaces the earlier one entirely.
		f.rcStart, f.rcEnd = 0, 0
		f.rcELB, f.rcHTTPMethod, f.rcHTTPPath, f.rcHTTPIP = 0, 0, 0, 0
		f.rcServiceNetworkArn, f.rcDomainName, f.rcIdentityIP, f.rcConnectionID = 0, 0, 0, 0
		if i < len(s.data) && s.data[i] == '{' {
			end, err := s.members(i, depth, f, s.contextMember)
			f.rcStart, f.rcEnd = int32(i), int32(end)
			return end, err
		}
	}
	return s.skip(i, depth)
}

func (s *scanner) contextMember(key []byte, i, depth int, f *fields) (int, error) {
	switch string(key) {
	case "elb":
		return s.keep(&f.rcELB, i, budgetScalar, depth)
	case "serviceNetworkArn":
		return s.keep(&f.rcServiceNetworkArn, i, budgetScalar, depth)
	case "domainName":
		return s.keep(&f.rcDomainName, i, budgetScalar, depth)
	case "connectionId":
		return s.keep(&f.rcConnectionID, i, budgetScalar, depth)
	case "http":
		if i < len(s.data) && s.data[i] == '{' {
			f.rcHTTPMethod, f.rcHTTPPath, f.rcHTTPIP = 0, 0, 0
			return s.members(i, depth, f, s.httpMember)
		}
	case "identity":
		if i < len(s.data) && s.data[i] == '{' {
			f.rcIdentityIP = 0
			return s.members(i, depth, f, s.identityMember)
		}
	}
	return s.skip(i, depth)
}

func (s *scanner) httpMember(key []byte, i, depth int, f *fields) (int, error) {
	switch string(key) {
	case "method":
		return s.keep(&f.rcHTTPMethod, i, budgetScalar, depth)
	case "path":
		return s.keep(&f.rcHTTPPath, i, budgetScalar, depth)
	case "sourceIp":
		return s.keep(&f.rcHTTPIP, i, budgetScalar, depth)
	}
	return s.skip(i, depth)
}

func (s *scanner) identityMember(key []byte, i, depth int, f *fields) (int, error) {
	if string(key) == "sourceIp" {
		return s.keep(&f.rcIdentityIP, i, budgetScalar, depth)
	}
	return s.skip(i, depth)
}

// kindOf returns the kind of node n (kindAbsent for 0).
func (s *scanner) kindOf(n int32) kind { return s.nodes[n].kind }

func (s *scanner) isString(n int32) bool { return s.nodes[n].kind == kindString }

// stringIs reports whether n is a string equal to lit (escapes undone).
func (s *scanner) stringIs(n int32, lit string) bool {
	nd := &s.nodes[n]
	if nd.kind != kindString {
		return false
	}
	if !nd.esc {
		return string(s.data[nd.start:nd.end]) == lit
	}
	var buf [64]byte
	return string(appendUnescaped(buf[:0], s.data[nd.start:nd.end])) == lit
}

// recognise applies the recognition table of events.md §1 (first match wins), preceded by two
// guards for payloads that look like HTTP events but are not requests to serve: API Gateway
// authorizer events (methodArn / routeArn) and WebSocket events (requestContext.connectionId),
// which both carry httpMethod/path or requestContext.http like proxy events do.
func (s *scanner) recognise(f *fields) Source {
	switch {
	case !f.object:
		return NonHTTP
	case s.isString(f.methodArn) || s.isString(f.routeArn) || s.isString(f.rcConnectionID):
		return NonHTTP
	case s.kindOf(f.rcELB) == kindObject:
		if k := s.kindOf(f.multiValueHeaders); k != kindAbsent && k != kindNull {
			return ALBMultiValue
		}
		return ALB
	case s.isString(f.rcHTTPMethod):
		if s.isString(f.rcDomainName) && containsLambdaURL(s.raw(f.rcDomainName)) {
			return FunctionURL
		}
		return HTTPAPIV2
	case s.isString(f.rcServiceNetworkArn):
		return LatticeV2
	case s.isString(f.rawPathSnake) && s.isString(f.method):
		return LatticeV1
	case s.isString(f.httpMethod) && s.isString(f.path):
		if s.stringIs(f.version, "1.0") {
			return HTTPAPIV1
		}
		return RESTAPI
	}
	return NonHTTP
}

func containsLambdaURL(domain []byte) bool {
	const marker = ".lambda-url."
	for i := 0; i+len(marker) <= len(domain); i++ {
		if string(domain[i:i+len(marker)]) == marker {
			return true
		}
	}
	return false
}
