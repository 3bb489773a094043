package local

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/slipway-dev/slipway/runtimeapi"
)

// extensionFile is an executable found in Config.ExtensionsDir.
type extensionFile struct {
	name string // file name: what the extension registers as
	path string
}

// findExtensions lists the executables in dir in name order, as Lambda starts /opt/extensions.
func findExtensions(dir string) ([]extensionFile, error) {
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("local: extensions directory: %w", err)
	}
	var out []extensionFile
	for _, ent := range entries {
		p, err := filepath.Abs(filepath.Join(dir, ent.Name()))
		if err != nil {
			return nil, err
		}
		if checkExecutable(p) != nil {
			continue
		}
		out = append(out, extensionFile{name: ent.Name(), path: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	if len(out) > MaxExtensions {
		return nil, fmt.Errorf("local: %d executables in the extensions directory %s: Lambda allows at most %d extensions", len(out), dir, MaxExtensions)
	}
	return out, nil
}

// extension is a registered extension of one environment.
type extension struct {
	id         string
	name       string
	external   bool // started from the extensions directory (else registered by the runtime process)
	subscribed map[string]bool
	ready      bool        // called event/next at least once
	handed     *invocation // the INVOKE event it received and has not acknowledged with next
	eventNames []string
	ch         chan extEvent
}

// extEvent is one event waiting for an extension's event/next.
type extEvent struct {
	inv  *invocation // INVOKE events: the invocation it is about
	body []byte
}

func (x *extension) eventList() []string { return x.eventNames }

// push queues ev; an extension that stopped reading events simply misses them.
func (x *extension) push(ev extEvent) {
	select {
	case x.ch <- ev:
	default:
	}
}

type tracing struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

func invokeEvent(inv *invocation, arn string) []byte {
	b, _ := json.Marshal(struct {
		EventType          string   `json:"eventType"`
		DeadlineMs         int64    `json:"deadlineMs"`
		RequestID          string   `json:"requestId"`
		InvokedFunctionArn string   `json:"invokedFunctionArn"`
		Tracing            *tracing `json:"tracing"`
	}{runtimeapi.EventInvoke, inv.deadline.UnixMilli(), inv.id, arn, &tracing{"X-Amzn-Trace-Id", inv.traceID}})
	return b
}

func shutdownEvent(reason string, deadline time.Time) []byte {
	b, _ := json.Marshal(struct {
		EventType      string `json:"eventType"`
		ShutdownReason string `json:"shutdownReason"`
		DeadlineMs     int64  `json:"deadlineMs"`
	}{runtimeapi.EventShutdown, reason, deadline.UnixMilli()})
	return b
}

// Extensions API error types (as the Runtime Interface Emulator names them).
const (
	errExtMissingID    = "Extension.MissingExtensionIdentifier"
	errExtUnknownID    = "Extension.UnknownExtensionIdentifier"
	errExtInvalidName  = "Extension.InvalidExtensionName"
	errExtClosed       = "Extension.RegistrationClosed"
	errExtInvalidState = "Extension.InvalidExtensionState"
	errExtTooMany      = "Extension.TooManyExtensions"
	errExtInvalidEvent = "Extension.InvalidEventType"
	errExtMissingHdr   = "Extension.MissingHeader"
	errInvalidFormat   = "InvalidRequestFormat"
)

func (e *environment) serveRegister(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get(runtimeapi.HeaderExtensionName)
	if name == "" {
		apiError(w, http.StatusForbidden, errExtInvalidName, "Empty extension name")
		return
	}
	var req struct {
		Events []string `json:"events"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		apiError(w, http.StatusForbidden, errInvalidFormat, "invalid register request: "+err.Error())
		return
	}

	e.mu.Lock()
	external := false
	for _, x := range e.f.extensions {
		if x.name == name {
			external = true
		}
	}
	var status int
	var errType, msg string
	switch {
	case !e.registrationOpen || e.state != envStarting:
		status, errType, msg = http.StatusForbidden, errExtClosed, "Extension registration closed already"
	case e.extensionByNameLocked(name) != nil:
		status, errType, msg = http.StatusForbidden, errExtInvalidState, "Extension with this name already registered"
	case len(e.exts) >= MaxExtensions:
		status, errType, msg = http.StatusForbidden, errExtTooMany, fmt.Sprintf("Extension limit (%d) reached", MaxExtensions)
	}
	events := make(map[string]bool)
	for _, ev := range req.Events {
		if status != 0 {
			break
		}
		switch {
		case ev == runtimeapi.EventInvoke:
		case ev == runtimeapi.EventShutdown && external:
		case ev == runtimeapi.EventShutdown:
			status, errType, msg = http.StatusForbidden, errExtInvalidEvent, ev+": internal extensions cannot subscribe to SHUTDOWN"
		default:
			status, errType, msg = http.StatusForbidden, errExtInvalidEvent, ev+": unknown event type"
		}
		events[ev] = true
	}
	if status != 0 {
		e.mu.Unlock()
		apiError(w, status, errType, msg)
		return
	}
	x := &extension{id: runtimeapi.NewRequestID(), name: name, external: external, subscribed: events, ch: make(chan extEvent, 16)}
	for _, ev := range []string{runtimeapi.EventInvoke, runtimeapi.EventShutdown} {
		if events[ev] {
			x.eventNames = append(x.eventNames, ev)
		}
	}
	e.exts = append(e.exts, x)
	e.extByID[x.id] = x
	e.notifyLocked()
	e.mu.Unlock()

	resp := map[string]string{
		"functionName":    e.f.cfg.Name,
		"functionVersion": latest,
		"handler":         e.f.cfg.Handler,
	}
	if r.Header.Get(runtimeapi.HeaderExtensionAcceptFeature) == "accountId" {
		resp["accountId"] = e.f.cfg.AccountID
	}
	w.Header().Set(runtimeapi.HeaderExtensionID, x.id)
	writeJSON(w, http.StatusOK, resp)
}

func (e *environment) extensionByNameLocked(name string) *extension {
	for _, x := range e.exts {
		if x.name == name {
			return x
		}
	}
	return nil
}

// extensionFor finds the calling extension from its identifier header, or answers 403.
func (e *environment) extensionFor(w http.ResponseWriter, r *http.Request) *extension {
	id := r.Header.Get(runtimeapi.HeaderExtensionID)
	if id == "" {
		apiError(w, http.StatusForbidden, errExtMissingID, "Missing Lambda-Extension-Identifier header")
		return nil
	}
	e.mu.Lock()
	x := e.extByID[id]
	e.mu.Unlock()
	if x == nil {
		apiError(w, http.StatusForbidden, errExtUnknownID, "Unknown extension "+id)
		return nil
	}
	return x
}

func (e *environment) serveExtensionNext(w http.ResponseWriter, r *http.Request) {
	x := e.extensionFor(w, r)
	if x == nil {
		return
	}
	e.mu.Lock()
	x.ready = true
	var done *invocation
	if inv := x.handed; inv != nil {
		x.handed = nil
		inv.extPending--
		if e.doneLocked(inv) {
			done = inv
		}
	}
	e.notifyLocked()
	e.mu.Unlock()
	if done != nil {
		e.complete(done)
	}

	select {
	case ev := <-x.ch:
		if ev.inv != nil {
			e.mu.Lock()
			x.handed = ev.inv
			e.mu.Unlock()
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set(runtimeapi.HeaderExtensionEventID, runtimeapi.NewRequestID())
		w.WriteHeader(http.StatusOK)
		w.Write(ev.body)
	case <-r.Context().Done():
	}
}

// serveExtensionError handles init/error and exit/error.
func (e *environment) serveExtensionError(w http.ResponseWriter, r *http.Request, initPhase bool) {
	x := e.extensionFor(w, r)
	if x == nil {
		return
	}
	errType := r.Header.Get(runtimeapi.HeaderExtensionErrorType)
	if errType == "" {
		apiError(w, http.StatusForbidden, errExtMissingHdr, "Missing Lambda-Extension-Function-Error-Type header")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, runtimeapi.MaxResponseSize))
	e.mu.Lock()
	if initPhase {
		if e.state != envStarting {
			e.mu.Unlock()
			apiError(w, http.StatusForbidden, runtimeapi.ErrorTypeInvalidState, "init/error is only valid during init")
			return
		}
		fl := &initFailure{errorType: errType, message: "extension " + x.name + " failed to initialize"}
		if json.Valid(body) && len(body) > 0 {
			fl.body = body
		}
		e.failInitLocked(fl)
	} else {
		e.broken = true
	}
	e.mu.Unlock()
	if !initPhase {
		e.f.sink.write([]byte("EXTENSION\tName: " + x.name + "\tState: ExitError\tError Type: " + errType + "\n"))
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

// serveSubscribe answers Logs and Telemetry API subscriptions the way the Runtime Interface
// Emulator does: accepted, with a NotSupported error body.
func serveSubscribe(w http.ResponseWriter, errType, what string) {
	apiError(w, http.StatusAccepted, errType, what+" API is not supported")
}
