package runtimeapi

import (
	"fmt"
	"strconv"
)

// FunctionInfo is what Lambda tells a function about itself through its environment.
type FunctionInfo struct {
	Name, Version, LogGroup, LogStream, Region string
	MemoryMB                                   int
	InitializationType                         string
	MaxConcurrency                             int // AWS_LAMBDA_MAX_CONCURRENCY, 1 when unset
}

// FunctionInfoFromEnv reads FunctionInfo from the process environment via getenv.
// Unset variables stay empty (zero); a memory size or concurrency that is set but not a positive
// integer is an error naming the variable, so a misconfigured emulator fails at start.
func FunctionInfoFromEnv(getenv func(string) string) (FunctionInfo, error) {
	fi := FunctionInfo{
		Name:               getenv(EnvFunctionName),
		Version:            getenv(EnvFunctionVer),
		LogGroup:           getenv(EnvLogGroup),
		LogStream:          getenv(EnvLogStream),
		Region:             getenv(EnvRegion),
		InitializationType: getenv(EnvInitType),
		MaxConcurrency:     1,
	}
	if fi.Region == "" {
		fi.Region = getenv(EnvDefaultRegion)
	}
	var err error
	if fi.MemoryMB, err = positiveInt(getenv, EnvMemorySize, 0); err != nil {
		return fi, err
	}
	if fi.MaxConcurrency, err = positiveInt(getenv, EnvMaxConcurrency, 1); err != nil {
		return fi, err
	}
	return fi, nil
}

func positiveInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return def, fmt.Errorf("runtimeapi: %s=%q: want a positive integer", name, clip(v))
	}
	return n, nil
}
