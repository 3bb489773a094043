package event

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// builder is the pooled scratch space of one Decode.
type builder struct {
	sc   scanner
	f    fields
	buf  []byte   // every string of the request, converted to one Go string at the end
	tmp  []byte   // unescaped JSON strings
	hdrs []header // header fields in event order, pointing into buf
	// seen is a 256-bit filter of the header names met so far (by hash): when no name can have
	// repeated, building the header map needs no lookups.
	seen    [4]uint64
	repeats bool
	inPlace bool // the body may be unescaped over the payload (DecodeInPlace)
}

// header is one header field: name and value are [off,end) ranges of builder.buf, or key is
// an interned canonical name.
type header struct {
	key        string
	koff, kend int32
	voff, vend int32
}

// request is everything a decoded request owns, in one allocation.
type request struct {
	req       http.Request
	url       url.URL
	ev        Event
	body      bytes.Reader
	bodyBytes []byte
	ctx       eventContext
}

// getBody implements http.Request.GetBody so that a client forwarding the request can replay it.
func (r *request) getBody() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(r.bodyBytes)), nil
}

// span is a range of builder.buf.
type span struct{ off, end int }

func (b *builder) mark(start int) span { return span{start, len(b.buf)} }

// build maps the recognised event to a request (events.md §2).
func (b *builder) build(ctx context.Context, d *Decoder, src Source) (*http.Request, *Event, error) {
	sc, f := &b.sc, &b.f
	b.buf = b.buf[:0]
	b.hdrs = b.hdrs[:0]
	b.seen, b.repeats = [4]uint64{}, false

	// Method, path and query, as named per source.
	var methodNode, pathNode, queryNode int32
	var queryField string
	enc := queryAsSent
	switch src {
	case RESTAPI, HTTPAPIV1:
		methodNode, pathNode = f.httpMethod, f.path
		queryNode, queryField, enc = f.query, "queryStringParameters", queryDecoded
		if sc.nonEmptyObject(f.multiValueQuery) {
			queryNode, queryField = f.multiValueQuery, "multiValueQueryStringParameters"
		}
	case HTTPAPIV2, FunctionURL:
		methodNode, pathNode = f.rcHTTPMethod, f.rawPath
		if sc.kindOf(pathNode) == kindAbsent {
			pathNode = f.rcHTTPPath
		}
	case ALB, ALBMultiValue:
		methodNode, pathNode = f.httpMethod, f.path
		queryNode, queryField = f.query, "queryStringParameters"
		if sc.nonEmptyObject(f.multiValueQuery) {
			queryNode, queryField = f.multiValueQuery, "multiValueQueryStringParameters"
		}
	case LatticeV2:
		methodNode, pathNode = f.method, f.path
		queryNode, queryField = f.query, "queryStringParameters"
	case LatticeV1:
		methodNode, pathNode = f.method, f.rawPathSnake
		queryNode, queryField = f.querySnake, "query_string_parameters"
	}

	method, methodInBuf, err := b.method(methodNode, src)
	if err != nil {
		return nil, nil, err
	}
	methodSpan := b.mark(0)

	// Path: normalised and encoded, base path removed; then "?query" right after it, so that
	// the encoded path, the query and the request URI are slices of the same bytes.
	pathStart := len(b.buf)
	switch sc.kindOf(pathNode) {
	case kindString:
		b.tmp = sc.appendString(b.tmp[:0], pathNode)
		b.buf = appendNormalizedPath(b.buf, b.tmp)
	case kindAbsent, kindNull:
		b.buf = append(b.buf, '/')
	default:
		return nil, nil, malformed(pathField(src), "expected a string, got "+kindNames[sc.kindOf(pathNode)])
	}
	if d.basePath != "" {
		p := stripBasePath(b.buf[pathStart:], d.basePath)
		b.buf = b.buf[:pathStart+len(p)]
	}
	pathSpan := b.mark(pathStart)

	b.buf = append(b.buf, '?')
	queryStart := len(b.buf)
	if src == HTTPAPIV2 || src == FunctionURL {
		switch sc.kindOf(f.rawQueryString) {
		case kindString:
			b.tmp = sc.appendString(b.tmp[:0], f.rawQueryString)
			b.buf = appendQueryAsSent(b.buf, b.tmp)
		case kindAbsent, kindNull:
		default:
			return nil, nil, malformed("rawQueryString", "expected a string")
		}
	} else if b.buf, err = b.appendQueryMap(b.buf, queryNode, queryField, enc); err != nil {
		return nil, nil, err
	}
	querySpan := b.mark(queryStart)
	uriSpan := span{pathStart, len(b.buf)}
	if querySpan.off == querySpan.end {
		b.buf = b.buf[:queryStart-1] // no '?' for an empty query
		uriSpan.end = queryStart - 1
		querySpan = span{}
	}

	// The decoded path, when it differs from the encoded one.
	decodedPath := pathSpan
	rawPath := false
	if _, esc := unescapedPathLen(b.buf[pathSpan.off:pathSpan.end]); esc {
		start := len(b.buf)
		b.buf = appendUnescapedPath(b.buf, b.buf[pathSpan.off:pathSpan.end])
		decodedPath = b.mark(start)
		rawPath = true
	}
	if rawPath || !plainPath(b.buf[pathSpan.off:pathSpan.end]) {
		rawPath = rawPathNeeded(b.buf[decodedPath.off:decodedPath.end], b.buf[pathSpan.off:pathSpan.end])
	}

	// Headers.
	// v1 keeps every value of multiValueHeaders (adapter.md §8); "headers" holds only the last.
	hdrMap, hdrField := f.headers, "headers"
	switch src {
	case RESTAPI, HTTPAPIV1:
		if sc.nonEmptyObject(f.multiValueHeaders) {
			hdrMap, hdrField = f.multiValueHeaders, "multiValueHeaders"
		}
	case ALBMultiValue:
		hdrMap, hdrField = f.multiValueHeaders, "multiValueHeaders"
	}
	cookies := (src == HTTPAPIV2 || src == FunctionURL) && sc.kindOf(f.cookies) == kindArray && sc.nodes[f.cookies].size > 0
	if err := b.appendHeaders(hdrMap, hdrField, cookies); err != nil {
		return nil, nil, err
	}
	if cookies {
		if err := b.appendCookies(f.cookies); err != nil {
			return nil, nil, err
		}
	}

	// Host: the host header, else the domain name API Gateway reports.
	hostSpan, hasHost := b.firstHeader(keyHost)
	if !hasHost && sc.isString(f.rcDomainName) {
		start := len(b.buf)
		b.buf = sc.appendString(b.buf, f.rcDomainName)
		hostSpan = b.mark(start)
	}

	// RemoteAddr: the source IP the service reports, else the last X-Forwarded-For entry (the
	// one the service added).
	addrSpan := b.remoteAddr(src)

	// Body.
	isB64 := f.isBase64
	if src == LatticeV1 {
		isB64 = f.isBase64Snake
	}
	body, err := b.body(f.body, isB64, src)
	if err != nil {
		return nil, nil, err
	}

	// One string for everything; every request string is a slice of it.
	all := string(b.buf)
	str := func(s span) string { return all[s.off:s.end] }

	r := new(request)
	r.ev = Event{Source: src}
	if f.rcEnd > f.rcStart {
		r.ev.RequestContext = json.RawMessage(sc.data[f.rcStart:f.rcEnd:f.rcEnd])
	}
	r.url.Path = str(decodedPath)
	if rawPath {
		r.url.RawPath = str(pathSpan)
	}
	r.url.RawQuery = str(querySpan)
	if methodInBuf {
		method = str(methodSpan)
	}
	r.req = http.Request{
		Method:     method,
		URL:        &r.url,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     b.headerMap(all),
		Host:       str(hostSpan),
		RemoteAddr: str(addrSpan),
		RequestURI: str(uriSpan),
	}
	r.setBody(body)
	r.ctx = eventContext{Context: ctx, ev: &r.ev}
	r.req = *r.req.WithContext(&r.ctx)
	return &r.req, &r.ev, nil
}

