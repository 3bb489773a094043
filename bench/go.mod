module github.com/slipway-dev/slipway/bench

go 1.26

require (
	github.com/akrylysov/algnhsa v1.1.0
	github.com/aws/aws-lambda-go v1.55.1
	github.com/awslabs/aws-lambda-go-api-proxy v0.16.2
	github.com/slipway-dev/slipway v0.0.0
)

replace github.com/slipway-dev/slipway => ../
