package examples

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// extensionPath is where the Dockerfiles put slipway, and where the READMEs say to.
const extensionPath = "/opt/extensions/slipway"

// TestDockerfiles checks what can be checked without a Docker engine: each image puts slipway
// in /opt/extensions under the name the READMEs use, starts the app with an exec-form CMD, and
// its README shows the same COPY and CMD lines; the layer's run.sh runs the same command.
func TestDockerfiles(t *testing.T) {
	for _, ex := range imageApps {
		t.Run(ex.name, func(t *testing.T) {
			df := readDockerfile(t, filepath.Join(ex.dir, "Dockerfile"))
			readme, err := os.ReadFile(filepath.Join(ex.dir, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			var copyLine string
			for _, line := range df.lines {
				if f := strings.Fields(line); f[0] == "COPY" && f[len(f)-1] == extensionPath {
					copyLine = line
				}
			}
			if copyLine == "" {
				t.Errorf("the final stage copies nothing to %s", extensionPath)
			} else if !strings.Contains(string(readme), copyLine) {
				t.Errorf("README.md does not show the Dockerfile's line %q", copyLine)
			}
			cmdLine := "CMD " + jsonArray(df.cmd)
			if !slices.Contains(df.lines, cmdLine) {
				t.Errorf("CMD is not written as %s", cmdLine)
			}
			if !strings.Contains(string(readme), cmdLine) {
				t.Errorf("README.md does not show the Dockerfile's %s", cmdLine)
			}

			runSh := filepath.Join(ex.dir, "run.sh")
			b, err := os.ReadFile(runSh)
			if errors.Is(err, os.ErrNotExist) && ex.dir == "go" {
				return // a provided.al2023 function's bootstrap is the binary itself
			}
			if err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(runSh); fi.Mode()&0o111 == 0 {
				t.Errorf("run.sh is not executable (Lambda runs the handler file as is)")
			}
			if strings.Contains(string(b), "\r") || !strings.HasPrefix(string(b), "#!/bin/sh\n") {
				t.Errorf("run.sh must start with #!/bin/sh and use LF line endings")
			}
			if want := "exec " + strings.Join(df.cmd, " "); !strings.Contains(string(b), "\n"+want+"\n") {
				t.Errorf("run.sh does not run the image's command: want a line %q", want)
			}
		})
	}
}

func jsonArray(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		b, _ := json.Marshal(w)
		quoted[i] = string(b)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// extensionsDir makes dir/opt/extensions holding a copy of slipway, as the image layout has it.
func extensionsDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "opt", "extensions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, slipwayBin, filepath.Join(dir, "slipway"), 0o755)
	return dir
}

func copyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

var extensionReady = regexp.MustCompile(`EXTENSION\tName: (slipway)\tState: Ready`)

// checkServes makes the requests that show the adapter is in front of ex: for web apps an echo
// with the event's context and the cookies, for the streaming app a streamed event stream, for
// the SQS app a batch through the Invoke API.
func checkServes(t *testing.T, ex example, base string, streamed bool) {
	t.Helper()
	switch ex.name {
	case streaming.name:
		checkSSE(t, base, streamed)
	case sqs.name:
		checkSQS(t, base)
	default:
		e := echo(t, base, request{method: "POST", target: "/echo/image?x=1", body: []byte("hi")})
		if e.Path != "/echo/image" || e.Body != digestOf([]byte("hi")) || len(e.RequestContext) < 3 || len(e.LambdaContext) < 3 {
			t.Errorf("echo %+v: want the request and Lambda's context", e)
		}
		resp, _ := send(t, base, request{method: "GET", target: "/cookies"})
		if n := len(resp.Header.Values("Set-Cookie")); n != 2 {
			t.Errorf("%d Set-Cookie headers, want 2", n)
		}
	}
}

// TestImageMode runs each image's layout: slipway in /opt/extensions starts first as an
// extension and is the adapter; the image's CMD (with its ENV) runs as is, without a wrapper.
func TestImageMode(t *testing.T) {
	for _, ex := range imageApps {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			command, env := ex.prepare(t)
			flags := []string{"--extensions", extensionsDir(t)}
			if ex.name == streaming.name {
				flags = append(flags, "--event", "url", "--stream")
			}
			for _, kv := range env {
				flags = append(flags, "--env", kv)
			}
			srv := startLocal(t, "slipway local", ex.image(), flags, command)
			checkServes(t, ex, srv.base, true)
			srv.waitOutput(extensionReady, 5*time.Second)
		})
	}
}

