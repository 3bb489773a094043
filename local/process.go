package local

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// procSpec is one process of an environment: the runtime or an external extension. Its stdout
// and stderr are the environment's log pipe.
type procSpec struct {
	name string   // for logs: "runtime" or the extension's name
	path string   // resolved executable
	argv []string // argv[0] is what the process sees as its name
	env  []string
	dir  string
}

// process is a running runtime or extension process, seen from the Function's side.
type process struct {
	spec  procSpec
	pid   int
	group *procGroup

	exited chan struct{} // closed once the process has exited; state is valid then
	state  string        // "exit status 1", "signal: killed", …
}

// terminate asks the process to stop (SIGTERM).
func (p *process) terminate() { p.group.signal(p, false) }

// kill kills the process and its process group at once (SIGKILL). What escaped the group is
// killed with the whole procGroup.
func (p *process) kill() { p.group.signal(p, true) }

// resolveCommand finds the executable for name the way a shell would: names with a slash are
// relative to dir, others are searched in the PATH of env (falling back to ours).
func resolveCommand(name, dir string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("command %q: %w", name, err)
		}
		return p, nil
	}
	path := os.Getenv("PATH")
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, name)
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("command %q not found in PATH", name)
}

func checkExecutable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errors.New("no such file")
		}
		return err
	}
	if st.IsDir() {
		return errors.New("is a directory")
	}
	if st.Mode()&0o111 == 0 {
		return errors.New("not executable")
	}
	return nil
}
