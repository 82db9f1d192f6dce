package core

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Value parsers shared by the key handlers. Each one accepts what LXC
// 5.0.2's confile.c accepts at parse time (checked side by side with
// `lxc-info -c`), and rejects with a short lower-case reason.

// parseBool01 accepts exactly the integers 0 and 1 (LXC's
// lxc_safe_uint followed by a "> 1" check), with surrounding blanks and
// leading zeros allowed ("01").
func parseBool01(v string) (bool, error) {
	n, err := parseUintLXC(v)
	if err != nil || n > 1 {
		return false, fmt.Errorf("must be 0 or 1")
	}
	return n == 1, nil
}

// parseUintLXC is lxc_safe_uint: blanks around the number are ignored, a
// sign or trailing garbage is an error.
func parseUintLXC(v string) (uint64, error) {
	v = strings.Trim(v, " \t")
	if v == "" || v[0] == '-' {
		return 0, errors.New("not an unsigned number")
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(v, "+"), 10, 32)
	if err != nil {
		return 0, errors.New("not an unsigned number")
	}
	return n, nil
}

// parseIntLXC is lxc_safe_int.
func parseIntLXC(v string) (int, error) {
	v = strings.Trim(v, " \t")
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, errors.New("not a number")
	}
	return int(n), nil
}

// parseUintBase0 is strtoul with base 0, as lxc.tty.max and lxc.pty.max
// are read: "0x5" and "+5" are 5.
func parseUintBase0(v string) (int, error) {
	v = strings.Trim(v, " \t")
	if v == "" || v[0] == '-' {
		return 0, errors.New("not an unsigned number")
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(v, "+"), 0, 31)
	if err != nil {
		return 0, errors.New("not an unsigned number")
	}
	return int(n), nil
}

// parseIDLax reads lxc.init.uid/gid: LXC stores 0 for a value that is not
// a number ("x", "5x") but rejects a negative one.
func parseIDLax(v string) (int, error) {
	v = strings.Trim(v, " \t")
	if strings.HasPrefix(v, "-") {
		return 0, errors.New("must not be negative")
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, nil
	}
	return int(n), nil
}

// signalNames are the names lxc.signal.* accepts after "SIG" (glibc's
// table as LXC's sig_parse uses it, including the aliases).
var signalNames = map[string]int{
	"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6,
	"BUS": 7, "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12,
	"PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CLD": 17,
	"CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23,
	"XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29,
	"POLL": 29, "PWR": 30, "SYS": 31,
}

// Real-time signal range as glibc reports it (SIGRTMIN is 34 because
// glibc reserves two for threads).
const (
	sigRTMin = 34
	sigRTMax = 64
	sigMax   = 65 // NSIG: LXC accepts a number up to it
)

// parseConfigSignal reads a signal as lxc.signal.* and lxc.monitor.signal.pdeath
// take it: a number (0..65), a name with the SIG prefix in any case
// ("SIGPWR", "sigkill"), or SIGRTMIN+N / SIGRTMAX-N.
func parseConfigSignal(v string) (int, error) {
	v = strings.Trim(v, " \t")
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 || n > sigMax {
			return 0, fmt.Errorf("invalid signal %q", v)
		}
		return n, nil
	}
	u := strings.ToUpper(v)
	if !strings.HasPrefix(u, "SIG") {
		return 0, fmt.Errorf("invalid signal %q", v)
	}
	u = u[3:]
	rt := func(base int, s string, sign int) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid signal %q", v)
		}
		sig := base + sign*n
		if sig < sigRTMin || sig > sigRTMax {
			return 0, fmt.Errorf("invalid signal %q", v)
		}
		return sig, nil
	}
	switch {
	case strings.HasPrefix(u, "RTMIN+"):
		return rt(sigRTMin, u[6:], 1)
	case strings.HasPrefix(u, "RTMAX-"):
		return rt(sigRTMax, u[6:], -1)
	}
	if n, ok := signalNames[u]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("invalid signal %q", v)
}

// parseLogPriority is lxc_log_priority_to_int plus numbers 0..8: names are
// case-insensitive, "WARNING" is not one of them.
func parseLogPriority(v string) (int, error) {
	v = strings.Trim(v, " \t")
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 || n > int(LogFatal) {
			return 0, fmt.Errorf("invalid log priority %q", v)
		}
		return n, nil
	}
	for i, n := range logLevelNames {
		if strings.EqualFold(n, v) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("invalid log priority %q", v)
}

