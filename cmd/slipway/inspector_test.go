package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestInspectorPort(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    string
		wantErr string
	}{
		{map[string]string{}, "8080", ""},
		{map[string]string{"PORT": "3001"}, "3001", ""},
		{map[string]string{"AWS_LWA_PORT": "9090", "PORT": "3001"}, "9090", ""},
		{map[string]string{"AWS_LWA_PORT": "", "PORT": "3001"}, "", "AWS_LWA_PORT"},
		{map[string]string{"PORT": "http"}, "", "PORT"},
		{map[string]string{"PORT": "70000"}, "", "PORT"},
	} {
		got, err := inspectorPort(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: err %v, want one naming %s", tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: %q, %v", tc.env, got, err)
		}
	}
}

func TestServeInspectorOnLoopbackAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveInspector(ctx, ln) }()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/hello?x=1", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"path": "/hello"`) || !strings.Contains(string(body), `"headersInOrder": true`) {
		t.Errorf("unexpected answer: %s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the inspector did not stop")
	}
}