// setBody installs the body with its length; an empty body is http.NoBody, as a server does.
func (r *request) setBody(body []byte) {
	r.req.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.req.Body = http.NoBody
		r.req.GetBody = noBody
		return
	}
	r.bodyBytes = body
	r.body.Reset(body)
	// The body is the decoded bytes, which may alias the payload. An io.NopCloser around a
	// *bytes.Reader is what net/http knows to be in memory: a client forwarding the request
	// then writes headers and body together instead of flushing the headers first, one
	// write and one wake-up of the server fewer.
	r.req.Body = io.NopCloser(&r.body)
	r.req.GetBody = r.getBody
}

func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

// plainPath reports whether an encoded path has no byte net/url would escape, so that its
// decoded form is itself and URL.RawPath stays empty.
func plainPath(p []byte) bool {
	for _, c := range p {
		if urlEscapesInPath(c) {
			return false
		}
	}
	return true
}

func methodField(src Source) string {
	switch src {
	case HTTPAPIV2, FunctionURL:
		return "requestContext.http.method"
	case LatticeV1, LatticeV2:
		return "method"
	}
	return "httpMethod"
}

func pathField(src Source) string {
	switch src {
	case HTTPAPIV2, FunctionURL:
		return "rawPath"
	case LatticeV1:
		return "raw_path"
	}
	return "path"
}

