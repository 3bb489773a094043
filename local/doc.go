// Package local emulates the AWS Lambda platform on one machine, without Docker.
//
// A Function owns a pool of execution environments. Each environment is a set of real processes
// (the runtime and any external extensions) with its own loopback Runtime and Extensions API
// listener, so the server always knows which environment is calling and every runtime client
// works unchanged. Invocations go to a warm environment (most recently used first), cold-start a
// new one while the pool is below its concurrency, or are throttled. Timeouts and crashes kill
// the environment's processes and replace it; logs look like CloudWatch's, with a REPORT line
// carrying the measured memory and an estimated cost (package pricing). InvokeAPI serves the
// Lambda Invoke API for a Function. Every REPORT also feeds the session's Stats (WriteSummary
// turns them into the "Lambda or Fargate?" summary) and Config.OnReport (a ReportWriter keeps
// them as CSV or JSON).
//
// No process outlives the Function, even when the process holding it is killed with SIGKILL
// (Linux): an environment's processes run under a small supervisor — the program itself,
// re-executed with a marker that this package's init recognises — which is a child subreaper,
// notices its parent's death through a pipe and kills everything below it. One spare supervisor
// is kept started, so a cold start pays for the runtime's start only. Elsewhere processes run in
// their own process groups, without that guarantee.
package local
