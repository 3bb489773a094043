package runtimeapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// ErrorTyper is implemented by errors that know the errorType Lambda should report for them.
// Errors without it are reported under their Go type name, as aws-lambda-go does (see ErrorTypeOf).
type ErrorTyper interface{ ErrorType() string }

// Error is the JSON body of /error, /init/error and extension error posts, and what
// the server side decodes.
type Error struct {
	Message    string   `json:"errorMessage"`
	Type       string   `json:"errorType"`
	StackTrace []string `json:"stackTrace,omitempty"`
}

func (e *Error) Error() string     { return e.Type + ": " + e.Message }
func (e *Error) ErrorType() string { return e.Type }

// ErrorTypeOf returns the errorType reported for err: the ErrorType() of the first error in err's
// chain that has one, else the name of err's Go type without package or pointer ("PathError",
// "errorString"), which is what aws-lambda-go reports, so functions that move from aws-lambda-go
// keep their errorType values and any metric filters built on them. ErrorTypeUnknown is the last
// resort for unnamed types.
func ErrorTypeOf(err error) string {
	if err == nil {
		return ErrorTypeUnknown
	}
	var et ErrorTyper
	if errors.As(err, &et) {
		if t := et.ErrorType(); t != "" {
			return t
		}
	}
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if name := t.Name(); name != "" {
		return name
	}
	return ErrorTypeUnknown
}

// ErrorFor returns the body Lambda should receive for err: err itself when it is an *Error, else
// its message and ErrorTypeOf(err).
func ErrorFor(err error) *Error {
	if e, ok := err.(*Error); ok && e != nil {
		if e.Type == "" {
			c := *e
			c.Type = ErrorTypeUnknown
			return &c
		}
		return e
	}
	msg := "unknown error"
	if err != nil {
		msg = err.Error()
	}
	return &Error{Message: msg, Type: ErrorTypeOf(err)}
}

// marshalError encodes e; it cannot fail for this struct of strings, but keep one fallback
// so that a broken encoder never turns into a lost error report.
func marshalError(e *Error) []byte {
	b, err := json.Marshal(e)
	if err != nil {
		return []byte(`{"errorMessage":"unencodable error","errorType":"` + ErrorTypeUnknown + `"}`)
	}
	return b
}

// APIError is a Runtime or Extensions API call that did not succeed: the status it got and the
// server's errorType and errorMessage when it sent them.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Type       string // errorType of the server's reply, "" if it sent none
	Message    string // errorMessage of the server's reply, or the start of a non-JSON reply
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("runtimeapi: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": status ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Type != "" {
		b.WriteString(" ")
		b.WriteString(e.Type)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// ErrorType is the server's errorType, so that a failed post reported onwards keeps it
// (a 413 stays RequestEntityTooLarge).
func (e *APIError) ErrorType() string { return e.Type }

// maxErrorBody bounds how much of an unsuccessful reply is read for its message.
const maxErrorBody = 64 << 10

// newAPIError reads resp's body (bounded) into an *APIError. The caller closes the body.
func newAPIError(resp *http.Response, method, path string) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var msg struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}
	if json.Unmarshal(body, &msg) == nil && (msg.Message != "" || msg.Type != "") {
		e.Type, e.Message = msg.Type, msg.Message
		return e
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 512 {
		text = text[:512] + "…"
	}
	e.Message = text
	return e
}

// fatalPostError reports whether a failed post means the API itself is unusable (the runtime
// should exit) rather than that this one invocation could not be finished. A 4xx concerns the
// invocation only (its id is unknown or finished, the body too large); no reply or a 5xx concerns
// the environment.
func fatalPostError(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500
	}
	return true
}

// MalformedInvocationError is returned by Next when /next handed out an invocation whose
// headers cannot be used (a missing or unparseable deadline, client context or Cognito
// identity that is not JSON). The invocation should be failed with RespondError(RequestID);
// Serve does that and keeps polling.
type MalformedInvocationError struct {
	RequestID string
	Err       error
}

func (e *MalformedInvocationError) Error() string {
	return fmt.Sprintf("runtimeapi: invocation %s: %v", e.RequestID, e.Err)
}
func (e *MalformedInvocationError) Unwrap() error     { return e.Err }
func (e *MalformedInvocationError) ErrorType() string { return ErrorTypeMalformedInvocation }