// Common methods are interned.
var methods = [...]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete,
	http.MethodPatch, http.MethodHead, http.MethodOptions}

// method returns the request method from node n: an interned constant, or inBuf when it was
// copied to the start of buf.
func (b *builder) method(n int32, src Source) (m string, inBuf bool, err error) {
	sc := &b.sc
	if !sc.isString(n) {
		return "", false, malformed(methodField(src), "expected a string")
	}
	raw := sc.raw(n)
	if !sc.nodes[n].esc {
		for _, m := range methods {
			if string(raw) == m {
				return m, false, nil
			}
		}
	}
	b.buf = sc.appendString(b.buf[:0], n)
	if !validHeaderName(b.buf) { // a method is a token, like a header name
		return "", false, malformed(methodField(src), "not a valid HTTP method")
	}
	return "", true, nil
}

// appendHeaders records the fields of header map m (name → string, or name → list of strings)
// in event order. skipCookie drops the cookie header (replaced by the cookies list); client copies
// of the context headers are always dropped (see forgeable).
func (b *builder) appendHeaders(m int32, field string, skipCookie bool) error {
	sc := &b.sc
	switch sc.kindOf(m) {
	case kindAbsent, kindNull:
		return nil
	case kindObject:
	default:
		return malformed(field, "expected an object, got "+kindNames[sc.kindOf(m)])
	}
	end := sc.next(m)
	for k := m + 1; k < end; {
		v := k + 1
		next := sc.next(v)
		name := sc.raw(k)
		if sc.nodes[k].esc {
			b.tmp = appendUnescaped(b.tmp[:0], name)
			name = b.tmp
		}
		if !validHeaderName(name) {
			return malformed(field, "invalid header name "+strconv.Quote(string(name)))
		}
		h := header{}
		key, hash, ok := lookupHeader(name)
		b.noteName(hash)
		if ok {
			if skipCookie && key == keyCookie || forgeable(key) {
				k = next
				continue
			}
			h.key = key
		} else {
			start := len(b.buf)
			b.buf = appendCanonicalHeader(b.buf, name)
			h.koff, h.kend = int32(start), int32(len(b.buf))
		}
		switch sc.kindOf(v) {
		case kindString:
			if err := b.appendHeaderValue(h, v, field); err != nil {
				return err
			}
		case kindNull:
		case kindArray:
			for e := v + 1; e < next; e = sc.next(e) {
				switch sc.kindOf(e) {
				case kindString:
					if err := b.appendHeaderValue(h, e, field); err != nil {
						return err
					}
				case kindNull:
				default:
					return malformed(field, "values of "+b.headerName(h)+" must be strings")
				}
			}
		default:
			return malformed(field, "value of "+b.headerName(h)+" must be a string or a list of strings")
		}
		k = next
	}
	return nil
}

