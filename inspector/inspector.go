package inspector

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed page.html
var pageSource string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"inc":          func(i int) int { return i + 1 },
	"previewBytes": func() int { return binaryPreview },
}).Parse(pageSource))

// Stream defaults and bounds for /stream.
const (
	defaultEvents   = 5
	maxEvents       = 50
	defaultInterval = 400 * time.Millisecond
	maxInterval     = 5 * time.Second
)

// New returns the inspector app.
func New() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stream", serveStream)
	mux.HandleFunc("/status/{code}", serveStatus)
	mux.HandleFunc("GET /cookies", serveCookies)
	mux.HandleFunc("GET /binary", serveBinary)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/", serveInspect)
	return mux
}

// wantsJSON: ?format=json, or an Accept header that asks for JSON rather than HTML.
func wantsJSON(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "json"
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

func serveInspect(w http.ResponseWriter, r *http.Request) {
	s := snapshot(r, time.Now())
	w.Header().Set("Cache-Control", "no-store")
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s)
		return
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, s); err != nil {
		http.Error(w, "inspector: rendering the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The page reflects untrusted input: html/template escapes it, and nothing may run or load.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}

// serveStream writes server-sent events one at a time, flushing each, so a streaming front door
// (slipway local --event url with response streaming) shows them arriving over a couple of
// seconds while a buffered one delivers them all at the end.
func serveStream(w http.ResponseWriter, r *http.Request) {
	n, err := boundedInt(r.URL.Query().Get("n"), defaultEvents, 1, maxEvents)
	if err != nil {
		http.Error(w, "n: "+err.Error(), http.StatusBadRequest)
		return
	}
	interval := defaultInterval
	if v := r.URL.Query().Get("interval"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > maxInterval {
			http.Error(w, fmt.Sprintf("interval: want a duration between 0s and %s, like 250ms", maxInterval), http.StatusBadRequest)
			return
		}
		interval = d
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 1; i <= n; i++ {
		if i > 1 {
			timer.Reset(interval)
			select {
			case <-timer.C:
			case <-r.Context().Done():
				return
			}
		}
		if _, err := fmt.Fprintf(w, "id: %d\ndata: event %d of %d, %s after the first byte\n\n",
			i, i, n, time.Since(start).Round(time.Millisecond)); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// serveStatus answers with the status in the path, to see how each front door passes it on.
func serveStatus(w http.ResponseWriter, r *http.Request) {
	code, err := boundedInt(r.PathValue("code"), 0, 200, 599)
	if err != nil {
		http.Error(w, "status code: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	if code != http.StatusNoContent && code != http.StatusNotModified {
		fmt.Fprintf(w, "%d %s\n", code, http.StatusText(code))
	}
}

// serveCookies sets two cookies, one a session cookie and one with attributes, then sends the
// browser back to the page, which shows them arriving in the Cookie header. Two Set-Cookie
// headers are what each front door must carry separately (HTTP API and Function URLs via the
// result's cookies list, REST and multi-value ALB via multiValueHeaders).
func serveCookies(w http.ResponseWriter, r *http.Request) {
	visits := 1
	if c, err := r.Cookie("slipway_visits"); err == nil {
		if n, err := strconv.Atoi(c.Value); err == nil && n >= 0 && n < 1<<30 {
			visits = n + 1
		}
	}
	http.SetCookie(w, &http.Cookie{Name: "slipway_visits", Value: strconv.Itoa(visits), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: "slipway_theme", Value: "harbour", Path: "/", MaxAge: 3600, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Location", "/")
	w.WriteHeader(http.StatusSeeOther)
}

// binaryPNG is a small generated image: its bytes are not UTF-8, so every front door must carry
// it base64-encoded (and REST only with a matching binaryMediaTypes).
var binaryPNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 96; x++ {
			img.Set(x, y, color.RGBA{R: uint8(20 + x), G: uint8(80 + y*3), B: uint8(160 + x/2), A: 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}()

func serveBinary(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(binaryPNG)))
	_, _ = w.Write(binaryPNG)
}

// boundedInt parses s (def when empty) and checks it lies in [lo, hi].
func boundedInt(s string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("want a whole number from %d to %d", lo, hi)
	}
	return n, nil
}
