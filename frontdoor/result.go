package frontdoor

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// reply is the HTTP response a front door gives for a successful invocation.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// invalidResult says why a function's result is not a response the front door can give; the
// service answers it with its "invalid response" error (events.md §6).
type invalidResult struct{ reason string }

func (e *invalidResult) Error() string { return "invalid response from the function: " + e.reason }

func invalid(format string, args ...any) error {
	return &invalidResult{reason: fmt.Sprintf(format, args...)}
}

// resultFields are the fields of every result shape, kept raw so each can be checked for its
// type; encoding/json would otherwise coerce or drop what AWS rejects.
type resultFields struct {
	StatusCode        json.RawMessage `json:"statusCode"`
	StatusDescription json.RawMessage `json:"statusDescription"`
	Headers           json.RawMessage `json:"headers"`
	MultiValueHeaders json.RawMessage `json:"multiValueHeaders"`
	Cookies           json.RawMessage `json:"cookies"`
	Body              json.RawMessage `json:"body"`
	IsBase64Encoded   json.RawMessage `json:"isBase64Encoded"`
}

// decodeObject decodes a result that must be a JSON object.
// body returns the result's body, its base64 undone when isBase64Encoded is true and decode is
// set.
func (f *resultFields) body(decode bool) ([]byte, error) {
	body, err := stringField("body", f.Body)
	if err != nil {
		return nil, err
	}
	b64, err := boolField("isBase64Encoded", f.IsBase64Encoded)
	if err != nil {
		return nil, err
	}
	return decodeBody(body, b64 && decode)
}

func decodeObject(raw []byte) (*resultFields, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, invalid("the result is not a JSON object")
	}
	var f resultFields
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, invalid("the result is not valid JSON: %v", err)
	}
	return &f, nil
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

// statusCode reads an integer status a client can be given as a final response.
func statusCode(v json.RawMessage) (int, error) {
	if isNull(v) {
		return 0, invalid("statusCode is missing")
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, invalid("statusCode %.40s is not an integer", v)
	}
	if n < 200 || n > 599 {
		return 0, invalid("statusCode %d is outside 200-599", n)
	}
	return n, nil
}

// scalar reads a header value: a string, or a number or boolean as written. ok is false for null.
func scalar(v json.RawMessage) (s string, ok bool, err error) {
	switch {
	case isNull(v):
		return "", false, nil
	case v[0] == '"':
		err = json.Unmarshal(v, &s)
		return s, err == nil, err
	case v[0] == '{' || v[0] == '[':
		return "", false, invalid("a header value is not a string")
	default: // number, true, false
		return string(v), true, nil
	}
}

// stringField reads an optional string field (body, statusDescription); null or absent is "".
func stringField(name string, v json.RawMessage) (string, error) {
	if isNull(v) {
		return "", nil
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return "", invalid("%s is not a string", name)
	}
	return s, nil
}

func boolField(name string, v json.RawMessage) (bool, error) {
	if isNull(v) {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		return false, invalid("%s is not a boolean", name)
	}
	return b, nil
}