func (b *builder) headerName(h header) string {
	if h.key != "" {
		return h.key
	}
	return string(b.buf[h.koff:h.kend])
}

func (b *builder) appendHeaderValue(h header, v int32, field string) error {
	start := len(b.buf)
	b.buf = b.sc.appendString(b.buf, v)
	if !validHeaderValue(b.buf[start:]) {
		return malformed(field, "value of "+b.headerName(h)+" contains control characters")
	}
	h.voff, h.vend = int32(start), int32(len(b.buf))
	b.hdrs = append(b.hdrs, h)
	return nil
}

// noteName records a header name's hash in the filter.
func (b *builder) noteName(hash uint32) {
	w, bit := (hash>>6)&3, uint64(1)<<(hash&63)
	if b.seen[w]&bit != 0 {
		b.repeats = true
	}
	b.seen[w] |= bit
}

// appendCookies records the HTTP API 2.0 cookies list as one Cookie header, "; "-joined as a
// browser sends it.
func (b *builder) appendCookies(list int32) error {
	sc := &b.sc
	start := len(b.buf)
	end := sc.next(list)
	for e := list + 1; e < end; e = sc.next(e) {
		switch sc.kindOf(e) {
		case kindString:
			if len(b.buf) > start {
				b.buf = append(b.buf, "; "...)
			}
			b.buf = sc.appendString(b.buf, e)
		case kindNull:
		default:
			return malformed("cookies", "expected a list of strings")
		}
	}
	if len(b.buf) == start {
		return nil
	}
	if !validHeaderValue(b.buf[start:]) {
		return malformed("cookies", "contains control characters")
	}
	_, hash, _ := lookupHeader([]byte("cookie"))
	b.noteName(hash)
	b.hdrs = append(b.hdrs, header{key: keyCookie, voff: int32(start), vend: int32(len(b.buf))})
	return nil
}

// firstHeader returns the value of the first field named key (an interned name).
func (b *builder) firstHeader(key string) (span, bool) {
	for _, h := range b.hdrs {
		if h.key == key {
			return span{int(h.voff), int(h.vend)}, true
		}
	}
	return span{}, false
}

// remoteAddr writes "ip:0" ("[ip]:0" for IPv6) for the client address the source reports. An
// address that cannot be one (spaces, commas, control bytes) leaves RemoteAddr empty: it is
// informational, and the request stays servable.
func (b *builder) remoteAddr(src Source) span {
	sc, f := &b.sc, &b.f
	ipNode := int32(0)
	switch src {
	case HTTPAPIV2, FunctionURL:
		ipNode = f.rcHTTPIP
	case RESTAPI, HTTPAPIV1:
		ipNode = f.rcIdentityIP
	}
	var ip []byte
	if sc.isString(ipNode) {
		b.tmp = sc.appendString(b.tmp[:0], ipNode)
		ip = b.tmp
	} else {
		// The last X-Forwarded-For entry; several fields count as one comma-separated list.
		for i := len(b.hdrs) - 1; i >= 0; i-- {
			h := b.hdrs[i]
			if h.key != keyForwarded {
				continue
			}
			v := b.buf[h.voff:h.vend]
			if c := bytes.LastIndexByte(v, ','); c >= 0 {
				v = v[c+1:]
			}
			ip = bytes.TrimSpace(v)
			break
		}
	}
	if len(ip) == 0 || !validHeaderValue(ip) || bytes.ContainsAny(ip, " ,\t") {
		return span{}
	}
	start := len(b.buf)
	if bytes.IndexByte(ip, ':') >= 0 && ip[0] != '[' {
		b.buf = append(b.buf, '[')
		b.buf = append(b.buf, ip...)
		b.buf = append(b.buf, ']')
	} else {
		b.buf = append(b.buf, ip...)
	}
	b.buf = append(b.buf, ":0"...)
	return b.mark(start)
}

