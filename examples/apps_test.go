package examples

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// example is one example app as the tests run it.
type example struct {
	name string // test name
	dir  string // its directory under examples/: source, README, Dockerfile
	// image is the directory that plays the image's /var/task: the source directory, or where
	// TestMain built the Go binaries.
	image   func() string
	runtime bool     // the command is a Lambda runtime itself (the Go library), not a web app
	command []string // nil: the Dockerfile's CMD
	needs   []string // interpreters it needs on PATH
}

var (
	express   = example{name: "express", dir: "express", image: srcDir("express"), needs: []string{"node", "npm"}}
	fastify   = example{name: "fastify", dir: "fastify", image: srcDir("fastify"), needs: []string{"node", "npm"}}
	python    = example{name: "python", dir: "python", image: srcDir("python"), needs: []string{"python3"}}
	goServer  = example{name: "go-server", dir: "go", image: goImage}
	goLibrary = example{name: "go-library", dir: "go", image: goImage, runtime: true, command: []string{"/var/task/library"}}
	streaming = example{name: "streaming", dir: "streaming", image: srcDir("streaming"), needs: []string{"node"}}
	sqs       = example{name: "sqs", dir: "sqs", image: srcDir("sqs"), needs: []string{"python3"}}

	// httpApps serve the common routes (/echo, /binary, /upload, /cookies, /status, /stream).
	httpApps = []example{express, fastify, python, goServer, goLibrary}
	// imageApps have a Dockerfile with slipway in /opt/extensions.
	imageApps = []example{express, fastify, python, goServer, streaming, sqs}
)

func srcDir(name string) func() string {
	return func() string {
		dir, _ := filepath.Abs(name)
		return dir
	}
}

func goImage() string { return goTaskRoot }

// prepare skips the test when the example's interpreter is missing, installs npm packages
// when node_modules is absent, and returns the command to run (with /var/task mapped to the
// example's image directory) and the image's ENV settings.
func (ex example) prepare(t testing.TB) (command, env []string) {
	t.Helper()
	for _, tool := range ex.needs {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the %s example needs it", tool, ex.name)
		}
	}
	if _, err := os.Stat(filepath.Join(ex.dir, "package-lock.json")); err == nil {
		npmInstall(t, ex.dir)
	}
	df := readDockerfile(t, filepath.Join(ex.dir, "Dockerfile"))
	command = ex.command
	if command == nil {
		command = df.cmd
	}
	return ex.mapImagePaths(command), df.env
}

// mapImagePaths rewrites image paths (/var/task/…) to the local directory that plays /var/task.
func (ex example) mapImagePaths(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if rest, ok := strings.CutPrefix(a, "/var/task/"); ok {
			a = filepath.Join(ex.image(), rest)
		}
		out[i] = a
	}
	return out
}

var npmOnce sync.Map // dir → *sync.Once

// npmInstall runs `npm ci` in dir once per test run if node_modules is missing (make setup
// normally did it).
func npmInstall(t testing.TB, dir string) {
	t.Helper()
	once, _ := npmOnce.LoadOrStore(dir, new(sync.Once))
	var err error
	var out []byte
	once.(*sync.Once).Do(func() {
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules")); statErr == nil {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		out, err = cmd.CombinedOutput()
	})
	if err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "node_modules")); statErr != nil {
		t.Fatalf("npm ci in %s did not install node_modules (see an earlier failure)", dir)
	}
}

// dockerfile is what the tests read from an example's Dockerfile: its final stage.
type dockerfile struct {
	from   string     // base image of the final stage
	copies [][]string // COPY instructions of the final stage, as words
	cmd    []string   // CMD, exec form
	env    []string   // ENV settings of the final stage, KEY=VALUE
	lines  []string   // instructions of the final stage as written (continuations joined)
}

// readDockerfile parses the subset of Dockerfile syntax the examples use: comments, line
// continuations, FROM, COPY, ENV KEY=VALUE and exec-form CMD.
func readDockerfile(t testing.TB, path string) dockerfile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var df dockerfile
	var cont string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cont == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cont += strings.TrimSpace(s) + " "
			continue
		}
		line, cont = cont+line, ""
		instr, args, _ := strings.Cut(line, " ")
		args = strings.TrimSpace(args)
		switch strings.ToUpper(instr) {
		case "FROM":
			df = dockerfile{from: strings.Fields(args)[0]}
		case "COPY":
			df.copies = append(df.copies, strings.Fields(args))
		case "ENV":
			for _, kv := range strings.Fields(args) {
				if !strings.Contains(kv, "=") {
					t.Fatalf("%s: ENV %s: the tests read only the KEY=VALUE form", path, args)
				}
				df.env = append(df.env, kv)
			}
		case "CMD":
			df.cmd = nil
			if err := json.Unmarshal([]byte(args), &df.cmd); err != nil || len(df.cmd) == 0 {
				t.Fatalf("%s: CMD %s is not in exec form (a JSON array): a shell-form CMD would not receive SIGTERM", path, args)
			}
		}
		df.lines = append(df.lines, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if df.cmd == nil {
		t.Fatalf("%s: the final stage has no CMD", path)
	}
	return df
}
