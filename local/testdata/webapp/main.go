// Command webapp is an ordinary web app for slipway local's end-to-end tests: it listens on
// 127.0.0.1:$PORT and answers every request with JSON describing it and itself. ?sleep=MS
// delays the answer (and reports when it slept, as Unix ns); ?chunks=N&gapms=M streams N lines,
// M milliseconds apart.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		var slept []int64
		if ms, _ := strconv.Atoi(r.URL.Query().Get("sleep")); ms > 0 {
			from := time.Now()
			time.Sleep(time.Duration(ms) * time.Millisecond)
			slept = []int64{from.UnixNano(), time.Now().UnixNano()}
		}
		if n, _ := strconv.Atoi(r.URL.Query().Get("chunks")); n > 0 {
			gap, _ := strconv.Atoi(r.URL.Query().Get("gapms"))
			w.Header().Set("Content-Type", "text/plain")
			for i := 0; i < n; i++ {
				if i > 0 {
					time.Sleep(time.Duration(gap) * time.Millisecond)
				}
				fmt.Fprintf(w, "chunk %d\n", i)
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"path":          r.URL.Path,
			"query":         r.URL.RawQuery,
			"pid":           os.Getpid(),
			"port":          os.Getenv("PORT"),
			"lambdaContext": r.Header.Get("X-Amzn-Lambda-Context") != "",
			"slept":         slept,
		})
	})
	if err := http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
