package core

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Pre-2.1 configuration keys. LXC 5.0 rejects them as unsupported; we
// reject them too, but name the key that replaced them, and
// RewriteLegacy (lxc-update-config) converts a file.

// ErrLegacyKey is wrapped by errors for pre-2.1 keys.
var ErrLegacyKey = errors.New("legacy key")

// legacyRenames maps old exact keys to their 5.0 names.
var legacyRenames = map[string]string{
	"lxc.id_map":              "lxc.idmap",
	"lxc.pts":                 "lxc.pty.max",
	"lxc.tty":                 "lxc.tty.max",
	"lxc.devttydir":           "lxc.tty.dir",
	"lxc.aa_profile":          "lxc.apparmor.profile",
	"lxc.aa_allow_incomplete": "lxc.apparmor.allow_incomplete",
	"lxc.se_context":          "lxc.selinux.context",
	"lxc.mount":               "lxc.mount.fstab",
	"lxc.utsname":             "lxc.uts.name",
	"lxc.seccomp":             "lxc.seccomp.profile",
	"lxc.console":             "lxc.console.path",
	"lxc.haltsignal":          "lxc.signal.halt",
	"lxc.rebootsignal":        "lxc.signal.reboot",
	"lxc.stopsignal":          "lxc.signal.stop",
	"lxc.syslog":              "lxc.log.syslog",
	"lxc.loglevel":            "lxc.log.level",
	"lxc.logfile":             "lxc.log.file",
	"lxc.init_cmd":            "lxc.init.cmd",
	"lxc.init_uid":            "lxc.init.uid",
	"lxc.init_gid":            "lxc.init.gid",
	"lxc.rootfs":              "lxc.rootfs.path",
	"lxc.network":             "lxc.net",
}

// legacyRemoved are old keys without a replacement.
var legacyRemoved = map[string]bool{
	"lxc.rootfs.backend": true,
	"lxc.pivotdir":       true,
	"lxc.kmsg":           true,
}

// legacyNetSub maps old lxc.network.* subkeys whose name changed.
var legacyNetSub = map[string]string{
	"ipv4": "ipv4.address",
	"ipv6": "ipv6.address",
}

func legacyErr(newKey string) error {
	return fmt.Errorf("%w, use %q (lxc-update-config -c FILE rewrites it)", ErrLegacyKey, newKey)
}

func legacyHandler(name string, prefix bool, set func(c *Config, key, v string) error) keyHandler {
	// No get or clear: Get and Clear of a legacy key report an unknown
	// key, as LXC does.
	return keyHandler{name: name, prefix: prefix, set: set}
}

func registerLegacyKeys() {
	for old, repl := range legacyRenames {
		repl := repl
		registerKeys(legacyHandler(old, false, func(*Config, string, string) error { return legacyErr(repl) }))
	}
	for old := range legacyRemoved {
		registerKeys(legacyHandler(old, false, func(*Config, string, string) error {
			return fmt.Errorf("%w, no longer supported: remove it (lxc-update-config -c FILE does)", ErrLegacyKey)
		}))
	}
	registerKeys(
		legacyHandler("lxc.network.", true, func(_ *Config, key, _ string) error {
			sub := strings.TrimPrefix(key, "lxc.network.")
			if r, ok := legacyNetSub[sub]; ok {
				sub = r
			}
			return legacyErr("lxc.net.N." + sub)
		}),
		legacyHandler("lxc.limit.", true, func(_ *Config, key, _ string) error {
			return legacyErr("lxc.prlimit." + strings.TrimPrefix(key, "lxc.limit."))
		}),
	)
}

// splitConfigLine splits a config line into its leading blanks, key and
// the rest (starting at the blanks before '='). ok is false for blank
// lines, comments and lines without '='.
func splitConfigLine(line string) (indent, key, rest string, ok bool) {
	t := strings.TrimLeft(line, " \t")
	indent = line[:len(line)-len(t)]
	if t == "" || t[0] == '#' {
		return "", "", "", false
	}
	eq := strings.IndexByte(t, '=')
	if eq < 0 {
		return "", "", "", false
	}
	key = strings.TrimRight(t[:eq], " \t")
	return indent, key, t[len(key):], true
}

