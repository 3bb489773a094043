package runtimeapi

import "time"

// SetMaxStreamSize lowers the stream limit of c so tests need not send 200 MB.
func SetMaxStreamSize(c *Client, n int64) { c.maxStream = n }

// SetWireIdleLimit lowers how long a pooled connection may idle before a post avoids it.
func SetWireIdleLimit(d time.Duration) (restore func()) {
	old := wireIdleLimit
	wireIdleLimit = d
	return func() { wireIdleLimit = old }
}