// TestZipLayer runs the zip + layer layout: the layer `slipway layer` writes, unpacked as Lambda
// unpacks it into /opt; AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap receives the managed runtime's
// command, ignores it and execs the handler, run.sh. For Go (provided.al2023) the function's
// bootstrap is the server binary itself and the layer only adds the extension.
func TestZipLayer(t *testing.T) {
	opt := filepath.Join(t.TempDir(), "opt")
	layerZip := filepath.Join(t.TempDir(), "layer.zip")
	if out, err := exec.Command(slipwayBin, "layer", "-o", layerZip).CombinedOutput(); err != nil {
		t.Fatalf("slipway layer: %v\n%s", err, out)
	}
	unzip(t, layerZip, opt)

	for _, ex := range imageApps {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			ex.prepare(t)
			flags := []string{"--runtime", "--extensions", filepath.Join(opt, "extensions")}
			if ex.name == streaming.name {
				flags = append(flags, "--event", "url", "--stream")
			}
			dir := ex.image()
			var command []string
			if ex.dir == "go" {
				// The zip holds the server binary as bootstrap.
				dir = t.TempDir()
				copyFile(t, filepath.Join(goTaskRoot, "server"), filepath.Join(dir, "bootstrap"), 0o755)
				command = []string{"./bootstrap"}
			} else {
				// What a managed runtime hands the wrapper; the wrapper must ignore it.
				command = []string{filepath.Join(opt, "bootstrap"), "/var/lang/bin/runtime", "/var/runtime/index.mjs"}
				flags = append(flags, "--env", "_HANDLER=run.sh", "--env", "AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap")
			}
			srv := startLocal(t, "slipway local", dir, flags, command)
			checkServes(t, ex, srv.base, true)
			srv.waitOutput(extensionReady, 5*time.Second)
		})
	}
}

// unzip extracts a layer zip into dir with the archive's file modes, as Lambda does into /opt.
func unzip(t *testing.T, zipPath, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(dst, filepath.Clean(dir)+string(filepath.Separator)) {
			t.Fatalf("layer entry %q escapes the layer directory", f.Name)
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode().Perm())
		if err == nil {
			_, err = io.Copy(out, rc)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestOffLambda is the Fargate path: the image's CMD under `slipway run`, with no Lambda
// Runtime API, is the app itself (slipway execs it) serving plain HTTP on PORT, and it stops
// cleanly on SIGTERM as ECS sends it. The library example is its own server: it runs as is.
func TestOffLambda(t *testing.T) {
	for _, ex := range append(httpApps, streaming, sqs) {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			command, _ := ex.prepare(t)
			argv := command
			if !ex.runtime {
				argv = append([]string{slipwayBin, "run", "--"}, command...)
			}
			p, base := startOnPort(t, "app", ex.image(), argv)

			if runtime.GOOS == "linux" && !ex.runtime {
				cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/cmdline")
				// argv[0] may be resolved further by the interpreter (a pyenv shim execs the real python3).
				got := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
				if err != nil || filepath.Base(got[0]) != filepath.Base(command[0]) || !slices.Equal(got[1:], command[1:]) {
					t.Errorf("process %d runs %q, want the app itself, %q (slipway run execs it off Lambda)", p.cmd.Process.Pid, got, command)
				}
			}
			switch ex.name {
			case streaming.name:
				checkSSE(t, base, true)
			case sqs.name:
				resp, body := send(t, base, request{method: "GET", target: "/"})
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET /: %d %s", resp.StatusCode, body)
				}
			default:
				e := echo(t, base, request{method: "GET", target: "/echo/plain?a=1&a=2", header: [][]string{{"X-Multi", "one"}, {"X-Multi", "two"}}})
				if e.Path != "/echo/plain" || e.RawQuery != "a=1&a=2" || !slices.Equal(e.Headers["x-multi"], []string{"one", "two"}) {
					t.Errorf("echo %+v: want the request as sent", e)
				}
				if string(e.RequestContext) != "null" || string(e.LambdaContext) != "null" {
					t.Errorf("off Lambda the app got Lambda context: %s %s", e.RequestContext, e.LambdaContext)
				}
				testBinaryDownload(t, &fixture{ex: ex, srv: &localServer{base: base}})
			}

			// ECS stops a task with SIGTERM: the app must finish and exit 0.
			p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
				if p.err != nil {
					t.Errorf("after SIGTERM the app exited with %v, want 0", p.err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("the app did not exit within 10 s of SIGTERM")
			}
		})
	}
}
