package adapter

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestWriteLayer(t *testing.T) {
	var buf bytes.Buffer
	binary := []byte("\x7fELF fake binary")
	if err := WriteLayer(&buf, bytes.NewReader(binary), "slipway"); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		if f.Name != "extensions/" && f.Mode().Perm() != 0o755 {
			t.Errorf("%s mode %v, want 0755", f.Name, f.Mode())
		}
		if f.Mode().IsDir() {
			continue
		}
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if len(files) != 2 || !bytes.Equal(files["extensions/slipway"], binary) {
		t.Fatalf("layer files %v", keys(files))
	}
	script := files["bootstrap"]
	if bytes.Contains(script, []byte("\r")) || !bytes.HasPrefix(script, []byte("#!/bin/sh\n")) {
		t.Errorf("bootstrap must be a sh script with LF endings: %q", script)
	}

	// Run the wrapper as Lambda would: with the managed runtime's command line as arguments,
	// which it must ignore in favour of $LAMBDA_TASK_ROOT/$_HANDLER, replacing itself (exec).
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(wrapper, script, 0o755); err != nil {
		t.Fatal(err)
	}
	task := filepath.Join(dir, "task")
	os.Mkdir(task, 0o755)
	os.WriteFile(filepath.Join(task, "run.sh"), []byte("#!/bin/sh\necho \"handler pid=$$ ppid=$PPID args=$#\"\n"), 0o755)
	cmd := exec.Command(wrapper, "/var/lang/bin/node", "/var/runtime/index.mjs")
	cmd.Env = append(os.Environ(), "LAMBDA_TASK_ROOT="+task, "_HANDLER=run.sh")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := "handler pid=" + strconv.Itoa(cmd.Process.Pid) + " ppid=" + strconv.Itoa(os.Getpid()) + " args=0\n"
	if string(out) != want {
		t.Errorf("wrapper output %q, want %q (the handler must replace the wrapper and get no arguments)", out, want)
	}

	// A handler that is not executable gets a clear message.
	os.WriteFile(filepath.Join(task, "plain.sh"), []byte("#!/bin/sh\n"), 0o644)
	cmd = exec.Command(wrapper)
	cmd.Env = append(os.Environ(), "LAMBDA_TASK_ROOT="+task, "_HANDLER=plain.sh")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "plain.sh is not an executable file") {
		t.Errorf("non-executable handler: %v %s", err, out)
	}
}

func keys(m map[string][]byte) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}