// headerMap reads a header object into h. Each value is a scalar (single) or a list of scalars
// (lists); with both allowed, either form is accepted per name. A name given as a list replaces
// what h already holds for it: when headers and multiValueHeaders both name a header, the list wins.
func headerMap(field string, v json.RawMessage, h http.Header, single, lists bool) error {
	if isNull(v) {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		return invalid("%s is not an object", field)
	}
	for k, raw := range m {
		if isNull(raw) {
			continue
		}
		if raw[0] != '[' {
			if !single {
				return invalid("%s values must be lists of strings", field)
			}
			s, ok, err := scalar(raw)
			if err != nil {
				return err
			}
			if ok {
				if err := addHeader(h, k, s); err != nil {
					return err
				}
			}
			continue
		}
		if !lists {
			return invalid("%s values must be strings", field)
		}
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return invalid("%s values must be lists of strings", field)
		}
		h.Del(k)
		for _, item := range list {
			s, ok, err := scalar(item)
			if err != nil {
				return err
			}
			if ok {
				if err := addHeader(h, k, s); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func singleHeaders(v json.RawMessage, h http.Header) error {
	return headerMap("headers", v, h, true, false)
}

func multiHeaders(v json.RawMessage, h http.Header) error {
	return headerMap("multiValueHeaders", v, h, false, true)
}

// addHeader adds one header from a result, dropping those the front door manages itself (framing
// and hop-by-hop headers; Content-Length is recomputed) and rejecting what cannot go on the wire.
func addHeader(h http.Header, name, value string) error {
	if !validHeaderName(name) {
		return invalid("header name %.40q is not a valid HTTP token", name)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return invalid("the value of header %s has a control character", name)
		}
	}
	switch http.CanonicalHeaderKey(name) {
	case "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Trailer",
		"Te", "Proxy-Connection":
		return nil
	}
	h.Add(name, value)
	return nil
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || c <= 0x20 || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func decodeBody(body string, b64 bool) ([]byte, error) {
	if !b64 {
		return []byte(body), nil
	}
	out, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return nil, invalid("isBase64Encoded is true but body is not valid base64")
	}
	return out, nil
}

// parseRESTResult reads a REST proxy-integration result (events.md §3): an object with an integer
// statusCode, optional headers and multiValueHeaders (merged, the list winning), a string body
// and isBase64Encoded. A base64 body is decoded only when binaryMediaTypes match the request's
// Accept header or the response's Content-Type; otherwise the client gets the base64 text.
func parseRESTResult(raw []byte, binaryTypes []string, accept string) (*reply, error) {
	f, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	r := &reply{header: http.Header{}}
	if r.status, err = statusCode(f.StatusCode); err != nil {
		return nil, err
	}
	if err := singleHeaders(f.Headers, r.header); err != nil {
		return nil, err
	}
	if err := multiHeaders(f.MultiValueHeaders, r.header); err != nil {
		return nil, err
	}
	// REST decodes a base64 body only for a binary media type; otherwise the client gets the
	// base64 text, as on AWS.
	decode := acceptMatches(binaryTypes, accept) || matchesMediaType(binaryTypes, r.header.Get(headerContentType))
	if r.body, err = f.body(decode); err != nil {
		return nil, err
	}
	if r.header.Get(headerContentType) == "" {
		r.header.Set(headerContentType, "application/json") // API Gateway's default
	}
	return r, nil
}

// parseV2Result reads an HTTP API payload 2.0 or Function URL result: a JSON object with
// statusCode is a response (headers single-valued, cookies one Set-Cookie each,
// multiValueHeaders ignored); any other valid JSON is a 200 application/json body of that text.
func parseV2Result(raw []byte) (*reply, error) {
	trimmed := bytes.TrimSpace(raw)
	if !json.Valid(trimmed) {
		return nil, invalid("the result is not valid JSON")
	}
	var probe map[string]json.RawMessage
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &probe) != nil || probe["statusCode"] == nil {
		return &reply{
			status: http.StatusOK,
			header: http.Header{headerContentType: {"application/json"}},
			body:   trimmed,
		}, nil
	}
	f, err := decodeObject(trimmed)
	if err != nil {
		return nil, err
	}
	r := &reply{header: http.Header{}}
	if r.status, err = statusCode(f.StatusCode); err != nil {
		return nil, err
	}
	if err := singleHeaders(f.Headers, r.header); err != nil {
		return nil, err
	}
	if !isNull(f.Cookies) {
		var cookies []string
		if err := json.Unmarshal(f.Cookies, &cookies); err != nil {
			return nil, invalid("cookies is not a list of strings")
		}
		for _, c := range cookies {
			if err := addHeader(r.header, "Set-Cookie", c); err != nil {
				return nil, err
			}
		}
	}
	if r.body, err = f.body(true); err != nil {
		return nil, err
	}
	return r, nil
}

// parseALBResult reads an ALB target result: statusCode required, statusDescription optional,
// and the header map matching the target group's multi-value setting (the other is ignored).
func parseALBResult(raw []byte, multi bool) (*reply, error) {
	if len(raw) > MaxALBResult {
		return nil, invalid("the result is %d bytes, over ALB's %d-byte limit", len(raw), MaxALBResult)
	}
	f, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	r := &reply{header: http.Header{}}
	if r.status, err = statusCode(f.StatusCode); err != nil {
		return nil, err
	}
	if _, err := stringField("statusDescription", f.StatusDescription); err != nil {
		return nil, err
	}
	if multi {
		err = multiHeaders(f.MultiValueHeaders, r.header)
	} else {
		err = singleHeaders(f.Headers, r.header)
	}
	if err != nil {
		return nil, err
	}
	if r.body, err = f.body(true); err != nil {
		return nil, err
	}
	return r, nil
}
