package runtimeapi

// The wire protocol of the Lambda Runtime API (2018-06-01) and Extensions API (2020-01-01),
// in one place for both sides: this package's clients and the emulated server in package local.

// Environment variables Lambda sets for runtimes and extensions.
const (
	EnvRuntimeAPI     = "AWS_LAMBDA_RUNTIME_API"     // host:port of the Runtime and Extensions API
	EnvMaxConcurrency = "AWS_LAMBDA_MAX_CONCURRENCY" // concurrent invocations per environment (Managed Instances)
	EnvFunctionName   = "AWS_LAMBDA_FUNCTION_NAME"
	EnvFunctionVer    = "AWS_LAMBDA_FUNCTION_VERSION"
	EnvMemorySize     = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
	EnvLogGroup       = "AWS_LAMBDA_LOG_GROUP_NAME"
	EnvLogStream      = "AWS_LAMBDA_LOG_STREAM_NAME"
	EnvInitType       = "AWS_LAMBDA_INITIALIZATION_TYPE"
	EnvLogFormat      = "AWS_LAMBDA_LOG_FORMAT"
	EnvLogLevel       = "AWS_LAMBDA_LOG_LEVEL"
	EnvExecWrapper    = "AWS_LAMBDA_EXEC_WRAPPER"
	EnvTraceID        = "_X_AMZN_TRACE_ID"
	EnvHandler        = "_HANDLER"
	EnvTaskRoot       = "LAMBDA_TASK_ROOT"
	EnvRuntimeDir     = "LAMBDA_RUNTIME_DIR"
	EnvExecutionEnv   = "AWS_EXECUTION_ENV"
	EnvRegion         = "AWS_REGION"
	EnvDefaultRegion  = "AWS_DEFAULT_REGION"
)

// Runtime API paths, relative to http://$AWS_LAMBDA_RUNTIME_API.
const (
	RuntimeVersion     = "/2018-06-01"
	PathNext           = RuntimeVersion + "/runtime/invocation/next"
	PathInvocation     = RuntimeVersion + "/runtime/invocation/" // + {requestId} + PathSuffixResponse or PathSuffixError
	PathSuffixResponse = "/response"
	PathSuffixError    = "/error"
	PathInitError      = RuntimeVersion + "/runtime/init/error"
	// SnapStart in custom runtimes: restore/next returns only in a restored environment.
	PathRestoreNext  = RuntimeVersion + "/runtime/restore/next"
	PathRestoreError = RuntimeVersion + "/runtime/restore/error"
)

// Extensions, Logs and Telemetry API paths.
const (
	ExtensionVersion       = "/2020-01-01"
	PathExtensionRegister  = ExtensionVersion + "/extension/register"
	PathExtensionNext      = ExtensionVersion + "/extension/event/next"
	PathExtensionInitError = ExtensionVersion + "/extension/init/error"
	PathExtensionExitError = ExtensionVersion + "/extension/exit/error"
	PathLogs               = "/2020-08-15/logs"
	PathTelemetry          = "/2022-07-01/telemetry"
)

// Headers on /next responses.
const (
	HeaderRequestID       = "Lambda-Runtime-Aws-Request-Id"
	HeaderDeadlineMs      = "Lambda-Runtime-Deadline-Ms"
	HeaderFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	HeaderTraceID         = "Lambda-Runtime-Trace-Id"
	HeaderClientContext   = "Lambda-Runtime-Client-Context"
	HeaderCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	HeaderTenantID        = "Lambda-Runtime-Aws-Tenant-Id"
)

// Headers and values on /response and /error posts.
const (
	HeaderFunctionErrorType = "Lambda-Runtime-Function-Error-Type"
	HeaderFunctionErrorBody = "Lambda-Runtime-Function-Error-Body" // trailer: base64 of the error JSON
	HeaderXRayErrorCause    = "Lambda-Runtime-Function-XRay-Error-Cause"
	HeaderResponseMode      = "Lambda-Runtime-Function-Response-Mode"
	ResponseModeStreaming   = "streaming"

	// ContentTypeError is the media type of error bodies in the Runtime API's OpenAPI document.
	ContentTypeError = "application/vnd.aws.lambda.error+json"
)

// Extensions API headers.
const (
	HeaderExtensionName          = "Lambda-Extension-Name"
	HeaderExtensionID            = "Lambda-Extension-Identifier"
	HeaderExtensionEventID       = "Lambda-Extension-Event-Identifier"
	HeaderExtensionAcceptFeature = "Lambda-Extension-Accept-Feature"
	HeaderExtensionErrorType     = "Lambda-Extension-Function-Error-Type"
)

// Extension event types and shutdown reasons. Reasons are compared case-insensitively.
const (
	EventInvoke   = "INVOKE"
	EventShutdown = "SHUTDOWN"

	ShutdownSpindown = "spindown"
	ShutdownTimeout  = "timeout"
	ShutdownFailure  = "failure"
)

// Limits.
const (
	// MaxRequestSize is the largest synchronous event Lambda accepts (6 MiB).
	MaxRequestSize = 6291456
	// MaxResponseSize is the largest buffered result a runtime may post (6 MiB + 100 bytes).
	MaxResponseSize = 6291556
	// MaxStreamSize is the largest streamed response (200 MB).
	MaxStreamSize = 200 * 1000 * 1000
)

// Error types the platform reports for failed invocations.
const (
	ErrorTypeUnknown          = "Runtime.Unknown"
	ErrorTypeExit             = "Runtime.ExitError"
	ErrorTypeUnhandled        = "Unhandled"
	ErrorTypeTimeout          = "Sandbox.Timedout"
	ErrorTypeResponseTooLarge = "Function.ResponseSizeTooLarge"
	ErrorTypeInvalidRequestID = "InvalidRequestID"
	ErrorTypeInvalidState     = "InvalidStateTransition"
	ErrorTypeTooLarge         = "RequestEntityTooLarge"
)

// Error types this package's clients report on their own.
const (
	// ErrorTypePanic is reported by Serve for a handler that panicked (unless the panic value has
	// an ErrorType of its own).
	ErrorTypePanic = "Runtime.Panic"
	// ErrorTypeNoResponse is reported by Serve for a handler that returned nil without posting.
	ErrorTypeNoResponse = "Runtime.NoResponse"
	// ErrorTypeMalformedInvocation is reported for an invocation whose /next headers are unusable.
	ErrorTypeMalformedInvocation = "Runtime.MalformedInvocation"
	// ErrorTypeExtensionUnknown is the default error type of extension init and exit errors.
	ErrorTypeExtensionUnknown = "Extension.Unknown"
)
