package node

import (
	"context"
	"log/slog"
)

// minLevel drops records below a level; raft reports every election step
// at INFO, which is noise unless the operator asked for debug logs.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

// raftLogger is log for raft's messages: warnings and errors only, unless
// log is enabled at debug level.
func raftLogger(log *slog.Logger) *slog.Logger {
	if log.Enabled(context.Background(), slog.LevelDebug) {
		return log.With("pkg", "raft")
	}
	return slog.New(minLevel{log.Handler(), slog.LevelWarn}).With("pkg", "raft")
}
