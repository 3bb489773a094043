// Package local holds conformance tests of slipway local against AWS's own libraries: the AWS
// SDK for Go v2 Lambda client drives the Invoke API (sync, Event, DryRun, Tail, function errors,
// unknown functions, response streaming), and an aws-lambda-go function runs under --runtime.
// No AWS account is involved: the client uses static fake credentials and the local endpoint.
package local
