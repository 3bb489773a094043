// Package examples holds slipway's example apps — Express, Fastify, Python's standard library,
// Go (the library and a plain server), server-sent events streaming and an SQS consumer — and
// the end-to-end tests that run each of them through real slipway processes: every app behind
// every front door of slipway local (API Gateway REST and HTTP APIs, Function URLs buffered and
// streaming, ALB single- and multi-value), in the image layout (slipway in /opt/extensions), in
// the zip + layer layout (/opt/bootstrap exec wrapper) and off Lambda (slipway run with no
// Runtime API, as on Fargate).
//
// The package has no code of its own; the apps live in the directories beside this file, each
// with a README, a Dockerfile and a run.sh for the layer.
package examples