// body decodes the body member: a string (base64 when flag says so), null or absent.
func (b *builder) body(n, flag int32, src Source) ([]byte, error) {
	sc := &b.sc
	b64 := false
	switch sc.kindOf(flag) {
	case kindTrue:
		b64 = true
	case kindFalse, kindNull, kindAbsent:
	default:
		name := "isBase64Encoded"
		if src == LatticeV1 {
			name = "is_base64_encoded"
		}
		return nil, malformed(name, "expected a boolean")
	}
	switch sc.kindOf(n) {
	case kindAbsent, kindNull:
		return nil, nil
	case kindString:
	default:
		return nil, malformed("body", "expected a string or null")
	}
	raw := sc.raw(n)
	esc := sc.nodes[n].esc
	if !b64 {
		if !esc {
			return raw[:len(raw):len(raw)], nil // aliases the payload: no copy
		}
		if b.inPlace {
			// Every escape is at least as long as what it stands for, and appendUnescaped
			// reads each one before writing its result, so the output never overtakes the
			// input.
			return appendUnescaped(raw[:0:len(raw)], raw), nil
		}
		return appendUnescaped(make([]byte, 0, len(raw)), raw), nil
	}
	if esc {
		b.tmp = appendUnescaped(b.tmp[:0], raw)
		raw = b.tmp
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	m, err := base64.StdEncoding.Decode(out, raw)
	if err != nil {
		msg := "malformed event: body: invalid base64"
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			msg += " at byte " + strconv.FormatInt(int64(ce), 10) + " of the body"
		}
		return nil, &Error{Type: ErrorTypeInvalidBase64, Message: msg}
	}
	return out[:m:m], nil
}

// headerMap builds the http.Header from the recorded fields: one map, one backing array for all
// values, each key's slice capped so that appending to one cannot overwrite another. Host is
// left out, as a server moves it to Request.Host.
func (b *builder) headerMap(all string) http.Header {
	n := 0
	for _, h := range b.hdrs {
		if h.key != keyHost {
			n++
		}
	}
	hm := make(http.Header, n)
	if n == 0 {
		return hm
	}
	vals := make([]string, n)
	key := func(h header) string {
		if h.key != "" {
			return h.key
		}
		return all[h.koff:h.kend]
	}
	i := 0
	for j := 0; j < len(b.hdrs); {
		h := b.hdrs[j]
		k := key(h)
		// A run of fields with the same name (one multi-value entry) shares one slice.
		start := i
		for ; j < len(b.hdrs) && sameKey(b.hdrs[j], h, b.buf); j++ {
			if h.key == keyHost {
				continue
			}
			vals[i] = all[b.hdrs[j].voff:b.hdrs[j].vend]
			i++
		}
		if h.key == keyHost {
			continue
		}
		if b.repeats {
			if prev, ok := hm[k]; ok { // the same name again, e.g. "Accept" and "accept"
				hm[k] = append(prev[:len(prev):len(prev)], vals[start:i]...)
				continue
			}
		}
		hm[k] = vals[start:i:i]
	}
	return hm
}

// sameKey reports whether two fields have the same canonical name.
func sameKey(a, b header, buf []byte) bool {
	if a.key != "" || b.key != "" {
		return a.key == b.key
	}
	return bytes.Equal(buf[a.koff:a.kend], buf[b.koff:b.kend])
}
