// Package events holds the conformance tests of package event against AWS's own sample events
// and response types (github.com/aws/aws-lambda-go/events): recognition and decoding of every
// sample, cross-checked with aws-lambda-go's typed unmarshalling, and responses that unmarshal
// into aws-lambda-go's response structs. Tests only; nothing here ships.
package events
