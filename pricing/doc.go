// Package pricing estimates what AWS would charge, from one table of on-demand list prices
// (Lambda requests and GB-seconds per architecture, API Gateway requests, Fargate vCPU and memory
// hours). The prices were gathered by hand on a date recorded in the table; every figure derived
// from them is an estimate and is labelled so (Label). Free tiers and volume tiers apply per
// account per month, so per-request estimates use the first tier and no free tier. It also
// compares: Lambda's cost per million requests of a measured size, an always-on Fargate task's
// month, and the monthly volume above which the task is cheaper (BreakEven).
package pricing
