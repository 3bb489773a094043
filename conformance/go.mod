module github.com/slipway-dev/slipway/conformance

go 1.26

replace github.com/slipway-dev/slipway => ../

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/slipway-dev/slipway v0.0.0-00010101000000-000000000000
)
