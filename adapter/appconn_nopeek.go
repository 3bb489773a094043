//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package adapter

import "net"

// canPeek is false where an idle connection cannot be checked without reading from it: the
// adapter then sends every request through http.Transport.
const canPeek = false

func connAlive(net.Conn) bool { return false }
