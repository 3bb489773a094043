package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadEnvFile(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{"A=1\n# comment\n\n  export B = two words \nC='quoted'\nD=\"x=y\"\nE=\n", []string{"A=1", "B=two words", "C=quoted", "D=x=y", "E="}, ""},
		{"A=1\r\nB=2\r\n", []string{"A=1", "B=2"}, ""},
		{"A=1\nNOEQUALS\n", nil, ":2: expected KEY=VALUE"},
		{"=value\n", nil, ":1: expected KEY=VALUE"},
		{"TWO WORDS=x\n", nil, ":1: expected KEY=VALUE"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "env")
		os.WriteFile(path, []byte(tt.in), 0o644)
		got, err := readEnvFile(path)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "--env-file") {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %q %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzReadEnvFile: any file yields KEY=VALUE entries with a non-empty key, or an error naming
// the flag — never a panic.
func FuzzReadEnvFile(f *testing.F) {
	f.Add("A=1\nexport B='2'\n# c\n")
	f.Add("\"=\"\n=\n\x00=\xff")
	path := filepath.Join(f.TempDir(), "env")
	f.Fuzz(func(t *testing.T, in string) {
		if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
			t.Skip()
		}
		env, err := readEnvFile(path)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--env-file") {
				t.Fatalf("error without the flag's name: %v", err)
			}
			return
		}
		for _, kv := range env {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" || strings.ContainsAny(k, " \t") {
				t.Fatalf("entry %q", kv)
			}
		}
	})
}

func TestLocalFlagsConfig(t *testing.T) {
	lf := localFlags{listen: "127.0.0.1:3000", event: "url", stream: true, name: "fn", arch: "arm64", region: "us-east-1",
		account: "123456789012", concurrency: 4, perEnv: 1, memory: 512, maxAsync: 1 << 20}
	lf.timeout.Set("3")
	lf.initTimeout.Set("10s")
	lf.idleTimeout.Set("1m")
	lf.grace.Set("2s")
	cfg, fd, err := lf.config([]string{"node", "server.js"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Runtime || !reflect.DeepEqual(cfg.Command, []string{"node", "server.js"}) || len(cfg.AdapterCommand) != 3 ||
		cfg.AdapterCommand[1] != "run" || !cfg.AssignPorts || cfg.Timeout.String() != "3s" || cfg.Arch != "arm64" {
		t.Errorf("config %+v", cfg)
	}
	if !reflect.DeepEqual(cfg.Env, []string{"AWS_LWA_INVOKE_MODE=response_stream"}) || !fd.Streaming || fd.Kind != "url" {
		t.Errorf("--stream: env %q, front door %+v", cfg.Env, fd)
	}
	// No command: the built-in inspector behind the adapter.
	cfg, _, err = lf.config(nil)
	if err != nil || len(cfg.Command) != 2 || cfg.Command[1] != "inspector" {
		t.Errorf("default command %q %v", cfg.Command, err)
	}
}
