package core

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mountFlag is one fstab(5) option that maps to a mount(2) flag. When
// clear is true the option removes the flag (rw removes MS_RDONLY).
type mountFlag struct {
	flag  uintptr
	clear bool
}

// mountFlags is the table of fstab options understood as mount(2) flags,
// the same set LXC's mount_opt table knows. Anything else is passed to the
// filesystem as data. Keep the table test (TestMountFlagTable) in sync:
// gokrazy once shipped swapped entries in a table like this.
var mountFlags = map[string]mountFlag{
	"defaults":      {0, false},
	"ro":            {unix.MS_RDONLY, false},
	"rw":            {unix.MS_RDONLY, true},
	"suid":          {unix.MS_NOSUID, true},
	"nosuid":        {unix.MS_NOSUID, false},
	"dev":           {unix.MS_NODEV, true},
	"nodev":         {unix.MS_NODEV, false},
	"exec":          {unix.MS_NOEXEC, true},
	"noexec":        {unix.MS_NOEXEC, false},
	"sync":          {unix.MS_SYNCHRONOUS, false},
	"async":         {unix.MS_SYNCHRONOUS, true},
	"dirsync":       {unix.MS_DIRSYNC, false},
	"remount":       {unix.MS_REMOUNT, false},
	"mand":          {unix.MS_MANDLOCK, false},
	"nomand":        {unix.MS_MANDLOCK, true},
	"atime":         {unix.MS_NOATIME, true},
	"noatime":       {unix.MS_NOATIME, false},
	"diratime":      {unix.MS_NODIRATIME, true},
	"nodiratime":    {unix.MS_NODIRATIME, false},
	"bind":          {unix.MS_BIND, false},
	"rbind":         {unix.MS_BIND | unix.MS_REC, false},
	"relatime":      {unix.MS_RELATIME, false},
	"norelatime":    {unix.MS_RELATIME, true},
	"strictatime":   {unix.MS_STRICTATIME, false},
	"nostrictatime": {unix.MS_STRICTATIME, true},
	"lazytime":      {unix.MS_LAZYTIME, false},
	"nolazytime":    {unix.MS_LAZYTIME, true},
	"iversion":      {unix.MS_I_VERSION, false},
	"noiversion":    {unix.MS_I_VERSION, true},
	"silent":        {unix.MS_SILENT, false},
	"loud":          {unix.MS_SILENT, true},
	"nosymfollow":   {unix.MS_NOSYMFOLLOW, false},
}

