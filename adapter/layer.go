package adapter

import (
	"archive/zip"
	"io"
	"io/fs"
	"strings"
	"time"
)

// Layer layout (adapter.md §6): Lambda unpacks a layer into /opt.
const (
	LayerExtensionDir = "extensions/"
	LayerBootstrap    = "bootstrap" // /opt/bootstrap, the AWS_LAMBDA_EXEC_WRAPPER
)

// BootstrapScript is the exec wrapper. Managed runtimes start it with their own command line
// (e.g. /var/lang/bin/node … /var/runtime/index.mjs), which it ignores: it execs the function's
// handler script instead, so the language's runtime client never starts and the slipway extension
// is the only Runtime API client. The handler (run.sh) must be executable with LF line endings,
// and should exec the web server so it receives SIGTERM at shutdown.
const BootstrapScript = `#!/bin/sh
# slipway exec wrapper: set AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap and the handler to your start
# script (e.g. run.sh). The runtime command passed as arguments is deliberately ignored.
handler="${LAMBDA_TASK_ROOT:-/var/task}/${_HANDLER:?slipway: _HANDLER is not set}"
if [ ! -x "$handler" ]; then
	echo "slipway: $handler is not an executable file (chmod +x it; use LF line endings)" >&2
	exit 126
fi
exec "$handler"
`

// WriteLayer writes a layer zip holding extensions/<extensionName> (the slipway binary read from
// binary) and the bootstrap wrapper, both mode 0755.
func WriteLayer(w io.Writer, binary io.Reader, extensionName string) error {
	zw := zip.NewWriter(w)
	mtime := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // reproducible archives
	add := func(name string, mode uint32, src io.Reader) error {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(modeOf(mode, name))
		f, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if src != nil {
			_, err = io.Copy(f, src)
		}
		return err
	}
	if err := add(LayerExtensionDir, 0o755, nil); err != nil {
		return err
	}
	if err := add(LayerExtensionDir+extensionName, 0o755, binary); err != nil {
		return err
	}
	if err := add(LayerBootstrap, 0o755, strings.NewReader(BootstrapScript)); err != nil {
		return err
	}
	return zw.Close()
}

func modeOf(perm uint32, name string) fs.FileMode {
	m := fs.FileMode(perm)
	if strings.HasSuffix(name, "/") {
		m |= fs.ModeDir
	}
	return m
}
