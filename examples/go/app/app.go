// Package app is the Go example's web app: one net/http handler, served two ways by the two
// mains beside it — cmd/library runs it as a Lambda function itself through
// slipway.ListenAndServe, cmd/server is a plain net/http server that runs behind the adapter
// (slipway run, or slipway as a Lambda extension in an image).
//
// It serves the routes every example app serves, so one end-to-end matrix checks them all:
// an echo of what the app received, deterministic binary bytes, an upload digest, two cookies,
// any status, a 404 and a slowly streamed response.
package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slipway-dev/slipway"
)

// Limits of the routes: request bodies and /binary sizes.
const (
	MaxBody   = 10 << 20
	MaxBinary = 10 << 20
)

// New returns the app's handler.
func New() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("/echo", echo)
	mux.HandleFunc("/echo/", echo)
	mux.HandleFunc("GET /binary", binary)
	mux.HandleFunc("POST /upload", upload)
	mux.HandleFunc("GET /cookies", cookies)
	mux.HandleFunc("/status/{code}", status)
	mux.HandleFunc("GET /stream", stream)
	mux.HandleFunc("/", notFound)
	return mux
}

func index(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"app":    "go",
		"routes": []string{"/echo", "/binary?size=N", "/upload", "/cookies", "/status/{code}", "/stream"},
	})
}

// Echo is what /echo answers: what the app received.
type Echo struct {
	App            string              `json:"app"`
	Method         string              `json:"method"`
	Path           string              `json:"path"`     // as sent on the request line, still encoded
	RawQuery       string              `json:"rawQuery"` // without "?"
	Query          map[string][]string `json:"query"`
	Headers        map[string][]string `json:"headers"` // lower-case names, every value in order
	Cookies        map[string]string   `json:"cookies"`
	Body           Digest              `json:"body"`
	RequestContext any                 `json:"requestContext"`
	LambdaContext  any                 `json:"lambdaContext"`
}

// Digest identifies a body without repeating it.
type Digest struct {
	Length int    `json:"length"`
	SHA256 string `json:"sha256"`
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	path, rawQuery, _ := strings.Cut(target, "?")
	headers := map[string][]string{"host": {r.Host}}
	for name, values := range r.Header {
		headers[strings.ToLower(name)] = values
	}
	cookies := map[string]string{}
	for _, c := range r.Cookies() {
		cookies[c.Name] = c.Value
	}
	query := r.URL.Query()
	if query == nil {
		query = map[string][]string{}
	}
	reqCtx, lambdaCtx := lambdaContexts(r)
	writeJSON(w, http.StatusOK, Echo{
		App:            "go",
		Method:         r.Method,
		Path:           path,
		RawQuery:       rawQuery,
		Query:          query,
		Headers:        headers,
		Cookies:        cookies,
		Body:           digest(body),
		RequestContext: reqCtx,
		LambdaContext:  lambdaCtx,
	})
}

// lambdaContexts returns the event's requestContext and the invocation's context. Under the
// library (cmd/library) they come from the request's context, which a client cannot forge; behind
// the adapter (cmd/server) from the x-amzn-request-context and x-amzn-lambda-context headers,
// which the adapter always overwrites. Off Lambda there are none.
func lambdaContexts(r *http.Request) (reqCtx, lambdaCtx any) {
	if ev, ok := slipway.EventFromContext(r.Context()); ok {
		reqCtx = json.RawMessage(ev.RequestContext)
		if len(ev.RequestContext) == 0 {
			reqCtx = nil
		}
		if inv, ok := slipway.InvocationFromContext(r.Context()); ok {
			lambdaCtx = map[string]any{
				"request_id":           inv.RequestID,
				"deadline":             inv.Deadline.UnixMilli(),
				"invoked_function_arn": inv.InvokedFunctionARN,
				"xray_trace_id":        inv.TraceID,
			}
		}
		return reqCtx, lambdaCtx
	}
	return jsonHeader(r.Header.Get("X-Amzn-Request-Context")), jsonHeader(r.Header.Get("X-Amzn-Lambda-Context"))
}

func jsonHeader(v string) any {
	if v == "" {
		return nil
	}
	if !json.Valid([]byte(v)) {
		return v
	}
	return json.RawMessage(v)
}

// binary answers size bytes where byte i is i % 251: deterministic, and not valid UTF-8, so it
// travels base64-encoded.
func binary(w http.ResponseWriter, r *http.Request) {
	size := 1024
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxBinary {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("size must be an integer from 0 to %d", MaxBinary)})
			return
		}
		size = n
	}
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i % 251)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(size))
	w.Write(b)
}

func upload(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var contentType any
	if ct := r.Header.Get("Content-Type"); ct != "" {
		contentType = ct
	}
	d := digest(body)
	writeJSON(w, http.StatusOK, map[string]any{"length": d.Length, "sha256": d.SHA256, "contentType": contentType})
}

func cookies(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc123", Path: "/", HttpOnly: true})
	http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/", MaxAge: 3600})
	writeJSON(w, http.StatusOK, map[string][]string{"set": {"session", "theme"}})
}

func status(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || code < 200 || code > 599 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "code must be from 200 to 599"})
		return
	}
	if code == http.StatusNoContent || code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	writeJSON(w, code, map[string]int{"status": code})
}

// stream writes chunks with pauses in between, each stamped with the time it was written, so a
// client can tell whether it got the first one before the last one existed.
func stream(w http.ResponseWriter, r *http.Request) {
	chunks := min(intParam(r, "chunks", 5), 100)
	delay := time.Duration(min(intParam(r, "delay", 200), 5000)) * time.Millisecond
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rc := http.NewResponseController(w)
	for i := range chunks {
		if i > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprintf(w, "chunk %d at %d\n", i, time.Now().UnixMilli())
		rc.Flush()
	}
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found", "path": r.URL.EscapedPath()})
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "reading the body: " + err.Error()})
		return nil, false
	}
	return body, true
}

func intParam(r *http.Request, name string, def int) int {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n <= 0 {
		return def
	}
	return n
}

func digest(b []byte) Digest {
	sum := sha256.Sum256(b)
	return Digest{Length: len(b), SHA256: hex.EncodeToString(sum[:])}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	w.Write(b)
}
