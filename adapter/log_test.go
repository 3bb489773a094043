package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestLoggerFormats(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&Config{LogJSON: true, LogLevel: slog.LevelInfo}, &buf)
	log.Debug("hidden")
	log.Warn("shown", "k", "v")
	invLog{log, "req-1"}.Error("failed")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines %q", lines)
	}
	var first, second map[string]any
	if json.Unmarshal([]byte(lines[0]), &first) != nil || json.Unmarshal([]byte(lines[1]), &second) != nil {
		t.Fatalf("not JSON: %q", lines)
	}
	if first["message"] != "shown" || first["level"] != "WARN" || first["timestamp"] == nil || first["k"] != "v" || first["source"] != "slipway" {
		t.Errorf("line %v", first)
	}
	if second["requestId"] != "req-1" || second["level"] != "ERROR" {
		t.Errorf("line %v", second)
	}

	buf.Reset()
	log = NewLogger(&Config{LogLevel: slog.LevelDebug - 4}, &buf)
	log.Log(context.Background(), slog.LevelDebug-4, "trace line")
	if !strings.Contains(buf.String(), "level=TRACE") || !strings.Contains(buf.String(), `message="trace line"`) {
		t.Errorf("text line %q", buf.String())
	}
}
