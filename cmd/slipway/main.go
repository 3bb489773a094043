// Command slipway runs web apps on AWS Lambda and emulates Lambda on one machine.
//
//	slipway run [--] CMD ARGS…     the adapter: CMD's HTTP server behind the Lambda Runtime API
//	slipway local [flags] [-- CMD]  Lambda on this machine: front door, Invoke API, environments
//	slipway layer -o layer.zip      a Lambda layer with the extension and the exec wrapper
//
// Started with no arguments on Lambda (as /opt/extensions/<name>), it is the adapter's extension.
package main

import (
	"fmt"
	"os"
)

// command is one subcommand; each lives in its own file.
type command struct {
	name    string
	summary string
	run     func(args []string) int
	hidden  bool
}

var commands = []command{
	{name: "run", summary: "run a web app behind the Lambda Runtime API (or plainly, off Lambda)", run: runCommand},
	{name: "local", summary: "emulate Lambda on this machine: front door, Invoke API, environments, logs", run: localCommand},
	{name: "layer", summary: "write a Lambda layer zip with the extension and the exec wrapper", run: layerCommand},
	{name: "inspector", summary: "serve the built-in inspector web app on $PORT", run: inspectorCommand, hidden: true},
}

func main() {
	os.Exit(dispatch(os.Args))
}

func dispatch(argv []string) int {
	if len(argv) < 2 {
		if code, ok := extensionMode(argv); ok {
			return code
		}
		usage(os.Stderr)
		return 2
	}
	name := argv[1]
	switch name {
	case "-h", "--help", "help":
		usage(os.Stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(argv[2:])
		}
	}
	fmt.Fprintf(os.Stderr, "slipway: unknown command %q\n\n", name)
	usage(os.Stderr)
	return 2
}

func usage(w *os.File) {
	fmt.Fprintln(w, "slipway runs your existing web app on AWS Lambda, and Lambda on your machine.")
	fmt.Fprintln(w, "\nUsage:\n  slipway <command> [flags] [-- CMD ARGS…]\n\nCommands:")
	for _, c := range commands {
		if !c.hidden {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintln(w, "\nRun 'slipway <command> --help' for a command's flags.")
}