// parseByteSize reads "N", "N B", "N KB", "N MB", "N GB" (unit case- and
// "B"-insensitive: "4kB", "1K"), as LXC's parse_byte_size_string.
func parseByteSize(v string) (int64, error) {
	s := strings.Trim(v, " \t")
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("invalid size %q", v)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", v)
	}
	unit := strings.ToUpper(strings.TrimLeft(s[i:], " \t"))
	unit = strings.TrimSuffix(unit, "B")
	var mul int64
	switch unit {
	case "":
		mul = 1
	case "K":
		mul = 1 << 10
	case "M":
		mul = 1 << 20
	case "G":
		mul = 1 << 30
	default:
		return 0, fmt.Errorf("invalid size %q", v)
	}
	if n > (1<<62)/mul {
		return 0, fmt.Errorf("size %q too large", v)
	}
	return n * mul, nil
}

// consoleSize normalises a console log or ring buffer size the way LXC
// does: at least one page, rounded up to a power of two.
func consoleSize(n int64) int64 {
	const page = 4096
	if n < page {
		return page
	}
	if n&(n-1) == 0 {
		return n
	}
	return 1 << (64 - bits.LeadingZeros64(uint64(n)))
}

// parseTimeOffset reads "[-]N UNIT" (h m s ms us ns, blanks allowed
// between) into nanoseconds; a unit is required.
func parseTimeOffset(v string) (int64, bool, error) {
	s := strings.Trim(v, " \t")
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("invalid time offset %q", v)
	}
	var mul int64
	secs := true
	switch strings.TrimLeft(s[i:], " \t") {
	case "h":
		mul = 3600e9
	case "m":
		mul = 60e9
	case "s":
		mul = 1e9
	case "ms":
		mul, secs = 1e6, false
	case "us":
		mul, secs = 1e3, false
	case "ns":
		mul, secs = 1, false
	default:
		return 0, false, fmt.Errorf("invalid time offset %q: unit must be h, m, s, ms, us or ns", v)
	}
	if n > (1<<62)/mul || n < -(1<<62)/mul {
		return 0, false, fmt.Errorf("time offset %q out of range", v)
	}
	return n * mul, secs, nil
}

// Namespace names in the order LXC prints them (ns_info in
// src/lxc/namespace.c).
var namespaceOrder = []string{"user", "mnt", "pid", "uts", "ipc", "net", "cgroup", "time"}

func validNamespace(n string) bool {
	for _, x := range namespaceOrder {
		if x == n {
			return true
		}
	}
	return false
}

// parseNamespaces reads a blank-separated namespace list.
func parseNamespaces(v string) ([]string, error) {
	var out []string
	for _, f := range strings.Fields(v) {
		if !validNamespace(f) {
			return nil, fmt.Errorf("invalid namespace name %q", f)
		}
		out = append(out, f)
	}
	return out, nil
}

// mergeNamespaces ORs two lists and returns them in LXC's order.
func mergeNamespaces(a, b []string) []string {
	set := map[string]bool{}
	for _, x := range a {
		set[x] = true
	}
	for _, x := range b {
		set[x] = true
	}
	var out []string
	for _, n := range namespaceOrder {
		if set[n] {
			out = append(out, n)
		}
	}
	return out
}

// validCapability accepts a lower-case name without "cap_" or a number up
// to the kernel's last capability, as LXC's parse_cap.
func validCapability(c string) bool {
	// Only the exact lower-case spelling: LXC rejects "CAP_SYS_ADMIN"
	// at parse time (CapabilityNumber accepts more).
	for _, n := range capabilityNames {
		if n == c {
			return true
		}
	}
	n, err := strconv.Atoi(c)
	return err == nil && n >= 0 && n <= lastCap()
}

// archPersonality maps lxc.arch names to a personality: 8 (PER_LINUX32)
// for 32-bit names, 0 (PER_LINUX) for 64-bit ones (lxc_config_parse_arch).
var archPersonality = map[string]int{
	"arm": 8, "armel": 8, "armhf": 8, "armv7l": 8, "athlon": 8, "i386": 8,
	"i486": 8, "i586": 8, "i686": 8, "linux32": 8, "mips": 8, "mipsel": 8,
	"ppc": 8, "powerpc": 8, "x86": 8,
	"aarch64": 0, "amd64": 0, "arm64": 0, "linux64": 0, "mips64": 0,
	"mips64el": 0, "ppc64": 0, "ppc64el": 0, "ppc64le": 0, "powerpc64": 0,
	"riscv64": 0, "s390x": 0, "x86_64": 0,
}

// ipv4ClassPrefix is the prefix LXC 5.0.2 gives an IPv4 address written
// without one. LXC applies the classful rule to the address in network
// byte order read as a host integer, so on little-endian machines the
// LAST octet decides (192.0.2.5 gets /8). We reproduce that so that
// lxc-info -c and the configured address match real LXC.
func ipv4ClassPrefix(last byte) int {
	switch {
	case last < 128:
		return 8
	case last < 192:
		return 16
	case last < 224:
		return 24
	}
	return 0
}
