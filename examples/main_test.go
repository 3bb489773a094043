package examples

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Built once for the whole run by TestMain.
var (
	binDir     string // temporary directory holding the binaries below
	slipwayBin string // cmd/slipway
	goTaskRoot string // holds server (examples/go/cmd/server) and library (examples/go/cmd/library)

	// runMarker is put into the environment of every process the tests start. Children inherit
	// it, so any process still carrying it after the tests is an orphan (see findProcesses).
	runMarker string
)

const markerVar = "SLIPWAY_EXAMPLES_RUN"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if binDir, err = os.MkdirTemp("", "slipway-examples-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(binDir)
	id := make([]byte, 8)
	rand.Read(id)
	runMarker = hex.EncodeToString(id)

	slipwayBin = filepath.Join(binDir, "slipway")
	goTaskRoot = filepath.Join(binDir, "go")
	for _, b := range []struct{ out, pkg string }{
		{slipwayBin, "github.com/slipway-dev/slipway/cmd/slipway"},
		{filepath.Join(goTaskRoot, "server"), "github.com/slipway-dev/slipway/examples/go/cmd/server"},
		{filepath.Join(goTaskRoot, "library"), "github.com/slipway-dev/slipway/examples/go/cmd/library"},
	} {
		if err := goBuild(b.out, b.pkg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}

	code := m.Run()

	// No process started by the tests may outlive them: slipway local promises to take every
	// environment's process tree down with it, and slipway run execs the app.
	if left := waitForNoProcesses(runMarker, 5*time.Second); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: processes left running after the tests (now killed):\n%s", describeProcesses(left))
		killProcesses(left)
		code = 1
	}
	return code
}

func goBuild(out, pkg string) error {
	// go test puts its own toolchain first in PATH.
	cmd := exec.Command("go", "build", "-o", out, pkg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, stderr.String())
	}
	return nil
}

// testEnv is the environment of every process a test starts: ours, without anything that
// would make slipway believe it runs on Lambda, plus the orphan marker (scoped to the test so a
// leftover can be attributed).
func testEnv(t testing.TB, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "AWS_LAMBDA_RUNTIME_API" || strings.HasPrefix(k, "AWS_LWA_") || k == "PORT" || k == markerVar {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, markerVar+"="+testMarker(t))
	return append(env, extra...)
}

func testMarker(t testing.TB) string { return runMarker + "/" + t.Name() }
