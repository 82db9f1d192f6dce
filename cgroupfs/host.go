package cgroupfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Hierarchy is one mounted cgroup hierarchy, as found in mountinfo.
type Hierarchy struct {
	// Version is 1 for a legacy controller hierarchy ("cgroup" mount) and
	// 2 for the unified hierarchy ("cgroup2" mount).
	Version int
	// Mountpoint is the host path of the mount (/sys/fs/cgroup/memory).
	// It is what lxc-checkconfig prints.
	Mountpoint string
	// Root is the cgroup path at the root of the mount (mountinfo field 4),
	// "/" unless the mount is a bind of a sub-cgroup or inside a cgroup
	// namespace.
	Root string
	// Controllers lists v1 controllers bound to the hierarchy ("cpu",
	// "cpuacct", "name=systemd") or, for v2, the controllers listed in the
	// root's cgroup.controllers (empty on a hybrid host, where every
	// controller is bound to v1).
	Controllers []string
	// CloneChildren reports, for v1, whether the hierarchy has a
	// cgroup.clone_children file (lxc-checkconfig's "clone_children flag").
	CloneChildren bool
	// Current is the cgroup of the inspected process in this hierarchy
	// (from /proc/self/cgroup), "" when unknown.
	Current string

	dir string // Mountpoint on disk (prefixed by the injected root in tests)
}

// Has reports whether the hierarchy carries controller c.
func (h *Hierarchy) Has(c string) bool {
	for _, x := range h.Controllers {
		if x == c {
			return true
		}
	}
	return false
}

// Host is the set of cgroup hierarchies of a machine. The zero value has none.
type Host struct {
	// Hierarchies lists v1 hierarchies first (in mountinfo order), then the
	// unified hierarchy if one is mounted.
	Hierarchies []*Hierarchy
}

// Unified returns the cgroup2 hierarchy, or nil when none is mounted.
func (h *Host) Unified() *Hierarchy {
	for _, x := range h.Hierarchies {
		if x.Version == 2 {
			return x
		}
	}
	return nil
}

// Legacy returns the v1 hierarchies.
func (h *Host) Legacy() []*Hierarchy {
	var out []*Hierarchy
	for _, x := range h.Hierarchies {
		if x.Version == 1 {
			out = append(out, x)
		}
	}
	return out
}

// PureUnified reports whether the host has only the unified hierarchy
// (no v1 controller hierarchy), the layout where the v2 Manager is used.
func (h *Host) PureUnified() bool {
	return h.Unified() != nil && len(h.Legacy()) == 0
}

// Detect reads /proc/self/mountinfo and /proc/self/cgroup of the calling
// process.
func Detect() (*Host, error) {
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	cg, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read own cgroup: %w", err)
	}
	return ParseHost(mi, cg, "")
}

// ParseHost builds a Host from the contents of a mountinfo file and of a
// /proc/PID/cgroup file. root, when not empty, is prepended to every
// mountpoint to find the hierarchy on disk: tests point it at a fake tree in
// t.TempDir(). selfCgroup may be nil (Current stays empty).
func ParseHost(mountinfo, selfCgroup []byte, root string) (*Host, error) {
	mounts, err := ParseMountinfo(bytes.NewReader(mountinfo))
	if err != nil {
		return nil, err
	}
	cur, err := ParseProcCgroup(bytes.NewReader(selfCgroup))
	if err != nil {
		return nil, err
	}
	host := &Host{}
	var unified *Hierarchy
	seen := map[string]bool{}
	for _, m := range mounts {
		if m.FSType != "cgroup" && m.FSType != "cgroup2" {
			continue
		}
		// Bind mounts of one hierarchy share the device number: keep the
		// first, which is the one the init system mounted.
		if seen[m.FSType+m.Device] {
			continue
		}
		seen[m.FSType+m.Device] = true
		h := &Hierarchy{Mountpoint: m.Mountpoint, Root: m.Root, dir: filepath.Join(root, m.Mountpoint)}
		if root == "" {
			h.dir = m.Mountpoint
		}
		if m.FSType == "cgroup2" {
			if unified != nil {
				continue
			}
			h.Version = 2
			if b, err := os.ReadFile(filepath.Join(h.dir, "cgroup.controllers")); err == nil {
				h.Controllers = strings.Fields(string(b))
			}
			h.Current = cur[""]
			unified = h
			continue
		}
		h.Version = 1
		h.Controllers = v1Controllers(m.SuperOptions)
		if len(h.Controllers) == 0 {
			continue
		}
		for _, c := range h.Controllers {
			if p, ok := cur[c]; ok {
				h.Current = p
				break
			}
		}
		_, err := os.Stat(filepath.Join(h.dir, "cgroup.clone_children"))
		h.CloneChildren = err == nil
		host.Hierarchies = append(host.Hierarchies, h)
	}
	if unified != nil {
		host.Hierarchies = append(host.Hierarchies, unified)
	}
	return host, nil
}

// v1NotControllers are super options of a v1 cgroup mount that do not name
// a controller (see Documentation/admin-guide/cgroup-v1/cgroups.rst).
var v1NotControllers = map[string]bool{
	"rw": true, "ro": true, "noprefix": true, "clone_children": true,
	"xattr": true, "cpuset_v2_mode": true, "all": true, "none": true,
	"favordynmods": true,
}

func v1Controllers(superOpts string) []string {
	var out []string
	for _, o := range strings.Split(superOpts, ",") {
		if o == "" || v1NotControllers[o] || strings.HasPrefix(o, "release_agent=") {
			continue
		}
		out = append(out, o)
	}
	return out
}

// Mount is one line of /proc/PID/mountinfo (proc(5)).
type Mount struct {
	Device       string // major:minor
	Root         string
	Mountpoint   string
	FSType       string
	SuperOptions string
}

// ParseMountinfo parses /proc/PID/mountinfo. Octal escapes (\040) in paths
// are decoded.
func ParseMountinfo(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 6 || sep < 0 || sep+2 >= len(f) {
			return nil, fmt.Errorf("mountinfo line %d: malformed: %q", n, line)
		}
		m := Mount{
			Device:     f[2],
			Root:       unescapeOctal(f[3]),
			Mountpoint: unescapeOctal(f[4]),
			FSType:     f[sep+1],
		}
		if sep+3 < len(f) {
			m.SuperOptions = f[sep+3]
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return out, nil
}

func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseProcCgroup parses /proc/PID/cgroup ("id:controllers:path" lines).
// The result maps every controller (and "name=X") to its path; the unified
// hierarchy's path is under the key "".
func ParseProcCgroup(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("malformed cgroup line %q", line)
		}
		p := path.Clean("/" + parts[2])
		if parts[1] == "" {
			out[""] = p
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = p
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cgroup file: %w", err)
	}
	return out, nil
}
