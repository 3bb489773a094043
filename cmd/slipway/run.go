package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/slipway-dev/slipway/adapter"
	"github.com/slipway-dev/slipway/runtimeapi"
)

const runIntro = `Usage: slipway run [--] CMD [ARGS…]

Runs CMD, a web server listening on $AWS_LWA_PORT (or $PORT, default 8080), behind the Lambda
Runtime API: each Lambda event becomes an HTTP request to it, each reply the Lambda response.
Off Lambda (no AWS_LAMBDA_RUNTIME_API) it simply execs CMD, so the same image runs on Fargate,
EC2 or a laptop. Copied into /opt/extensions and started without arguments, it is the extension
of a container image whose CMD is the app.

Configuration — the variables of AWS Lambda Web Adapter (legacy names in brackets):
`

const runOutro = `
An invalid value stops slipway at start with a message naming the variable and what it accepts.
Try it locally: slipway local -- CMD [ARGS…]
`

// runUsage is the help of `slipway run`, with the adapter's variable table.
func runUsage() string {
	var b strings.Builder
	b.WriteString(runIntro)
	for _, v := range adapter.Variables {
		b.WriteString("  " + v.Name)
		if v.Legacy != "" {
			b.WriteString(" [" + v.Legacy + "]")
		}
		if v.Default != "" {
			b.WriteString("  (default " + v.Default + ")")
		}
		b.WriteString("\n        " + v.Help + "\n")
	}
	b.WriteString(runOutro)
	return b.String()
}

func runCommand(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			fmt.Print(runUsage())
			return 0
		case "--":
			args = args[1:]
		}
	}
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, runUsage())
		return 2
	}
	return adapter.RunWrapper(args)
}

func layerCommand(args []string) int {
	fs := flag.NewFlagSet("slipway layer", flag.ContinueOnError)
	out := fs.String("o", "layer.zip", "output `file`")
	binary := fs.String("binary", "", "slipway `binary` to package (default: this executable; must be a Linux build)")
	name := fs.String("name", "slipway", "extension file `name` under /opt/extensions")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: slipway layer [-o layer.zip] [--binary PATH] [--name slipway]")
		fmt.Fprintln(fs.Output(), "\nWrites a Lambda layer with extensions/<name> and the bootstrap exec wrapper.")
		fmt.Fprintln(fs.Output(), "Function settings: AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap, handler = your start script (run.sh).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := writeLayer(*out, *binary, *name); err != nil {
		fmt.Fprintf(os.Stderr, "slipway layer: %v\n", err)
		return 1
	}
	fmt.Printf("wrote %s (extensions/%s, bootstrap)\n", *out, *name)
	return 0
}

func writeLayer(out, binary, name string) error {
	if name == "" || name != filepath.Base(name) {
		return fmt.Errorf("invalid --name %q: a plain file name is required", name)
	}
	if binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		binary = exe
		if runtime.GOOS != "linux" {
			return fmt.Errorf("this slipway is a %s build; pass --binary with a Linux build (GOOS=linux go build ./cmd/slipway)", runtime.GOOS)
		}
	}
	bin, err := os.Open(binary)
	if err != nil {
		return err
	}
	defer bin.Close()
	magic := make([]byte, 4)
	if _, err := io.ReadFull(bin, magic); err != nil || !bytes.Equal(magic, []byte("\x7fELF")) {
		return fmt.Errorf("%s is not a Linux (ELF) executable", binary)
	}
	if _, err := bin.Seek(0, io.SeekStart); err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := adapter.WriteLayer(f, bin, name); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	return f.Close()
}

// extensionMode reports whether argv (no arguments) means "started by Lambda as an extension":
// Lambda runs every file in /opt/extensions without arguments and with AWS_LAMBDA_RUNTIME_API set.
// The adapter then registers under its own file name.
func extensionMode(argv []string) (int, bool) {
	if len(argv) != 1 || os.Getenv(runtimeapi.EnvRuntimeAPI) == "" {
		return 0, false
	}
	return adapter.RunExtension(filepath.Base(argv[0])), true
}
