package adapter

import (
	"errors"
	"fmt"

	"github.com/slipway-dev/slipway/event"
	"github.com/slipway-dev/slipway/runtimeapi"
)

// Error types the adapter reports to Lambda (the errorType of /error and /init/error posts, and of
// the trailers of a failed stream). They are stable: users alarm and retry on them. Decoding
// failures use the codec's types (event.ErrorTypeMalformedEvent, event.ErrorTypeInvalidBase64,
// event.ErrorTypePassThroughStatus) and an oversize result the platform's
// Function.ResponseSizeTooLarge.
const (
	// ErrorTypeConfig: a variable has a value the adapter cannot use (init error).
	ErrorTypeConfig = "Slipway.ConfigInvalid"
	// ErrorTypeAppExited: the app process exited (init error during init, else invocation error).
	ErrorTypeAppExited = "Slipway.AppExited"
	// ErrorTypeReadinessTimeout: the app was not ready within AWS_LWA_READINESS_CHECK_TIMEOUT_SECONDS.
	ErrorTypeReadinessTimeout = "Slipway.ReadinessTimeout"
	// ErrorTypeAppNotReady: the invocation's deadline passed while waiting for the app to be ready
	// (async init).
	ErrorTypeAppNotReady = "Slipway.AppNotReady"
	// ErrorTypeAppUnreachable: the request could not be delivered (connection refused or reset
	// before any response byte, after the stale-connection retry).
	ErrorTypeAppUnreachable = "Slipway.AppUnreachable"
	// ErrorTypeAppTimeout: the app did not answer (or finish its body) before the deadline.
	ErrorTypeAppTimeout = "Slipway.AppTimeout"
	// ErrorTypeAppResponse: the app's response was unusable — malformed, or its body was
	// truncated or failed while being read (also the trailer type of an interrupted stream).
	ErrorTypeAppResponse = "Slipway.AppResponseError"
	// ErrorTypeErrorStatus: the app answered with a status listed in AWS_LWA_ERROR_STATUS_CODES;
	// errorMessage is {"statusCode":…,"body":"…"}.
	ErrorTypeErrorStatus = "Slipway.ErrorStatus"
	// ErrorTypeSnapStartHook: a SnapStart hook request failed or the app was not ready after restore.
	ErrorTypeSnapStartHook = "Slipway.SnapStartHookFailed"
	// ErrorTypeRegistration: registering as a Lambda extension failed.
	ErrorTypeRegistration = "Slipway.ExtensionRegistrationFailed"
	// ErrorTypeResponseTooLarge: the result exceeds Lambda's 6 MiB (+100 bytes) buffered limit.
	ErrorTypeResponseTooLarge = runtimeapi.ErrorTypeResponseTooLarge
)

// failure is an error with the errorType Lambda should report. Its message never carries header
// values or bodies (except the body of a listed error status, which LWA puts there on purpose).
type failure struct {
	typ string
	msg string
	err error // cause, for logs only
}

func (f *failure) Error() string {
	if f.err != nil {
		return f.msg + ": " + f.err.Error()
	}
	return f.msg
}
func (f *failure) ErrorType() string { return f.typ }
func (f *failure) Unwrap() error     { return f.err }

func newFailure(typ string, cause error, format string, args ...any) *failure {
	return &failure{typ: typ, msg: fmt.Sprintf(format, args...), err: cause}
}

// errorType returns the errorType of err: its own when it has one, else Runtime.Unknown.
func errorType(err error) string {
	var t runtimeapi.ErrorTyper
	if errors.As(err, &t) {
		return t.ErrorType()
	}
	return runtimeapi.ErrorTypeUnknown
}

// asLambdaError is err as the JSON body Lambda gets: a stable type and a readable message.
func asLambdaError(err error) *runtimeapi.Error {
	var ee *event.Error
	if errors.As(err, &ee) {
		return &runtimeapi.Error{Type: ee.Type, Message: ee.Message}
	}
	return &runtimeapi.Error{Type: errorType(err), Message: err.Error()}
}
