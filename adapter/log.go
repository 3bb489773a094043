package adapter

import (
	"io"
	"log/slog"
	"os"
)

// NewLogger returns the adapter's logger: stdout (Lambda ships it to CloudWatch), JSON when
// AWS_LAMBDA_LOG_FORMAT=json with the field names Lambda's own JSON logs use (timestamp, level,
// message), text otherwise, filtered at AWS_LAMBDA_LOG_LEVEL. w nil means os.Stdout.
func NewLogger(c *Config, w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stdout
	}
	opts := &slog.HandlerOptions{Level: c.LogLevel, ReplaceAttr: replaceLogAttr}
	var h slog.Handler
	if c.LogJSON {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With("source", "slipway")
}

func replaceLogAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		a.Key = "timestamp"
	case slog.MessageKey:
		a.Key = "message"
	case slog.LevelKey:
		switch l := a.Value.Any().(slog.Level); {
		case l < slog.LevelDebug:
			a.Value = slog.StringValue("TRACE")
		case l > slog.LevelError:
			a.Value = slog.StringValue("FATAL")
		}
	}
	return a
}
