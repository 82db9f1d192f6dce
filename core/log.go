package core

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LogLevel is one of LXC's log priorities, TRACE (0) to FATAL (8).
type LogLevel int

// LXC's log priorities (src/lxc/log.h).
const (
	LogTrace LogLevel = iota
	LogDebug
	LogInfo
	LogNotice
	LogWarn
	LogError
	LogCrit
	LogAlert
	LogFatal
)

var logLevelNames = [...]string{"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRIT", "ALERT", "FATAL"}

func (l LogLevel) String() string {
	if l < 0 || int(l) >= len(logLevelNames) {
		return "NOTSET"
	}
	return logLevelNames[l]
}

// ParseLogLevel accepts a level name (any case, "WARNING" too) or a number
// 0..8.
func ParseLogLevel(s string) (LogLevel, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > int(LogFatal) {
			return 0, fmt.Errorf("invalid log level %q", s)
		}
		return LogLevel(n), nil
	}
	u := strings.ToUpper(s)
	if u == "WARNING" {
		u = "WARN"
	}
	for i, n := range logLevelNames {
		if n == u {
			return LogLevel(i), nil
		}
	}
	return 0, fmt.Errorf("invalid log level %q", s)
}

// Logger writes LXC's log line format:
//
//	lxc-start foo 20261129074902.533 INFO     monitor - core/monitor.go:run:120 - message
type Logger struct {
	mu    sync.Mutex
	prog  string
	name  string
	level LogLevel
	w     io.WriteCloser
}

var logger = &Logger{level: LogError}

// SetupLog opens the log for a tool run: file "" means no file, "none"
// disables logging. level applies to the file.
func SetupLog(prog, name, file string, level LogLevel) error {
	logger.mu.Lock()
	defer logger.mu.Unlock()
	logger.prog, logger.name, logger.level = prog, name, level
	if logger.w != nil {
		logger.w.Close()
		logger.w = nil
	}
	if file == "" || file == "none" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o660)
	if err != nil {
		return fmt.Errorf("opening log file %q: %w", file, err)
	}
	logger.w = f
	return nil
}

// DefaultLogFile is LXC's default log path for a container: under
// /var/log/lxc for root with the default lxcpath, else in the container
// directory.
func DefaultLogFile(st *Store, name string) string {
	if os.Geteuid() == 0 && st.Path == DefaultLXCPath {
		return "/var/log/lxc/" + name + ".log"
	}
	return filepath.Join(st.Dir(name), name+".log")
}

func logf(level LogLevel, format string, a ...any) {
	logger.mu.Lock()
	defer logger.mu.Unlock()
	if logger.w == nil || level < logger.level {
		return
	}
	file, fn, line := "?", "?", 0
	if pc, f, l, ok := runtime.Caller(1); ok {
		file, line = filepath.Base(f), l
		if rf := runtime.FuncForPC(pc); rf != nil {
			fn = rf.Name()
			if i := strings.LastIndexByte(fn, '.'); i >= 0 {
				fn = fn[i+1:]
			}
		}
	}
	now := time.Now().UTC()
	ts := fmt.Sprintf("%s.%03d", now.Format("20060102150405"), now.Nanosecond()/1e6)
	fmt.Fprintf(logger.w, "%s %s %s %-8s %s - %s:%s:%d - %s\n", logger.prog, logger.name, ts, level,
		strings.TrimSuffix(file, ".go"), file, fn, line, fmt.Sprintf(format, a...))
}
