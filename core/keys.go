package core

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// This file registers every non-network key of LXC 5.0.2's
// config_jump_table (src/lxc/confile.c). Get returns what LXC's
// get_config_item returns, which is what `lxc-info -c KEY` prints after
// "KEY = ": scalars as stored, list keys one item per line each followed
// by a newline, signals as numbers. Quirks of 5.0.2 that scripts may see
// are reproduced on purpose and commented where they occur.
//
// Setting a key to the empty value clears it (list keys: the whole list so
// far), as lxc_config_value_empty does in every LXC setter.

// errInvalidGet is returned by Get for keys LXC refuses to read
// (lxc.include, lxc.hook, lxc.net.N, lxc.namespace.share).
var errInvalidGet = errors.New("key cannot be read")

// listKeySet names the keys whose repeated lines append instead of
// replacing; the writer (configwrite.go) uses it.
var listKeySet = map[string]bool{}

// listPrefixes are key families where every key is a list.
var listPrefixes = []string{"lxc.cgroup.", "lxc.cgroup2.", "lxc.hook."}

// isListKey reports whether repeated lines of key accumulate.
func isListKey(key string) bool {
	keyTables()
	if listKeySet[key] {
		return true
	}
	for _, p := range listPrefixes {
		if strings.HasPrefix(key, p) && exactKeys[key] == nil {
			return true
		}
	}
	if strings.HasPrefix(key, "lxc.hook.") && key != "lxc.hook.version" {
		return true
	}
	if strings.HasPrefix(key, "lxc.net.") {
		_, sub, ok := splitNetKey(key)
		return ok && netListSub[sub]
	}
	return false
}

