// Package bench compares slipway's invocation path with its peers (algnhsa,
// aws-lambda-go-api-proxy's httpadapter, aws-lambda-go's lambdaurl): bytes in → net/http handler
// → bytes out, on AWS's sample events. It is a separate module so that the peers never become
// dependencies of slipway. See BENCHMARKS.md at the repository root for results and commands.
package bench
