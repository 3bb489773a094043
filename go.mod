module github.com/slipway-dev/slipway

go 1.24

require github.com/andybalholm/brotli v1.2.8
