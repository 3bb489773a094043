package runtimeapi

// SetMaxStreamSize lowers the stream limit of c so tests need not send 200 MB.
func SetMaxStreamSize(c *Client, n int64) { c.maxStream = n }
