package frontdoor

import (
	"net/http"
)

// failure is a way an invocation can fail as the client sees it; every front door has one answer
// for each (events.md §6). This file is the one place those answers are written down.
type failure int

const (
	// failFunction: the function failed (/error, crash, OOM), timed out before the integration
	// timeout, returned an invalid result, or a result too large.
	failFunction failure = iota
	// failIntegrationTimeout: API Gateway stopped waiting (REST 29 s, HTTP API 30 s).
	failIntegrationTimeout
	// failRejected: Lambda refused to run the invocation (throttled, shutting down, …).
	failRejected
	// failEventTooLarge: the event is over Lambda's 6,291,456-byte request limit.
	failEventTooLarge
	// failBodyTooLarge: the request body is over the front door's own limit.
	failBodyTooLarge
)

func (f failure) String() string {
	return [...]string{"function error", "integration timeout", "invocation rejected",
		"event too large", "request body too large"}[f]
}

// gatewayError is a fixed response: status, content type and body.
type gatewayError struct {
	status      int
	contentType string
	body        string
}

const (
	typeJSON = "application/json"
	typeText = "text/plain; charset=utf-8"
	typeHTML = "text/html"
)

// albPage is the HTML page an ALB gives for its own errors.
func albPage(status int) gatewayError {
	title := itoa(status) + " " + http.StatusText(status)
	if status == http.StatusGatewayTimeout {
		title = "504 Gateway Time-out"
	}
	return gatewayError{status, typeHTML, "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title + "</h1></center>\r\n</body>\r\n</html>\r\n"}
}

var (
	restInternal      = gatewayError{502, typeJSON, `{"message": "Internal server error"}`}
	restRejected      = gatewayError{500, typeJSON, `{"message": "Internal server error"}`}
	restTimeout       = gatewayError{504, typeJSON, `{"message": "Endpoint request timed out"}`}
	httpInternal      = gatewayError{500, typeJSON, `{"message":"Internal Server Error"}`}
	httpTimeout       = gatewayError{503, typeJSON, `{"message":"Service Unavailable"}`}
	gatewayTooLarge   = gatewayError{413, typeJSON, `{"message":"Request Entity Too Large"}`}
	urlInternal       = gatewayError{502, typeText, "Internal Server Error"}
	urlThrottled      = gatewayError{429, typeJSON, `{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`}
	urlEventTooLarge  = gatewayError{413, typeJSON, `{"Type":"User","message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}`}
	albBadGateway     = albPage(502)
	albTooLarge       = albPage(413)
	albGatewayTimeout = albPage(504)
	errorTable        = map[Kind][5]gatewayError{
		//                   function      integration timeout  rejected      event too large   body too large
		REST:    {restInternal, restTimeout, restRejected, restRejected, gatewayTooLarge},
		HTTPAPI: {httpInternal, httpTimeout, httpInternal, httpInternal, gatewayTooLarge},
		URL:     {urlInternal, urlInternal, urlThrottled, urlEventTooLarge, urlEventTooLarge},
		ALB:     {albBadGateway, albGatewayTimeout, albBadGateway, albBadGateway, albTooLarge},
	}
)

// errorFor returns kind's answer to f.
func errorFor(kind Kind, f failure) gatewayError {
	return errorTable[kind][f]
}

// write sends e. Headers the function may have caused are not there: errors are written before
// any of the function's output.
func (e gatewayError) write(w http.ResponseWriter, extra http.Header) {
	h := w.Header()
	for k, vs := range extra {
		h[k] = vs
	}
	h.Set("Content-Type", e.contentType)
	h.Set("Content-Length", itoa(len(e.body)))
	if e.contentType == typeHTML {
		h.Set("Server", "awselb/2.0")
	}
	w.WriteHeader(e.status)
	_, _ = w.Write([]byte(e.body))
}
