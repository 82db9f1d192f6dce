package core

import (
	"fmt"
	"strconv"
	"strings"
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