// RewriteLegacy converts the pre-2.1 keys in the lines of a config file
// to their 5.0 names, keeping everything else (comments, spacing, values,
// unknown lines) byte for byte. It does what lxc-update-config does:
//
//   - renames (lxc.utsname -> lxc.uts.name, lxc.id_map -> lxc.idmap, ...),
//   - lxc.network.* -> lxc.net.N.*, where N starts at 0 and goes up at
//     each lxc.network.type line after the first; lxc.network.ipv4 and
//     .ipv6 become .ipv4.address and .ipv6.address,
//   - lxc.rootfs = PATH -> lxc.rootfs.path = BACKEND:PATH when the file
//     has an lxc.rootfs.backend line (which is removed), else = PATH,
//   - lxc.pivotdir and lxc.kmsg lines are removed,
//
// and, unlike LXC's shell script whose pattern misses them, it also
// rewrites lxc.limit.NAME to lxc.prlimit.NAME. Commented-out keys are left
// alone. changed reports whether any line changed.
func RewriteLegacy(lines []string) (out []string, changed bool) {
	backend := ""
	for _, l := range lines {
		if _, k, rest, ok := splitConfigLine(l); ok && k == "lxc.rootfs.backend" {
			backend = strings.Trim(unquote(strings.Trim(strings.TrimPrefix(strings.TrimLeft(rest, " \t"), "="), " \t")), " \t")
		}
	}
	net := -1
	out = make([]string, 0, len(lines))
	for _, l := range lines {
		indent, k, rest, ok := splitConfigLine(l)
		if !ok {
			out = append(out, l)
			continue
		}
		nk := k
		switch {
		case legacyRemoved[k]:
			changed = true
			continue
		case k == "lxc.rootfs":
			nk = "lxc.rootfs.path"
			if backend != "" {
				eq := strings.IndexByte(rest, '=')
				pre := rest[:eq+1]
				v := rest[eq+1:]
				vt := strings.TrimLeft(v, " \t")
				rest = pre + v[:len(v)-len(vt)] + backend + ":" + vt
			}
		case strings.HasPrefix(k, "lxc.network."):
			sub := strings.TrimPrefix(k, "lxc.network.")
			if sub == "type" || net < 0 {
				net++
			}
			if r, ok := legacyNetSub[sub]; ok {
				sub = r
			}
			nk = "lxc.net." + strconv.Itoa(net) + "." + sub
		case strings.HasPrefix(k, "lxc.limit."):
			nk = "lxc.prlimit." + strings.TrimPrefix(k, "lxc.limit.")
		default:
			if r, ok := legacyRenames[k]; ok {
				nk = r
			}
		}
		if nk != k {
			changed = true
		}
		out = append(out, indent+nk+rest)
	}
	return out, changed
}

// UpdateLegacyConfig rewrites the config file at path in place with
// RewriteLegacy (lxc-update-config -c FILE). Like LXC's tool it first
// copies the file to FILE.backup (always); the rewrite itself is atomic.
func UpdateLegacyConfig(path string) (changed bool, err error) {
	data, err := readConfigFile(path)
	if err != nil {
		return false, fmt.Errorf("reading %q: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	if err := writeFileAtomic(path+".backup", data, st.Mode().Perm()); err != nil {
		return false, fmt.Errorf("writing backup: %w", err)
	}
	lines, changed := RewriteLegacy(strings.Split(string(data), "\n"))
	if !changed {
		return false, nil
	}
	if err := writeFileAtomic(path, []byte(strings.Join(lines, "\n")), st.Mode().Perm()); err != nil {
		return false, err
	}
	return true, nil
}
