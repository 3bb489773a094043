// Package runtimeapi is a client for the AWS Lambda Runtime API (2018-06-01) and Extensions API
// (2020-01-01): the one client slipway's adapter, its Go library and its tests use.
//
// A Client long-polls /next for invocations, posts buffered results and errors, and streams
// responses with real HTTP chunks and error trailers. Serve runs the usual runtime loop with one or
// more concurrent pollers (Lambda Managed Instances allow several invocations per environment).
// ExtensionClient registers an extension and receives its INVOKE and SHUTDOWN events.
//
// A handler run by Serve may hand an event's memory back with Invocation.ReleasePayload once
// nothing refers to it, so that a steady stream of events does not allocate a buffer for each.
//
// The wire protocol (paths, headers, limits) is declared once, in protocol.go, for both sides:
// these clients and the emulated server in package local.
package runtimeapi
