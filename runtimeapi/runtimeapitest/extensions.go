package runtimeapitest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// maxExtensions is Lambda's limit on registered extensions.
const maxExtensions = 10

// shutdownBudget is the deadline of SHUTDOWN events: the 2 s Lambda gives external extensions.
const shutdownBudget = 2 * time.Second

// extension is one registered extension and its undelivered events.
type extension struct {
	name     string
	id       string
	invoke   bool // subscribed to INVOKE
	shutdown bool // subscribed to SHUTDOWN
	events   []runtimeapi.ExtensionEvent
	notify   chan struct{} // has a token when events may be waiting
}

// ExtensionError is an init or exit error an extension posted.
type ExtensionError struct {
	Name      string // the extension's registered name
	Kind      string // "init" or "exit"
	ErrorType string // the Lambda-Extension-Function-Error-Type header
	Error     *runtimeapi.Error
}

// Extensions returns the names extensions registered under, in order.
func (s *Server) Extensions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, len(s.exts))
	for i, e := range s.exts {
		names[i] = e.name
	}
	return names
}

// ExtensionErrors returns the init and exit errors extensions posted, in order.
func (s *Server) ExtensionErrors() []ExtensionError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ExtensionError(nil), s.extErrors...)
}

// Shutdown sends SHUTDOWN to registered extensions subscribed to it.
func (s *Server) Shutdown(reason string) {
	ev := runtimeapi.ExtensionEvent{
		EventType:      runtimeapi.EventShutdown,
		ShutdownReason: reason,
		DeadlineMs:     time.Now().Add(shutdownBudget).UnixMilli(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.exts {
		if e.shutdown {
			e.push(ev)
		}
	}
}

// notifyInvoke queues INVOKE for the extensions subscribed to it.
func (s *Server) notifyInvoke(inv *invocation, deadline time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.exts) == 0 {
		return
	}
	ev := runtimeapi.ExtensionEvent{
		EventType:          runtimeapi.EventInvoke,
		DeadlineMs:         deadline.UnixMilli(),
		RequestID:          inv.id,
		InvokedFunctionARN: inv.opts.FunctionARN,
	}
	ev.Tracing = &struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}{Type: "X-Amzn-Trace-Id", Value: inv.opts.TraceID}
	for _, e := range s.exts {
		if e.invoke {
			e.push(ev)
		}
	}
}

// push queues ev; the caller holds Server.mu.
func (e *extension) push(ev runtimeapi.ExtensionEvent) {
	e.events = append(e.events, ev)
	select {
	case e.notify <- struct{}{}:
	default:
	}
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get(runtimeapi.HeaderExtensionName)
	if name == "" {
		writeError(w, http.StatusForbidden, "Extension.MissingExtensionName",
			"missing "+runtimeapi.HeaderExtensionName+" header")
		return
	}
	var req struct {
		Events []string `json:"events"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || json.Unmarshal(body, &req) != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", `body must be {"events":[...]}`)
		return
	}
	ext := &extension{name: name, id: runtimeapi.NewRequestID(), notify: make(chan struct{}, 1)}
	for _, ev := range req.Events {
		switch ev {
		case runtimeapi.EventInvoke:
			ext.invoke = true
		case runtimeapi.EventShutdown:
			ext.shutdown = true
		default:
			writeError(w, http.StatusBadRequest, "Extension.InvalidEventType", "unknown event type "+ev)
			return
		}
	}
	s.mu.Lock()
	status, errType, msg := 0, "", ""
	for _, e := range s.exts {
		if e.name == name {
			status, errType, msg = http.StatusConflict, "Extension.AlreadyRegistered", "extension "+name+" is already registered"
		}
	}
	if status == 0 && len(s.exts) >= maxExtensions {
		status, errType, msg = http.StatusBadRequest, "Extension.TooManyExtensions", "at most 10 extensions can register"
	}
	if status == 0 {
		s.exts = append(s.exts, ext)
	}
	s.mu.Unlock()
	if status != 0 {
		writeError(w, status, errType, msg)
		return
	}

	reply := runtimeapi.Registration{FunctionName: FunctionName, FunctionVersion: FunctionVersion, Handler: FunctionHandler}
	if strings.Contains(r.Header.Get(runtimeapi.HeaderExtensionAcceptFeature), "accountId") {
		reply.AccountID = AccountID
	}
	b, _ := json.Marshal(reply)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(runtimeapi.HeaderExtensionID, ext.id)
	w.Write(b)
}

// extensionFor finds the caller's extension by its identifier header, answering 403 if it can't.
func (s *Server) extensionFor(w http.ResponseWriter, r *http.Request) *extension {
	id := r.Header.Get(runtimeapi.HeaderExtensionID)
	if id == "" {
		writeError(w, http.StatusForbidden, "Extension.MissingExtensionIdentifier",
			"missing "+runtimeapi.HeaderExtensionID+" header")
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.exts {
		if e.id == id {
			return e
		}
	}
	writeError(w, http.StatusForbidden, "Extension.UnknownExtensionIdentifier", "unknown extension identifier")
	return nil
}

func (s *Server) extensionNext(w http.ResponseWriter, r *http.Request) {
	ext := s.extensionFor(w, r)
	if ext == nil {
		return
	}
	for {
		s.mu.Lock()
		var ev *runtimeapi.ExtensionEvent
		if len(ext.events) > 0 {
			first := ext.events[0]
			ev = &first
			ext.events = ext.events[1:]
		}
		s.mu.Unlock()
		if ev != nil {
			b, _ := json.Marshal(ev)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set(runtimeapi.HeaderExtensionEventID, runtimeapi.NewRequestID())
			w.Write(b)
			return
		}
		select {
		case <-ext.notify:
		case <-r.Context().Done():
			return
		case <-s.closed:
			writeError(w, http.StatusInternalServerError, "Extension.ContainerError", "the Extensions API is shutting down")
			return
		}
	}
}

func (s *Server) extensionError(w http.ResponseWriter, r *http.Request) {
	ext := s.extensionFor(w, r)
	if ext == nil {
		return
	}
	typ := r.Header.Get(runtimeapi.HeaderExtensionErrorType)
	if typ == "" {
		writeError(w, http.StatusBadRequest, "Extension.MissingHeader",
			"missing "+runtimeapi.HeaderExtensionErrorType+" header")
		return
	}
	e, _, err := decodeErrorBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	kind := "exit"
	if r.URL.Path == runtimeapi.PathExtensionInitError {
		kind = "init"
	}
	s.mu.Lock()
	s.extErrors = append(s.extErrors, ExtensionError{Name: ext.name, Kind: kind, ErrorType: typ, Error: e})
	s.mu.Unlock()
	accepted(w)
}

// notSupported answers like the Runtime Interface Emulator does for APIs it lacks.
func notSupported(errorType, message string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(runtimeapi.Error{Type: errorType, Message: message})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		w.Write(b)
	}
}
