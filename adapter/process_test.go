//go:build unix

package adapter

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func waitExit(t *testing.T, app *App) {
	t.Helper()
	select {
	case <-app.Done():
	case <-time.After(5 * time.Second):
		app.Kill()
		t.Fatal("app did not exit")
	}
}

func TestAppOwnGroupAndExitCode(t *testing.T) {
	app, err := StartApp([]string{"sh", "-c", "exit 3"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitExit(t, app)
	if app.ExitCode() != 3 || app.describeExit() != "exit status 3" {
		t.Errorf("exit %d %q", app.ExitCode(), app.describeExit())
	}

	app, err = StartApp([]string{"sh", "-c", "exit 0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitExit(t, app)
	if app.ExitCode() != 1 || !app.exitedCleanly() {
		t.Errorf("an app that stops on its own must not exit slipway with 0; got %d", app.ExitCode())
	}

	if _, err := StartApp([]string{"/nonexistent/app"}, nil); err == nil || !strings.Contains(err.Error(), "cannot start /nonexistent/app") {
		t.Errorf("err %v", err)
	}
}

// SIGTERM reaches every process of the app's group: here a shell that runs its server as a child
// without exec, the classic run.sh mistake.
func TestAppSignalReachesGroup(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "child-got-term")
	script := `sh -c 'trap "echo term > ` + marker + `; exit 0" TERM; while :; do sleep 0.05; done' & wait`
	app, err := StartApp([]string{"sh", "-c", script}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Kill()
	pgid, err := syscall.Getpgid(app.Pid())
	if err != nil || pgid != app.Pid() {
		t.Fatalf("app not leading its own process group: pgid %d pid %d (%v)", pgid, app.Pid(), err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := app.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(marker); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the grandchild never got SIGTERM")
}

func TestAppEnvironmentHidesRuntimeAPI(t *testing.T) {
	got := appEnv([]string{"AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001", "_X_AMZN_TRACE_ID=Root=1", "PORT=8080", "AWS_LWA_PORT=3000"})
	if strings.Join(got, " ") != "PORT=8080 AWS_LWA_PORT=3000" {
		t.Errorf("app env %q", got)
	}
}

func TestAppKilledBySignalExitCode(t *testing.T) {
	app, err := StartApp([]string{"sh", "-c", "kill -9 $$"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitExit(t, app)
	if app.ExitCode() != 128+9 {
		t.Errorf("exit code %d, want 137 (%s)", app.ExitCode(), app.describeExit())
	}
}
