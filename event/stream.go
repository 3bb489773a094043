package event

import "net/http"

// streamDelimiter ends the prelude of a streamed HTTP-integration response (runtime-api.md §1.2).
const streamDelimiter = "\x00\x00\x00\x00\x00\x00\x00\x00"

// AppendStreamPrelude appends the HTTP-integration prelude JSON (statusCode, headers with repeated
// names as arrays, cookies from Set-Cookie) and the 8-NUL delimiter. Body bytes follow raw.
//
// For a REST API in STREAM transfer mode the prelude uses the shape API Gateway documents for
// it: repeated headers go to multiValueHeaders instead of arrays in headers. Transfer-Encoding
// is dropped; Content-Type is left to the caller (Function URLs default to
// application/octet-stream when it is absent).
func (e *Event) AppendStreamPrelude(dst []byte, status int, h http.Header) []byte {
	if status == 0 {
		status = http.StatusOK
	}
	keys := sortedKeys(h)
	defer keys.release()
	dst = append(dst, `{"statusCode":`...)
	dst = appendStatus(dst, status)
	if e != nil && (e.Source == RESTAPI || e.Source == HTTPAPIV1) {
		dst = append(dst, `,"multiValueHeaders":`...)
		dst = appendMultiValueHeaders(dst, h, keys.s, false)
	} else {
		dst = append(dst, `,"headers":{`...)
		first := true
		for _, k := range keys.s {
			if isSetCookie(k) {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendJSONStr(dst, k)
			dst = append(dst, ':')
			vals := h[k]
			if len(vals) == 1 {
				dst = appendHeaderValue(dst, vals[0])
				continue
			}
			dst = append(dst, '[')
			for i, v := range vals {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendHeaderValue(dst, v)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, '}')
	}
	dst = appendCookies(dst, h, keys.s)
	dst = append(dst, '}')
	return append(dst, streamDelimiter...)
}
