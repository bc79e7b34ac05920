package raftnode

import (
	"context"
	"fmt"
	"log/slog"
)

// raftLogger adapts *slog.Logger to raft.Logger. Fatal and Panic log at
// error level and then panic: a library must not exit the process.
type raftLogger struct {
	l *slog.Logger
}

func (r raftLogger) log(level slog.Level, msg string) {
	r.l.Log(context.Background(), level, msg)
}

func (r raftLogger) enabled(level slog.Level) bool {
	return r.l.Enabled(context.Background(), level)
}

func (r raftLogger) Debug(v ...any) {
	if r.enabled(slog.LevelDebug) {
		r.log(slog.LevelDebug, fmt.Sprint(v...))
	}
}

func (r raftLogger) Debugf(format string, v ...any) {
	if r.enabled(slog.LevelDebug) {
		r.log(slog.LevelDebug, fmt.Sprintf(format, v...))
	}
}

func (r raftLogger) Info(v ...any) {
	if r.enabled(slog.LevelInfo) {
		r.log(slog.LevelInfo, fmt.Sprint(v...))
	}
}

func (r raftLogger) Infof(format string, v ...any) {
	if r.enabled(slog.LevelInfo) {
		r.log(slog.LevelInfo, fmt.Sprintf(format, v...))
	}
}

func (r raftLogger) Warning(v ...any) { r.log(slog.LevelWarn, fmt.Sprint(v...)) }

func (r raftLogger) Warningf(format string, v ...any) {
	r.log(slog.LevelWarn, fmt.Sprintf(format, v...))
}

func (r raftLogger) Error(v ...any) { r.log(slog.LevelError, fmt.Sprint(v...)) }

func (r raftLogger) Errorf(format string, v ...any) {
	r.log(slog.LevelError, fmt.Sprintf(format, v...))
}

func (r raftLogger) Fatal(v ...any) { r.Panic(v...) }

func (r raftLogger) Fatalf(format string, v ...any) { r.Panicf(format, v...) }

func (r raftLogger) Panic(v ...any) {
	msg := fmt.Sprint(v...)
	r.log(slog.LevelError, msg)
	panic(msg)
}

func (r raftLogger) Panicf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	r.log(slog.LevelError, msg)
	panic(msg)
}
