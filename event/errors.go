package event

import "strconv"

// Error is a failure to decode an event or encode a response. Type is the stable errorType
// reported to Lambda; Message says what is wrong and never contains header values.
type Error struct {
	Type    string
	Message string
}

func (e *Error) Error() string     { return e.Message }
func (e *Error) ErrorType() string { return e.Type }

// Error types of this package (documented for users in the README's error table).
const (
	ErrorTypeMalformedEvent    = "Slipway.MalformedEvent"
	ErrorTypeInvalidBase64     = "Slipway.InvalidBase64"
	ErrorTypePassThroughStatus = "Slipway.PassThroughStatus"
	ErrorTypeResponseTooLarge  = "Function.ResponseSizeTooLarge"
)

// malformed reports an event that is not what its source sends. field names the JSON member,
// never its value.
func malformed(field, problem string) *Error {
	return &Error{Type: ErrorTypeMalformedEvent, Message: "malformed event: " + field + ": " + problem}
}

// syntaxError reports invalid JSON at a byte offset of the payload.
func syntaxError(off int, problem string) *Error {
	return &Error{Type: ErrorTypeMalformedEvent,
		Message: "malformed event: invalid JSON at byte " + strconv.Itoa(off) + ": " + problem}
}
