package adapter

import (
	"context"
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

// invLog logs for one invocation. It adds the request id only when a line is written:
// slog.Logger.With would copy the handler for every invocation, logged or not.
type invLog struct {
	l  *slog.Logger
	id string
}

func (l invLog) enabled(level slog.Level) bool { return l.l.Enabled(context.Background(), level) }

func (l invLog) log(level slog.Level, msg string, args []any) {
	if !l.enabled(level) {
		return
	}
	l.l.Log(context.Background(), level, msg, append([]any{"requestId", l.id}, args...)...)
}

func (l invLog) Debug(msg string, args ...any) { l.log(slog.LevelDebug, msg, args) }
func (l invLog) Warn(msg string, args ...any)  { l.log(slog.LevelWarn, msg, args) }
func (l invLog) Error(msg string, args ...any) { l.log(slog.LevelError, msg, args) }