// joinList is get_config_item's list format: every item followed by "\n".
func joinList(items []string) string {
	var b strings.Builder
	for _, s := range items {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// strKey is a plain string scalar; check, when set, validates non-empty
// values.
func strKey(name string, f func(*Config) *string, check func(string) error) keyHandler {
	return keyHandler{
		name: name,
		set: func(c *Config, _, v string) error {
			if v != "" && check != nil {
				if err := check(v); err != nil {
					return err
				}
			}
			*f(c) = v
			return nil
		},
		get:   func(c *Config, _ string) (string, error) { return *f(c), nil },
		clear: func(c *Config, _ string) error { *f(c) = ""; return nil },
	}
}

// nullStrKey is a string scalar LXC prints with printf("%s") even when
// unset, so an unset value reads "(null)".
func nullStrKey(name string, f func(*Config) *string, check func(string) error) keyHandler {
	h := strKey(name, f, check)
	h.get = func(c *Config, _ string) (string, error) {
		if *f(c) == "" {
			return "(null)", nil
		}
		return *f(c), nil
	}
	return h
}

// boolKey is a strict 0|1 key.
func boolKey(name string, f func(*Config) *bool) keyHandler {
	return keyHandler{
		name: name,
		set: func(c *Config, _, v string) error {
			if v == "" {
				*f(c) = false
				return nil
			}
			b, err := parseBool01(v)
			if err != nil {
				return err
			}
			*f(c) = b
			return nil
		},
		get:   func(c *Config, _ string) (string, error) { return boolStr(*f(c)), nil },
		clear: func(c *Config, _ string) error { *f(c) = false; return nil },
	}
}

// intKey is an integer scalar read with parse; unset reads as "0".
func intKey(name string, f func(*Config) *int, parse func(string) (int, error)) keyHandler {
	return keyHandler{
		name: name,
		set: func(c *Config, _, v string) error {
			if v == "" {
				*f(c) = 0
				return nil
			}
			n, err := parse(v)
			if err != nil {
				return err
			}
			*f(c) = n
			return nil
		},
		get:   func(c *Config, _ string) (string, error) { return strconv.Itoa(*f(c)), nil },
		clear: func(c *Config, _ string) error { *f(c) = 0; return nil },
	}
}

// listKey appends each value (after check) to a list; empty clears.
func listKey(name string, f func(*Config) *[]string, check func(string) (string, error)) keyHandler {
	listKeySet[name] = true
	return keyHandler{
		name: name,
		set: func(c *Config, _, v string) error {
			if v == "" {
				*f(c) = nil
				return nil
			}
			if check != nil {
				var err error
				if v, err = check(v); err != nil {
					return err
				}
			}
			*f(c) = append(*f(c), v)
			return nil
		},
		get:   func(c *Config, _ string) (string, error) { return joinList(*f(c)), nil },
		clear: func(c *Config, _ string) error { *f(c) = nil; return nil },
	}
}

// signalKey stores a signal number; 0 = unset.
func signalKey(name string, f func(*Config) *int) keyHandler {
	return intKey(name, f, parseConfigSignal)
}

// relativeCgroupPath is LXC's check for lxc.cgroup.dir*: relative, never
// walking upwards.
func relativeCgroupPath(v string) error {
	if strings.HasPrefix(v, "/") {
		return errors.New("cgroup paths may not be absolute")
	}
	for _, p := range strings.Split(v, "/") {
		if p == ".." {
			return errors.New(`cgroup paths may not walk upwards via "../"`)
		}
	}
	return nil
}

// maxLen returns a check that refuses values of n bytes or more.
func maxLen(n int) func(string) error {
	return func(v string) error {
		if len(v) >= n {
			return fmt.Errorf("value longer than %d bytes", n-1)
		}
		return nil
	}
}

// rootfsTypes are the storage prefixes of lxc.rootfs.path ("dir:/x").
var rootfsTypes = []string{"dir", "overlay", "overlayfs", "btrfs", "zfs", "lvm", "loop", "nbd", "rbd"}

// RootfsPathOnly strips a storage type prefix from lxc.rootfs.path, as
// LXC 5.0.2 shows it through get_config_item ("dir:/x" reads "/x",
// "overlay:/a:/b" reads "/a:/b").
func RootfsPathOnly(p string) string {
	t, rest, ok := strings.Cut(p, ":")
	if !ok {
		return p
	}
	for _, x := range rootfsTypes {
		if t == x {
			return rest
		}
	}
	return p
}

// validMountAuto checks one lxc.mount.auto token against LXC's
// allowed_auto_mounts table (plus cgroup2 and shmounts).
func validMountAuto(tok string) bool {
	switch tok {
	case "proc", "proc:mixed", "proc:rw",
		"sys", "sys:ro", "sys:rw", "sys:mixed",
		"cgroup2", "cgroup2:ro", "cgroup2:force", "cgroup2:ro:force":
		return true
	}
	for _, base := range []string{"cgroup", "cgroup-full"} {
		rest, ok := strings.CutPrefix(tok, base)
		if !ok {
			continue
		}
		rest = strings.TrimSuffix(rest, ":force")
		switch rest {
		case "", ":mixed", ":ro", ":rw":
			return true
		}
	}
	return strings.HasPrefix(tok, "shmounts:")
}

// mountAutoGet reproduces get_config_mount_auto of 5.0.2: only the proc
// and sys settings and a plain (not forced, not -full) cgroup setting are
// printed, space-separated; the others are parsed and applied but not
// shown.
func mountAutoGet(toks []string) string {
	var proc, sys, cg string
	for _, t := range toks {
		switch {
		case t == "proc":
			proc = "proc:mixed"
		case strings.HasPrefix(t, "proc:"):
			proc = t
		case t == "sys":
			sys = "sys:mixed"
		case strings.HasPrefix(t, "sys:"):
			sys = t
		case t == "cgroup:mixed" || t == "cgroup:ro" || t == "cgroup:rw":
			cg = t
		}
	}
	var out []string
	for _, s := range []string{proc, sys, cg} {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// hookTypes are the lxc.hook.* names.
var hookTypes = []string{"pre-start", "pre-mount", "mount", "autodev", "start-host", "start", "stop", "post-stop", "clone", "destroy"}

// syslogFacilities are the values lxc.log.syslog accepts (lxc_syslog_facility).
var syslogFacilities = []string{"daemon", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

// kvFamily handles lxc.cgroup.*, lxc.cgroup2.*, lxc.sysctl.* and
// lxc.proc.*: the family key itself only clears (and reads all entries as
// "key = value" lines); each member key is a raw setting. When replace is
// set, a repeated member replaces the earlier value (sysctl, proc);
// otherwise values accumulate in file order (cgroup).
func kvFamily(family string, f func(*Config) *[]KV, replace bool) []keyHandler {
	prefix := family + "."
	all := keyHandler{
		name: family,
		set: func(c *Config, _, v string) error {
			if v != "" {
				return fmt.Errorf("%s must not have a value", family)
			}
			*f(c) = nil
			return nil
		},
		get: func(c *Config, _ string) (string, error) {
			var b strings.Builder
			for _, kv := range *f(c) {
				fmt.Fprintf(&b, "%s%s = %s\n", prefix, kv.Key, kv.Value)
			}
			return b.String(), nil
		},
		clear: func(c *Config, _ string) error { *f(c) = nil; return nil },
	}
	drop := func(c *Config, sub string) {
		kept := (*f(c))[:0]
		for _, kv := range *f(c) {
			if kv.Key != sub {
				kept = append(kept, kv)
			}
		}
		*f(c) = kept
	}
	member := keyHandler{
		name:   prefix,
		prefix: true,
		set: func(c *Config, key, v string) error {
			sub := strings.TrimPrefix(key, prefix)
			if sub == "" {
				return fmt.Errorf("missing name after %q", prefix)
			}
			if v == "" {
				drop(c, sub)
				return nil
			}
			if replace {
				for i := range *f(c) {
					if (*f(c))[i].Key == sub {
						(*f(c))[i].Value = v
						return nil
					}
				}
			}
			*f(c) = append(*f(c), KV{Key: sub, Value: v})
			return nil
		},
		get: func(c *Config, key string) (string, error) {
			sub := strings.TrimPrefix(key, prefix)
			var b strings.Builder
			for _, kv := range *f(c) {
				if kv.Key == sub {
					b.WriteString(kv.Value)
					if !replace {
						// cgroup values: one line each, like a list.
						b.WriteByte('\n')
					}
				}
			}
			return b.String(), nil
		},
		clear: func(c *Config, key string) error { drop(c, strings.TrimPrefix(key, prefix)); return nil },
	}
	return []keyHandler{all, member}
}

// parsePrlimit reads "soft[:hard]" where each part is a number,
// "unlimited" or -1 (RLIM_INFINITY).
func parsePrlimit(v string) (soft, hard uint64, err error) {
	one := func(s string) (uint64, error) {
		s = strings.Trim(s, " \t")
		if s == "unlimited" || s == "-1" {
			return ^uint64(0), nil
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid limit %q", s)
		}
		return n, nil
	}
	parts := strings.Split(v, ":")
	switch len(parts) {
	case 1:
		soft, err = one(parts[0])
		return soft, soft, err
	case 2:
		if soft, err = one(parts[0]); err != nil {
			return 0, 0, err
		}
		hard, err = one(parts[1])
		return soft, hard, err
	}
	return 0, 0, fmt.Errorf("invalid limit %q: want soft[:hard]", v)
}

func rlimStr(n uint64) string {
	if n == ^uint64(0) {
		return "unlimited"
	}
	return strconv.FormatUint(n, 10)
}

// prlimitStr is how LXC prints one limit: "soft" when soft == hard.
func prlimitStr(p Prlimit) string {
	if p.Soft == p.Hard {
		return rlimStr(p.Soft)
	}
	return rlimStr(p.Soft) + ":" + rlimStr(p.Hard)
}

// parseIDMap reads "u|g NSID HOSTID RANGE".
func parseIDMap(v string) (IDMap, error) {
	f := strings.Fields(v)
	if len(f) != 4 {
		return IDMap{}, fmt.Errorf("invalid id mapping %q: want \"u|g NSID HOSTID RANGE\"", v)
	}
	if f[0] != "u" && f[0] != "g" {
		return IDMap{}, fmt.Errorf("invalid id mapping type %q: want u or g", f[0])
	}
	var n [3]int64
	for i, s := range f[1:] {
		x, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return IDMap{}, fmt.Errorf("invalid id %q in id mapping", s)
		}
		n[i] = int64(x)
	}
	return IDMap{Kind: f[0][0], NSID: n[0], HostID: n[1], Range: n[2]}, nil
}

// timeOffsetGet reproduces LXC's two formats: lxc.time.offset.boot prints
// "N s\n" or "N ns\n", lxc.time.offset.monotonic "Ns\n" or "Nns\n".
// Whole seconds are shown in seconds (LXC keeps the unit family written;
// "1000ms" is the one case where the two differ).
func timeOffsetGet(ns int64, sep string) string {
	if ns != 0 && ns%1e9 == 0 {
		return fmt.Sprintf("%d%ss\n", ns/1e9, sep)
	}
	return fmt.Sprintf("%d%sns\n", ns, sep)
}

func registerBaseKeys() {
	registerKeys(
		keyHandler{
			name: "lxc.arch",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.Arch, c.Personality = "", -1
					return nil
				}
				p, ok := archPersonality[v]
				if !ok {
					return fmt.Errorf("unsupported personality %q", v)
				}
				c.Arch, c.Personality = v, p
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				switch c.Personality {
				case 8:
					return "i686", nil
				case 0:
					return "x86_64", nil
				}
				return "", nil
			},
			clear: func(c *Config, _ string) error { c.Arch, c.Personality = "", -1; return nil },
		},
		strKey("lxc.apparmor.profile", func(c *Config) *string { return &c.AppArmorProfile }, nil),
		boolKey("lxc.apparmor.allow_incomplete", func(c *Config) *bool { return &c.AppArmorAllowIncomplete }),
		boolKey("lxc.apparmor.allow_nesting", func(c *Config) *bool { return &c.AppArmorAllowNesting }),
		listKey("lxc.apparmor.raw", func(c *Config) *[]string { return &c.AppArmorRaw }, nil),
		keyHandler{
			name: "lxc.autodev.tmpfs.size",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.AutodevTmpfsSize = 0
					return nil
				}
				// LXC falls back to its default for anything that is not
				// a plain integer ("1MB" gives 500000).
				n, err := strconv.ParseInt(strings.Trim(v, " \t"), 10, 32)
				if err != nil {
					n = 500000
				}
				c.AutodevTmpfsSize = n
				return nil
			},
			get:   func(c *Config, _ string) (string, error) { return strconv.FormatInt(c.AutodevTmpfsSize, 10), nil },
			clear: func(c *Config, _ string) error { c.AutodevTmpfsSize = 0; return nil },
		},
		keyHandler{
			name: "lxc.autodev",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.Autodev = -1
					return nil
				}
				b, err := parseBool01(v)
				if err != nil {
					return err
				}
				c.Autodev = map[bool]int{false: 0, true: 1}[b]
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				if c.Autodev == 0 {
					return "0", nil
				}
				return "1", nil
			},
			clear: func(c *Config, _ string) error { c.Autodev = -1; return nil },
		},
		capKey("lxc.cap.drop", false),
		capKey("lxc.cap.keep", true),
		nullStrKey("lxc.cgroup.dir.monitor.pivot", func(c *Config) *string { return &c.CgroupDirMonitorPivot }, relativeCgroupPath),
		nullStrKey("lxc.cgroup.dir.monitor", func(c *Config) *string { return &c.CgroupDirMonitor }, relativeCgroupPath),
		nullStrKey("lxc.cgroup.dir.container.inner", func(c *Config) *string { return &c.CgroupDirInner }, relativeCgroupPath),
		nullStrKey("lxc.cgroup.dir.container", func(c *Config) *string { return &c.CgroupDirContainer }, relativeCgroupPath),
		nullStrKey("lxc.cgroup.dir", func(c *Config) *string { return &c.CgroupDir }, relativeCgroupPath),
		boolKey("lxc.cgroup.relative", func(c *Config) *bool { return &c.CgroupRelative }),
		sizeKey("lxc.console.buffer.size", func(c *Config) *int64 { return &c.ConsoleBufferSize }),
		strKey("lxc.console.logfile", func(c *Config) *string { return &c.ConsoleLogfile }, nil),
		strKey("lxc.console.path", func(c *Config) *string { return &c.ConsolePath }, nil),
		boolKey("lxc.console.rotate", func(c *Config) *bool { return &c.ConsoleRotate }),
		sizeKey("lxc.console.size", func(c *Config) *int64 { return &c.ConsoleSize }),
		boolKey("lxc.sched.core", func(c *Config) *bool { return &c.SchedCore }),
		listKey("lxc.environment", func(c *Config) *[]string { return &c.Environment }, func(v string) (string, error) {
			// "NAME" alone inherits the variable from the environment of
			// the process reading the config; LXC resolves it at parse
			// time and fails when it is unset.
			if !strings.Contains(v, "=") {
				val, ok := os.LookupEnv(v)
				if !ok {
					return "", fmt.Errorf("environment variable %q is not set", v)
				}
				return v + "=" + val, nil
			}
			return v, nil
		}),
		boolKey("lxc.ephemeral", func(c *Config) *bool { return &c.Ephemeral }),
		strKey("lxc.execute.cmd", func(c *Config) *string { return &c.ExecuteCmd }, nil),
		listKey("lxc.group", func(c *Config) *[]string { return &c.Groups }, nil),
		keyHandler{
			name: "lxc.hook.version",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.HookVersion = 0
					return nil
				}
				n, err := strconv.Atoi(strings.Trim(v, " \t"))
				if err != nil {
					n = 0 // LXC stores 0 for a non-number
				}
				if n != 0 && n != 1 {
					return errors.New("invalid hook version: only 0 (legacy) and 1 are supported")
				}
				c.HookVersion = n
				return nil
			},
			get:   func(c *Config, _ string) (string, error) { return strconv.Itoa(c.HookVersion), nil },
			clear: func(c *Config, _ string) error { c.HookVersion = 0; return nil },
		},
		keyHandler{
			name: "lxc.hook",
			set: func(c *Config, _, v string) error {
				if v != "" {
					return errors.New("lxc.hook must not have a value")
				}
				c.Hooks = map[string][]string{}
				return nil
			},
			get:   func(*Config, string) (string, error) { return "", errInvalidGet },
			clear: func(c *Config, _ string) error { c.Hooks = map[string][]string{}; return nil },
		},
		keyHandler{
			name: "lxc.idmap",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.IDMap = nil
					return nil
				}
				m, err := parseIDMap(v)
				if err != nil {
					return err
				}
				c.IDMap = append(c.IDMap, m)
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				// LXC separates maps with newlines but ends without one.
				var s []string
				for _, m := range c.IDMap {
					s = append(s, fmt.Sprintf("%c %d %d %d", m.Kind, m.NSID, m.HostID, m.Range))
				}
				return strings.Join(s, "\n"), nil
			},
			clear: func(c *Config, _ string) error { c.IDMap = nil; return nil },
		},
		keyHandler{
			// parseLine handles lxc.include itself; this entry serves
			// Set from -s and the key list.
			name:  "lxc.include",
			set:   func(c *Config, _, v string) error { return c.include(v) },
			get:   func(*Config, string) (string, error) { return "", errInvalidGet },
			clear: func(*Config, string) error { return nil },
		},
		strKey("lxc.init.cmd", func(c *Config) *string { return &c.InitCmd }, nil),
		idKey("lxc.init.gid", func(c *Config) *int { return &c.InitGID }),
		keyHandler{
			name: "lxc.init.groups",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.InitGroups = nil
					return nil
				}
				var add []int
				for _, g := range strings.Split(v, ",") {
					g = strings.Trim(g, " \t")
					if g == "" {
						continue
					}
					n, err := strconv.ParseUint(g, 10, 32)
					if err != nil {
						return fmt.Errorf("failed to parse group %q", g)
					}
					add = append(add, int(n))
				}
				c.InitGroups = append(c.InitGroups, add...)
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				s := make([]string, len(c.InitGroups))
				for i, g := range c.InitGroups {
					s[i] = strconv.Itoa(g)
				}
				return strings.Join(s, ","), nil
			},
			clear: func(c *Config, _ string) error { c.InitGroups = nil; return nil },
		},
		idKey("lxc.init.uid", func(c *Config) *int { return &c.InitUID }),
		strKey("lxc.init.cwd", func(c *Config) *string { return &c.InitCwd }, nil),
		keyHandler{
			name: "lxc.keyring.session",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.KeyringSession = -1
					return nil
				}
				b, err := parseBool01(v)
				if err != nil {
					return err
				}
				c.KeyringSession = map[bool]int{false: 0, true: 1}[b]
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				// Unset reads "0" in 5.0.2 although the default is on.
				return boolStr(c.KeyringSession == 1), nil
			},
			clear: func(c *Config, _ string) error { c.KeyringSession = -1; return nil },
		},
		strKey("lxc.log.file", func(c *Config) *string { return &c.LogFile }, nil),
		keyHandler{
			name: "lxc.log.level",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.LogLevel = -1
					return nil
				}
				n, err := parseLogPriority(v)
				if err != nil {
					return err
				}
				c.LogLevel = n
				return nil
			},
			get:   func(c *Config, _ string) (string, error) { return LogLevel(c.LogLevel).String(), nil },
			clear: func(c *Config, _ string) error { c.LogLevel = -1; return nil },
		},
		strKey("lxc.log.syslog", func(c *Config) *string { return &c.LogSyslog }, func(v string) error {
			for _, f := range syslogFacilities {
				if strings.EqualFold(f, v) {
					return nil
				}
			}
			return fmt.Errorf("invalid syslog facility %q", v)
		}),
		keyHandler{
			name: "lxc.monitor.unshare",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.MonitorUnshare = false
					return nil
				}
				// Any unsigned number is accepted; non-zero means on.
				n, err := parseUintLXC(v)
				if err != nil {
					return err
				}
				c.MonitorUnshare = n != 0
				return nil
			},
			get:   func(c *Config, _ string) (string, error) { return boolStr(c.MonitorUnshare), nil },
			clear: func(c *Config, _ string) error { c.MonitorUnshare = false; return nil },
		},
		keyHandler{
			name: "lxc.monitor.signal.pdeath",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.SignalPdeath = -1
					return nil
				}
				n, err := parseConfigSignal(v)
				if err != nil {
					return err
				}
				c.SignalPdeath = n
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				if c.SignalPdeath < 0 {
					return "9", nil
				}
				return strconv.Itoa(c.SignalPdeath), nil
			},
			clear: func(c *Config, _ string) error { c.SignalPdeath = -1; return nil },
		},
		keyHandler{
			name: "lxc.mount.auto",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.MountAuto = nil
					return nil
				}
				var add []string
				for _, t := range strings.Fields(v) {
					if !validMountAuto(t) {
						return fmt.Errorf("invalid filesystem to automount %q", t)
					}
					add = append(add, t)
				}
				c.MountAuto = append(c.MountAuto, add...)
				return nil
			},
			get:   func(c *Config, _ string) (string, error) { return mountAutoGet(c.MountAuto), nil },
			clear: func(c *Config, _ string) error { c.MountAuto = nil; return nil },
		},
		listKey("lxc.mount.entry", func(c *Config) *[]string { return &c.MountEntries }, nil),
		strKey("lxc.mount.fstab", func(c *Config) *string { return &c.MountFstab }, nil),
		keyHandler{
			name: "lxc.namespace.clone",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.NamespaceClone = nil
					return nil
				}
				if len(c.NamespaceKeep) > 0 {
					return errors.New(`cannot set both "lxc.namespace.clone" and "lxc.namespace.keep"`)
				}
				ns, err := parseNamespaces(v)
				if err != nil {
					return err
				}
				c.NamespaceClone = mergeNamespaces(c.NamespaceClone, ns)
				return nil
			},
			get:   func(c *Config, _ string) (string, error) { return joinList(c.NamespaceClone), nil },
			clear: func(c *Config, _ string) error { c.NamespaceClone = nil; return nil },
		},
		keyHandler{
			name: "lxc.namespace.keep",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.NamespaceKeep = nil
					return nil
				}
				if len(c.NamespaceClone) > 0 {
					return errors.New(`cannot set both "lxc.namespace.clone" and "lxc.namespace.keep"`)
				}
				ns, err := parseNamespaces(v)
				if err != nil {
					return err
				}
				c.NamespaceKeep = mergeNamespaces(c.NamespaceKeep, ns)
				return nil
			},
			get:   func(c *Config, _ string) (string, error) { return joinList(c.NamespaceKeep), nil },
			clear: func(c *Config, _ string) error { c.NamespaceKeep = nil; return nil },
		},
		keyHandler{
			name:   "lxc.namespace.share.",
			prefix: true,
			set: func(c *Config, key, v string) error {
				ns := strings.TrimPrefix(key, "lxc.namespace.share.")
				if !validNamespace(ns) {
					return fmt.Errorf("invalid namespace name %q", ns)
				}
				if v == "" {
					delete(c.NamespaceShare, ns)
					return nil
				}
				c.NamespaceShare[ns] = v
				return nil
			},
			get: func(c *Config, key string) (string, error) {
				ns := strings.TrimPrefix(key, "lxc.namespace.share.")
				if !validNamespace(ns) {
					return "", fmt.Errorf("invalid namespace name %q", ns)
				}
				if v, ok := c.NamespaceShare[ns]; ok {
					return v, nil
				}
				return "(null)", nil
			},
			clear: func(c *Config, key string) error {
				delete(c.NamespaceShare, strings.TrimPrefix(key, "lxc.namespace.share."))
				return nil
			},
		},
		timeKey("lxc.time.offset.boot", func(c *Config) *int64 { return &c.TimeOffsetBoot }, " "),
		timeKey("lxc.time.offset.monotonic", func(c *Config) *int64 { return &c.TimeOffsetMonotonic }, ""),
		boolKey("lxc.no_new_privs", func(c *Config) *bool { return &c.NoNewPrivs }),
		keyHandler{
			name: "lxc.prlimit",
			set: func(c *Config, _, v string) error {
				if v != "" {
					return errors.New("lxc.prlimit must not have a value")
				}
				c.Prlimit = nil
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				var b strings.Builder
				for _, p := range c.Prlimit {
					fmt.Fprintf(&b, "lxc.prlimit.%s = %s\n", p.Name, prlimitStr(p))
				}
				return b.String(), nil
			},
			clear: func(c *Config, _ string) error { c.Prlimit = nil; return nil },
		},
		keyHandler{
			name:   "lxc.prlimit.",
			prefix: true,
			set: func(c *Config, key, v string) error {
				name := strings.TrimPrefix(key, "lxc.prlimit.")
				if name == "" {
					return errors.New(`missing limit name after "lxc.prlimit."`)
				}
				if v == "" {
					c.dropPrlimit(name)
					return nil
				}
				soft, hard, err := parsePrlimit(v)
				if err != nil {
					return err
				}
				p := Prlimit{Name: name, Soft: soft, Hard: hard, Raw: v}
				for i := range c.Prlimit {
					if c.Prlimit[i].Name == name {
						c.Prlimit[i] = p
						return nil
					}
				}
				c.Prlimit = append(c.Prlimit, p)
				return nil
			},
			get: func(c *Config, key string) (string, error) {
				name := strings.TrimPrefix(key, "lxc.prlimit.")
				for _, p := range c.Prlimit {
					if p.Name == name {
						return prlimitStr(p), nil
					}
				}
				return "", nil
			},
			clear: func(c *Config, key string) error { c.dropPrlimit(strings.TrimPrefix(key, "lxc.prlimit.")); return nil },
		},
		intKey("lxc.pty.max", func(c *Config) *int { return &c.PTYMax }, parseUintBase0),
		keyHandler{
			name: "lxc.rootfs.managed",
			set: func(c *Config, _, v string) error {
				if v == "" {
					c.RootfsManaged = true
					return nil
				}
				b, err := parseBool01(v)
				if err != nil {
					return err
				}
				c.RootfsManaged = b
				return nil
			},
			get:   func(c *Config, _ string) (string, error) { return boolStr(c.RootfsManaged), nil },
			clear: func(c *Config, _ string) error { c.RootfsManaged = true; return nil },
		},
		keyHandler{
			name: "lxc.rootfs.mount",
			set: func(c *Config, _, v string) error {
				c.RootfsMount = v
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				if c.RootfsMount == "" {
					return DefaultRootfsMount, nil
				}
				return c.RootfsMount, nil
			},
			clear: func(c *Config, _ string) error { c.RootfsMount = ""; return nil },
		},
		strKey("lxc.rootfs.options", func(c *Config) *string { return &c.RootfsOptions }, func(v string) error {
			for _, o := range strings.Split(v, ",") {
				if p, ok := strings.CutPrefix(o, "idmap="); ok && p != "container" {
					if _, err := os.Stat(p); err != nil {
						return fmt.Errorf("failed to open user namespace %q", p)
					}
				}
			}
			return nil
		}),
		keyHandler{
			name:  "lxc.rootfs.path",
			set:   func(c *Config, _, v string) error { c.RootfsPath = v; return nil },
			get:   func(c *Config, _ string) (string, error) { return RootfsPathOnly(c.RootfsPath), nil },
			clear: func(c *Config, _ string) error { c.RootfsPath = ""; return nil },
		},
		boolKey("lxc.seccomp.allow_nesting", func(c *Config) *bool { return &c.SeccompAllowNesting }),
		strKey("lxc.seccomp.notify.cookie", func(c *Config) *string { return &c.SeccompNotifyCookie }, nil),
		keyHandler{
			name: "lxc.seccomp.notify.proxy",
			set: func(c *Config, _, v string) error {
				if v != "" && !strings.HasPrefix(v, "unix:") {
					return errors.New(`seccomp proxy must be "unix:PATH" or "unix:@NAME"`)
				}
				c.SeccompNotifyProxy = v
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				// LXC prints the socket address: the path, or the
				// abstract name without its leading NUL ('@').
				p := strings.TrimPrefix(c.SeccompNotifyProxy, "unix:")
				return strings.TrimPrefix(p, "@"), nil
			},
			clear: func(c *Config, _ string) error { c.SeccompNotifyProxy = ""; return nil },
		},
		strKey("lxc.seccomp.profile", func(c *Config) *string { return &c.SeccompProfile }, nil),
		strKey("lxc.selinux.context.keyring", func(c *Config) *string { return &c.SELinuxContextKeyring }, nil),
		strKey("lxc.selinux.context", func(c *Config) *string { return &c.SELinuxContext }, nil),
		signalKey("lxc.signal.halt", func(c *Config) *int { return &c.SignalHalt }),
		signalKey("lxc.signal.reboot", func(c *Config) *int { return &c.SignalReboot }),
		signalKey("lxc.signal.stop", func(c *Config) *int { return &c.SignalStop }),
		intKey("lxc.start.auto", func(c *Config) *int { return &c.StartAuto }, func(v string) (int, error) {
			b, err := parseBool01(v)
			return map[bool]int{false: 0, true: 1}[b], err
		}),
		intKey("lxc.start.delay", func(c *Config) *int { return &c.StartDelay }, func(v string) (int, error) {
			n, err := parseUintLXC(v)
			return int(n), err
		}),
		intKey("lxc.start.order", func(c *Config) *int { return &c.StartOrder }, parseIntLXC),
		strKey("lxc.tty.dir", func(c *Config) *string { return &c.TTYDir }, maxLen(256)),
		intKey("lxc.tty.max", func(c *Config) *int { return &c.TTYMax }, parseUintBase0),
		strKey("lxc.uts.name", func(c *Config) *string { return &c.UTSName }, maxLen(65)),
	)
	registerKeys(kvFamily("lxc.cgroup", func(c *Config) *[]KV { return &c.Cgroup }, false)...)
	registerKeys(kvFamily("lxc.cgroup2", func(c *Config) *[]KV { return &c.Cgroup2 }, false)...)
	registerKeys(kvFamily("lxc.sysctl", func(c *Config) *[]KV { return &c.Sysctl }, true)...)
	registerKeys(kvFamily("lxc.proc", func(c *Config) *[]KV { return &c.Proc }, true)...)
	for _, t := range hookTypes {
		t := t
		listKeySet["lxc.hook."+t] = true
		registerKeys(keyHandler{
			name: "lxc.hook." + t,
			set: func(c *Config, _, v string) error {
				if v == "" {
					delete(c.Hooks, t)
					return nil
				}
				c.Hooks[t] = append(c.Hooks[t], v)
				return nil
			},
			get:   func(c *Config, _ string) (string, error) { return joinList(c.Hooks[t]), nil },
			clear: func(c *Config, _ string) error { delete(c.Hooks, t); return nil },
		})
	}
	for _, k := range []string{"lxc.cap.drop", "lxc.cap.keep", "lxc.mount.auto", "lxc.idmap", "lxc.init.groups", "lxc.namespace.clone", "lxc.namespace.keep"} {
		listKeySet[k] = true
	}
}

