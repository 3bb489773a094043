package adapter

// Variable documents one environment variable the adapter reads. The table is what
// `slipway run --help` prints and what the README's configuration table is checked against.
type Variable struct {
	Name    string
	Legacy  string // name LWA read before 1.0, still honoured ("" if none)
	Default string
	Help    string
}

// Variables lists every variable of adapter.md §1 in the order users meet them.
var Variables = []Variable{
	{EnvPort, legacyPort, "8080", "port the app listens on"},
	{EnvHost, legacyHost, DefaultHost, "host the adapter connects to"},
	{EnvReadinessPort, legacyReadinessPort, "the app port", "port of the readiness check"},
	{EnvReadinessPath, legacyReadinessPath, DefaultReadinessPath, "path of the HTTP readiness check (query allowed)"},
	{EnvReadinessProtocol, legacyReadinessProtocol, "http", "http (GET, status in the healthy list) or tcp (connect)"},
	{EnvHealthyStatus, "", DefaultHealthyStatus, "statuses that mean ready: codes and ranges, e.g. 200-399,404"},
	{EnvReadinessTimeout, "", "unbounded", "seconds (fractions allowed) to wait for readiness before init fails"},
	{EnvAsyncInit, legacyAsyncInit, "false", "finish init after 9.8 s even if the app is not ready; the first request waits"},
	{EnvRemoveBasePath, legacyRemoveBasePath, "", "prefix removed from request paths, on a segment boundary"},
	{EnvPassThroughPath, "", "/events", "path non-HTTP events (SQS, SNS, S3, EventBridge…) are POSTed to"},
	{EnvEnableCompression, "", "false", "gzip or br responses per Accept-Encoding (buffered mode only)"},
	{EnvInvokeMode, "", "buffered", "buffered or response_stream (must match the Function URL's invoke mode)"},
	{EnvAuthorizationSource, "", "", "header whose value replaces Authorization (IAM-auth Function URLs)"},
	{EnvErrorStatusCodes, "", "", "app statuses that fail the invocation, e.g. 500,502-504"},
	{EnvRuntimeAPIProxy, "", "", "host:port used for Runtime API calls instead of AWS_LAMBDA_RUNTIME_API"},
	{EnvPoolIdleTimeout, "", "4", "seconds an idle keep-alive connection to the app is kept (0 = no reuse)"},
	{EnvSnapStartBeforeCheckpont, "", "", "app path POSTed before a SnapStart snapshot"},
	{EnvSnapStartAfterRestore, "", "", "app path POSTed after a SnapStart restore"},
	{EnvMinUnhealthyStatus, "", "", "removed in LWA 1.0 and ignored (a warning names the replacement)"},
}
