package runtimeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// ExtensionClient talks to the Extensions API.
type ExtensionClient struct {
	base string
	hc   *http.Client
	poll *http.Client
}

// NewExtensionClient returns a client for addr (same forms as NewClient).
func NewExtensionClient(addr string, hc *http.Client) (*ExtensionClient, error) {
	c, err := NewClient(addr, hc)
	if err != nil {
		return nil, err
	}
	return &ExtensionClient{base: c.base, hc: c.hc, poll: c.poll}, nil
}

// Registration is the Extensions API's answer to register.
type Registration struct {
	ID              string `json:"-"` // the Lambda-Extension-Identifier header, not part of the body
	FunctionName    string `json:"functionName"`
	FunctionVersion string `json:"functionVersion"`
	Handler         string `json:"handler"`
	AccountID       string `json:"accountId,omitempty"`
}

// ExtensionEvent is an INVOKE or SHUTDOWN event.
type ExtensionEvent struct {
	EventType          string `json:"eventType"`
	DeadlineMs         int64  `json:"deadlineMs"`
	RequestID          string `json:"requestId,omitempty"`
	InvokedFunctionARN string `json:"invokedFunctionArn,omitempty"`
	ShutdownReason     string `json:"shutdownReason,omitempty"`
	Tracing            *struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"tracing,omitempty"`
}

// Register registers the extension under name (the executable's file name) for events.
// It asks for the account id too (Lambda-Extension-Accept-Feature: accountId).
func (e *ExtensionClient) Register(ctx context.Context, name string, events []string) (*Registration, error) {
	if name == "" {
		return nil, errors.New("runtimeapi: register: empty extension name")
	}
	if events == nil {
		events = []string{}
	}
	body, err := json.Marshal(struct {
		Events []string `json:"events"`
	}{events})
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: register: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+PathExtensionRegister, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: register: %w", err)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderExtensionName, name)
	req.Header.Set(HeaderExtensionAcceptFeature, "accountId")
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: register: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, newAPIError(resp, http.MethodPost, PathExtensionRegister)
	}
	reg := &Registration{ID: resp.Header.Get(HeaderExtensionID)}
	if reg.ID == "" {
		return nil, errors.New("runtimeapi: register: reply has no " + HeaderExtensionID + " header")
	}
	if err := decodeJSON(resp.Body, reg); err != nil {
		return nil, fmt.Errorf("runtimeapi: register: %w", err)
	}
	return reg, nil
}

// NextEvent blocks until the next extension event. It has no client-side timeout.
func (e *ExtensionClient) NextEvent(ctx context.Context, id string) (*ExtensionEvent, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+PathExtensionNext, nil)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: extension next: %w", err)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderExtensionID, id)
	resp, err := e.poll.Do(req)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: extension next: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, newAPIError(resp, http.MethodGet, PathExtensionNext)
	}
	ev := &ExtensionEvent{}
	if err := decodeJSON(resp.Body, ev); err != nil {
		return nil, fmt.Errorf("runtimeapi: extension next: %w", err)
	}
	if ev.EventType == "" {
		return nil, errors.New("runtimeapi: extension next: event has no eventType")
	}
	return ev, nil
}

// InitError and ExitError report an extension failure; the extension should exit afterwards.
// The Lambda-Extension-Function-Error-Type header, which the API requires, is err's ErrorType()
// or Extension.Unknown.
func (e *ExtensionClient) InitError(ctx context.Context, id string, err error) error {
	return e.postError(ctx, PathExtensionInitError, id, err)
}

// ExitError reports that the extension is exiting because of err; see InitError.
func (e *ExtensionClient) ExitError(ctx context.Context, id string, err error) error {
	return e.postError(ctx, PathExtensionExitError, id, err)
}

func (e *ExtensionClient) postError(ctx context.Context, path, id string, err error) error {
	body := ErrorFor(err)
	var et ErrorTyper
	if !errors.As(err, &et) || et.ErrorType() == "" {
		// Go type names mean nothing to whoever reads extension failures; the docs ask for
		// Extension.<reason>.
		c := *body
		c.Type = ErrorTypeExtensionUnknown
		body = &c
	}
	req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, e.base+path, bytes.NewReader(marshalError(body)))
	if rerr != nil {
		return fmt.Errorf("runtimeapi: POST %s: %w", path, rerr)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Content-Type", ContentTypeError)
	req.Header.Set(HeaderExtensionID, id)
	req.Header.Set(HeaderExtensionErrorType, body.Type)
	resp, rerr := e.hc.Do(req)
	if rerr != nil {
		return fmt.Errorf("runtimeapi: POST %s: %w", path, rerr)
	}
	return checkAccepted(resp, http.MethodPost, path)
}

// decodeJSON decodes one bounded JSON reply.
func decodeJSON(r io.Reader, v any) error {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("reply is not the expected JSON: %w", err)
	}
	return nil
}