// DefaultRootfsMount is where LXC mounts the rootfs before pivoting,
// reported by lxc.rootfs.mount when unset.
const DefaultRootfsMount = "/usr/lib/x86_64-linux-gnu/lxc/rootfs"

func (c *Config) dropPrlimit(name string) {
	kept := c.Prlimit[:0]
	for _, p := range c.Prlimit {
		if p.Name != name {
			kept = append(kept, p)
		}
	}
	c.Prlimit = kept
}

// capKey handles lxc.cap.drop (keep false) and lxc.cap.keep. Names are
// checked against the kernel's list; the two keys exclude each other.
// "lxc.cap.keep = none" keeps nothing: CapKeep then holds the single
// word "none" so that keep mode is visible to the runtime. Both keys read
// back the active list, as in 5.0.2, whose get handlers share one list.
func capKey(name string, keep bool) keyHandler {
	return keyHandler{
		name: name,
		set: func(c *Config, _, v string) error {
			list, other := &c.CapDrop, c.CapKeep
			if keep {
				list, other = &c.CapKeep, c.CapDrop
			}
			if v == "" {
				*list = nil
				return nil
			}
			if len(other) > 0 {
				return errors.New("keeping and dropping capabilities are mutually exclusive")
			}
			for _, f := range strings.Fields(v) {
				if keep && f == "none" {
					*list = []string{"none"}
					continue
				}
				if !validCapability(f) {
					return fmt.Errorf("invalid capability %q (lower-case name without \"cap_\", or a number)", f)
				}
				if len(*list) == 1 && (*list)[0] == "none" {
					*list = nil
				}
				*list = append(*list, f)
			}
			return nil
		},
		get: func(c *Config, _ string) (string, error) {
			l := c.CapDrop
			if len(c.CapKeep) > 0 {
				l = c.CapKeep
			}
			if len(l) == 1 && l[0] == "none" {
				return "", nil
			}
			return joinList(l), nil
		},
		clear: func(c *Config, _ string) error {
			if keep {
				c.CapKeep = nil
			} else {
				c.CapDrop = nil
			}
			return nil
		},
	}
}

