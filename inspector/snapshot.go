package inspector

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slipway-dev/slipway/event"
)

// maxBody bounds how much of a request body the inspector reads; Lambda events cannot carry more.
const maxBody = 6 << 20

// Snapshot is a request as the app received it; it is also the JSON the inspector answers with.
type Snapshot struct {
	Method         string        `json:"method"`
	Path           string        `json:"path"`
	RawPath        string        `json:"rawPath"` // percent-encoded, as on the request line
	RawQuery       string        `json:"rawQuery"`
	Query          []queryParam  `json:"query"`
	Protocol       string        `json:"protocol"`
	Host           string        `json:"host"`
	RemoteAddr     string        `json:"remoteAddr"`
	Headers        []header      `json:"headers"`
	HeadersInOrder bool          `json:"headersInOrder"`
	Cookies        []cookie      `json:"cookies"`
	RequestContext *contextValue `json:"requestContext"`
	LambdaContext  *contextValue `json:"lambdaContext"`
	Body           body          `json:"body"`
	BehindSlipway  bool          `json:"behindSlipway"`
	DeadlineIn     string        `json:"deadlineIn,omitempty"` // time left in the invocation
	ReceivedAt     time.Time     `json:"receivedAt"`
}

type header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type queryParam struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type cookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// contextValue is one decoded context header: its JSON, or why it could not be decoded.
type contextValue struct {
	JSON   json.RawMessage `json:"json,omitempty"`
	Raw    string          `json:"raw,omitempty"` // when not valid JSON
	Error  string          `json:"error,omitempty"`
	Pretty string          `json:"-"`
}

// body is the request body: text when it is UTF-8 text, else a summary of the bytes.
type body struct {
	Size        int    `json:"size"`
	ContentType string `json:"contentType,omitempty"`
	Text        string `json:"text,omitempty"`
	Binary      bool   `json:"binary"`
	Base64      string `json:"base64,omitempty"` // the first bytes, when binary
	Hex         string `json:"-"`                // hex dump of the first bytes (HTML only)
	Truncated   bool   `json:"truncated"`        // Base64/Hex show only the start, or the read stopped at maxBody
	ReadError   string `json:"readError,omitempty"`
}

const binaryPreview = 512

// snapshot reads r (body included) into a Snapshot.
func snapshot(r *http.Request, now time.Time) *Snapshot {
	s := &Snapshot{
		Method:     r.Method,
		Path:       r.URL.Path,
		RawPath:    r.URL.EscapedPath(),
		RawQuery:   r.URL.RawQuery,
		Protocol:   r.Proto,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		ReceivedAt: now.UTC(),
		Query:      []queryParam{},
		Cookies:    []cookie{},
	}
	for _, part := range strings.Split(r.URL.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		s.Query = append(s.Query, queryParam{k, v})
	}
	s.Headers, s.HeadersInOrder = orderedHeaders(r)
	for _, c := range r.Cookies() {
		s.Cookies = append(s.Cookies, cookie{c.Name, c.Value})
	}
	s.RequestContext = decodeContext(r.Header.Values(event.HeaderRequestContext))
	s.LambdaContext = decodeContext(r.Header.Values(event.HeaderLambdaContext))
	s.BehindSlipway = s.LambdaContext != nil
	if s.LambdaContext != nil && s.LambdaContext.JSON != nil {
		var lc struct {
			Deadline int64 `json:"deadline"`
		}
		if json.Unmarshal(s.LambdaContext.JSON, &lc) == nil && lc.Deadline > 0 {
			s.DeadlineIn = time.UnixMilli(lc.Deadline).Sub(now).Round(time.Millisecond).String()
		}
	}
	s.Body = readBody(r)
	return s
}

// decodeContext decodes a context header; nil when the request has none.
func decodeContext(values []string) *contextValue {
	if len(values) == 0 {
		return nil
	}
	raw := strings.Join(values, ",")
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(raw), "", "  "); err != nil {
		return &contextValue{Raw: raw, Error: "not valid JSON: " + err.Error()}
	}
	return &contextValue{JSON: json.RawMessage(raw), Pretty: pretty.String()}
}

func readBody(r *http.Request) body {
	b := body{ContentType: r.Header.Get("Content-Type")}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		b.ReadError = err.Error()
	}
	if len(data) > maxBody {
		data, b.Truncated = data[:maxBody], true
	}
	b.Size = len(data)
	if len(data) == 0 {
		return b
	}
	if isText(data) {
		b.Text = string(data)
		return b
	}
	b.Binary = true
	preview := data
	if len(preview) > binaryPreview {
		preview, b.Truncated = preview[:binaryPreview], true
	}
	b.Base64 = base64.StdEncoding.EncodeToString(preview)
	b.Hex = hex.Dump(preview)
	return b
}

// isText: valid UTF-8 without NUL or other control bytes besides whitespace.
func isText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func sortedNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Repeated reports whether the request carries more than one header of this name.
func (s *Snapshot) Repeated(name string) bool {
	n := 0
	for _, h := range s.Headers {
		if strings.EqualFold(h.Name, name) {
			n++
		}
	}
	return n > 1
}

// IsContextHeader reports whether name is one of the headers slipway adds for the app.
func (s *Snapshot) IsContextHeader(name string) bool {
	return strings.EqualFold(name, event.HeaderRequestContext) || strings.EqualFold(name, event.HeaderLambdaContext)
}
