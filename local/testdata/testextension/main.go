// Command testextension is an external extension for slipway local's tests. It registers under
// its file name for INVOKE and SHUTDOWN and appends every event it receives, one JSON per line,
// to the file named by TEST_EXT_LOG (with "REGISTER {…}" and "ENV {…}" lines first). With
// TEST_EXT_INVOKE_MS it works that long after each INVOKE before asking for the next event.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2020-01-01/extension"
	logf, err := os.OpenFile(os.Getenv("TEST_EXT_LOG"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testextension: TEST_EXT_LOG:", err)
		os.Exit(1)
	}
	name := filepath.Base(os.Args[0])
	req, _ := http.NewRequest("POST", base+"/register", bytes.NewReader([]byte(`{"events":["INVOKE","SHUTDOWN"]}`)))
	req.Header.Set("Lambda-Extension-Name", name)
	req.Header.Set("Lambda-Extension-Accept-Feature", "accountId")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		os.Exit(1)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Header.Get("Lambda-Extension-Identifier")
	fmt.Fprintf(logf, "REGISTER %d %s\n", resp.StatusCode, body)
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	envJSON, _ := json.Marshal(env)
	fmt.Fprintf(logf, "ENV %s\n", envJSON)
	fmt.Printf("extension %s registered\n", name)
	work, _ := strconv.Atoi(os.Getenv("TEST_EXT_INVOKE_MS"))
	for {
		req, _ := http.NewRequest("GET", base+"/event/next", nil)
		req.Header.Set("Lambda-Extension-Identifier", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			os.Exit(1)
		}
		ev, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(logf, "%s\n", ev)
		var e struct{ EventType string }
		json.Unmarshal(ev, &e)
		if e.EventType == "SHUTDOWN" {
			os.Exit(0)
		}
		if work > 0 {
			time.Sleep(time.Duration(work) * time.Millisecond)
		}
	}
}
