// Package local emulates the AWS Lambda platform on one machine, without Docker.
//
// A Function owns a pool of execution environments. Each environment is a set of real processes
// (the runtime and any external extensions) with its own loopback Runtime and Extensions API
// listener, so the server always knows which environment is calling and every runtime client
// works unchanged. Invocations go to a warm environment (most recently used first), cold-start a
// new one while the pool is below its concurrency, or are throttled. Timeouts and crashes kill the
// environment's whole process tree and replace it; logs look like CloudWatch's, with a REPORT line
// carrying the measured memory and an estimated cost.
//
// No process outlives the Function, even when the process holding it is killed with SIGKILL: every
// runtime and extension is started through a small supervisor (the same binary, re-executed) that
// is a child subreaper, notices its parent's death through a pipe and kills everything below it.
// InvokeAPI serves the Lambda Invoke API for a Function.
package local