// sizeKey is lxc.console.size / lxc.console.buffer.size: "auto" is 128
// KiB, sizes are rounded up to a power of two of at least one page.
func sizeKey(name string, f func(*Config) *int64) keyHandler {
	return keyHandler{
		name: name,
		set: func(c *Config, _, v string) error {
			if v == "" {
				*f(c) = 0
				return nil
			}
			if v == "auto" {
				*f(c) = 128 << 10
				return nil
			}
			n, err := parseByteSize(v)
			if err != nil {
				return err
			}
			*f(c) = consoleSize(n)
			return nil
		},
		get:   func(c *Config, _ string) (string, error) { return strconv.FormatInt(*f(c), 10), nil },
		clear: func(c *Config, _ string) error { *f(c) = 0; return nil },
	}
}

// idKey is lxc.init.uid / lxc.init.gid: -1 internally when unset, read
// as "0".
func idKey(name string, f func(*Config) *int) keyHandler {
	return keyHandler{
		name: name,
		set: func(c *Config, _, v string) error {
			if v == "" {
				*f(c) = -1
				return nil
			}
			n, err := parseIDLax(v)
			if err != nil {
				return err
			}
			*f(c) = n
			return nil
		},
		get: func(c *Config, _ string) (string, error) {
			if *f(c) < 0 {
				return "0", nil
			}
			return strconv.Itoa(*f(c)), nil
		},
		clear: func(c *Config, _ string) error { *f(c) = -1; return nil },
	}
}

// timeKey is lxc.time.offset.*.
func timeKey(name string, f func(*Config) *int64, sep string) keyHandler {
	return keyHandler{
		name: name,
		set: func(c *Config, _, v string) error {
			if v == "" {
				*f(c) = 0
				return nil
			}
			n, _, err := parseTimeOffset(v)
			if err != nil {
				return err
			}
			*f(c) = n
			return nil
		},
		get:   func(c *Config, _ string) (string, error) { return timeOffsetGet(*f(c), sep), nil },
		clear: func(c *Config, _ string) error { *f(c) = 0; return nil },
	}
}