// propagationFlags maps the propagation options of lxc.mount.entry to
// mount(2) flags; the r* forms apply to the whole subtree.
var propagationFlags = map[string]uintptr{
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// mountOptions is the parsed option field of an fstab line.
type mountOptions struct {
	Flags       uintptr  // MS_* flags to set
	Clear       uintptr  // MS_* flags an option explicitly removed (rw, suid, ...)
	Propagation uintptr  // MS_SHARED/SLAVE/PRIVATE/UNBINDABLE, maybe | MS_REC; 0 = none
	Data        []string // options passed to the filesystem (size=, mode=, ...)
	Optional    bool     // LXC "optional": a failure is ignored
	Create      string   // LXC "create=dir" or "create=file": "dir", "file" or ""
	Relative    bool     // LXC "relative": the source is inside the rootfs
}

// DataString returns the filesystem data as mount(2) expects it.
func (o *mountOptions) DataString() string { return strings.Join(o.Data, ",") }

// parseMountOptions parses a comma-separated fstab option field with
// LXC's extras. Later options override earlier ones (ro,rw = rw).
func parseMountOptions(s string) (mountOptions, error) {
	var o mountOptions
	for _, opt := range strings.Split(s, ",") {
		opt = strings.TrimSpace(opt)
		if opt == "" {
			continue
		}
		if f, ok := mountFlags[opt]; ok {
			if f.clear {
				o.Flags &^= f.flag
				o.Clear |= f.flag
			} else {
				o.Flags |= f.flag
				o.Clear &^= f.flag
			}
			continue
		}
		if p, ok := propagationFlags[opt]; ok {
			o.Propagation = p
			continue
		}
		switch {
		case opt == "optional":
			o.Optional = true
		case opt == "relative":
			o.Relative = true
		case strings.HasPrefix(opt, "create="):
			v := strings.TrimPrefix(opt, "create=")
			if v != "dir" && v != "file" {
				return o, fmt.Errorf("option %q: create= must be dir or file", opt)
			}
			o.Create = v
		case strings.HasPrefix(opt, "idmap="):
			return o, fmt.Errorf("option %q: idmapped mount entries are not supported", opt)
		default:
			o.Data = append(o.Data, opt)
		}
	}
	return o, nil
}

// mountEntry is one parsed lxc.mount.entry / lxc.mount.fstab line.
type mountEntry struct {
	Line    string // as written, for error messages
	Source  string
	Target  string
	FSType  string
	Options string
	Opts    mountOptions
}

// unescapeFstab decodes the octal escapes getmntent(3) understands
// (\040 space, \011 tab, \012 newline, \134 backslash).
func unescapeFstab(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && isOctal(s[i+1:i+4]) {
			v, _ := strconv.ParseUint(s[i+1:i+4], 8, 16)
			b.WriteByte(byte(v))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for _, c := range s {
		if c < '0' || c > '7' {
			return false
		}
	}
	return true
}

// parseMountEntry parses an fstab line "src dst type opts [dump [pass]]".
// Like getmntent(3), dump and pass may be missing.
func parseMountEntry(line string) (*mountEntry, error) {
	fields := strings.Fields(line)
	if len(fields) < 4 || len(fields) > 6 {
		return nil, fmt.Errorf("mount entry %q: want \"source target type options [dump pass]\", got %d fields", line, len(fields))
	}
	for _, f := range fields[4:] {
		if _, err := strconv.Atoi(f); err != nil {
			return nil, fmt.Errorf("mount entry %q: dump/pass field %q is not a number", line, f)
		}
	}
	opts, err := parseMountOptions(unescapeFstab(fields[3]))
	if err != nil {
		return nil, fmt.Errorf("mount entry %q: %w", line, err)
	}
	return &mountEntry{
		Line:    line,
		Source:  unescapeFstab(fields[0]),
		Target:  unescapeFstab(fields[1]),
		FSType:  unescapeFstab(fields[2]),
		Options: fields[3],
		Opts:    opts,
	}, nil
}

// readMountFstab returns the entries of an lxc.mount.fstab file, skipping
// blank lines and # comments.
func readMountFstab(path string) ([]*mountEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mount fstab %q: %w", path, err)
	}
	defer f.Close()
	var out []*mountEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		e, err := parseMountEntry(l)
		if err != nil {
			return nil, fmt.Errorf("mount fstab %q line %d: %w", path, n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mount fstab %q: %w", path, err)
	}
	return out, nil
}

// autoMounts is lxc.mount.auto reduced to what this file implements.
type autoMounts struct {
	Proc string // "", "mixed", "rw"
	Sys  string // "", "ro", "mixed", "rw"
	// Cgroup is the last cgroup token as written; cgroup mounts are done
	// elsewhere, this only records that one was asked for.
	Cgroup string
}

// parseMountAuto maps lxc.mount.auto tokens. As lxc.container.conf(5)
// says, "proc" means proc:mixed and "sys" means sys:mixed; a later token
// of the same family wins. cgroup tokens are accepted and recorded only.
func parseMountAuto(tokens []string) (autoMounts, error) {
	var a autoMounts
	for _, tok := range tokens {
		switch tok {
		case "proc", "proc:mixed":
			a.Proc = "mixed"
		case "proc:rw":
			a.Proc = "rw"
		case "sys", "sys:mixed":
			a.Sys = "mixed"
		case "sys:ro":
			a.Sys = "ro"
		case "sys:rw":
			a.Sys = "rw"
		default:
			if isCgroupAutoToken(tok) || strings.HasPrefix(tok, "shmounts:") {
				if isCgroupAutoToken(tok) {
					a.Cgroup = tok
				}
				continue
			}
			return a, fmt.Errorf("lxc.mount.auto: invalid token %q", tok)
		}
	}
	return a, nil
}

// isCgroupAutoToken reports whether tok is one of LXC's cgroup mount.auto
// forms: cgroup[:mixed|:ro|:rw][:force], cgroup-full[...], cgroup2[:ro][:force].
func isCgroupAutoToken(tok string) bool {
	parts := strings.Split(tok, ":")
	switch parts[0] {
	case "cgroup", "cgroup-full", "cgroup2":
	default:
		return false
	}
	rest := parts[1:]
	if len(rest) > 0 && rest[len(rest)-1] == "force" {
		rest = rest[:len(rest)-1]
	}
	switch len(rest) {
	case 0:
		return true
	case 1:
		switch rest[0] {
		case "ro":
			return true
		case "mixed", "rw":
			return parts[0] != "cgroup2"
		}
	}
	return false
}

// mountAttrFor converts MS_* flags to a mount_setattr(2) request that sets
// flags and clears cleared. Flags that are superblock options (sync,
// dirsync, lazytime, ...) have no per-mount form and are ignored, as they
// are for bind mounts by mount(2).
func mountAttrFor(flags, cleared uintptr) unix.MountAttr {
	var a unix.MountAttr
	pairs := []struct {
		ms   uintptr
		attr uint64
	}{
		{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY},
		{unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
		{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV},
		{unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
		{unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME},
		{unix.MS_NOSYMFOLLOW, unix.MOUNT_ATTR_NOSYMFOLLOW},
	}
	for _, p := range pairs {
		if flags&p.ms != 0 {
			a.Attr_set |= p.attr
		} else if cleared&p.ms != 0 {
			a.Attr_clr |= p.attr
		}
	}
	// The atime mode is a 3-valued field: setting one means clearing the
	// whole field first (mount_setattr(2)).
	switch {
	case flags&unix.MS_NOATIME != 0:
		a.Attr_set |= unix.MOUNT_ATTR_NOATIME
		a.Attr_clr |= unix.MOUNT_ATTR__ATIME
	case flags&unix.MS_STRICTATIME != 0:
		a.Attr_set |= unix.MOUNT_ATTR_STRICTATIME
		a.Attr_clr |= unix.MOUNT_ATTR__ATIME
	case flags&unix.MS_RELATIME != 0:
		a.Attr_set |= unix.MOUNT_ATTR_RELATIME
		a.Attr_clr |= unix.MOUNT_ATTR__ATIME
	}
	return a
}
