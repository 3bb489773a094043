package adapter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every variable LoadConfig reads is documented in Variables, and nothing else is: a variable
// added to the code but not to the table (or the README, which is checked against the table)
// fails here.
func TestVariablesDocumentEveryVariableRead(t *testing.T) {
	read := map[string]bool{}
	lookup := func(name string) (string, bool) {
		read[name] = true
		if name == "AWS_LAMBDA_RUNTIME_API" {
			return "127.0.0.1:9001", true
		}
		return "", false
	}
	if _, err := LoadConfig(lookup); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, v := range Variables {
		documented[v.Name] = true
		if v.Legacy != "" {
			documented[v.Legacy] = true
		}
		if v.Help == "" {
			t.Errorf("%s has no help text", v.Name)
		}
	}
	for name := range read {
		if (strings.HasPrefix(name, "AWS_LWA_") || !strings.HasPrefix(name, "AWS_")) && !documented[name] {
			t.Errorf("LoadConfig reads %s but Variables does not document it", name)
		}
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("Variables documents %s but LoadConfig never reads it", name)
		}
	}
}

// The README's configuration table names every variable and legacy name the adapter reads.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Variables {
		for _, name := range []string{v.Name, v.Legacy} {
			if name != "" && !strings.Contains(string(readme), "`"+name+"`") {
				t.Errorf("README.md does not document %s", name)
			}
		}
	}
}
