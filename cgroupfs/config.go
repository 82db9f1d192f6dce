package cgroupfs

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// Setting is one raw cgroup file write: lxc.cgroup.<Key> = <Value> (v1) or
// lxc.cgroup2.<Key> = <Value> (v2). Key is the cgroup file name such as
// "memory.limit_in_bytes"; a leading "lxc.cgroup." or "lxc.cgroup2." is
// accepted and stripped.
type Setting struct {
	Key, Value string
}

// Config is what a container asks of the cgroup layer. core fills it from
// the container configuration; it is all Destroy needs after a crash.
type Config struct {
	// Name is the container name; cgroups are lxc.payload.<Name> and
	// lxc.monitor.<Name>.
	Name string
	// NoMonitor skips creating the monitor cgroups: a foreground monitor
	// (lxc-execute) stays in its caller's cgroup, so an empty
	// lxc.monitor.<Name> would only cost a mkdir and an rmdir per
	// hierarchy. Destroy still removes one left by an earlier run.
	NoMonitor bool `json:",omitempty"`
	// Relative (lxc.cgroup.relative) places the cgroups under the cgroup of
	// the calling process instead of the root of each hierarchy.
	Relative bool
	// Dir (lxc.cgroup.dir) puts both cgroups below this relative path.
	Dir string
	// DirContainer and DirMonitor (lxc.cgroup.dir.container,
	// lxc.cgroup.dir.monitor) replace the generated names; both or neither.
	DirContainer, DirMonitor string
	// DirMonitorPivot (lxc.cgroup.dir.monitor.pivot) is where the monitor
	// moves itself before removing its cgroup; default "lxc.pivot".
	DirMonitorPivot string
	// DirContainerInner (lxc.cgroup.dir.container.inner) is a cgroup below
	// the payload where the container's processes are placed, while limits
	// stay on the payload.
	DirContainerInner string
	// V1 are lxc.cgroup.* settings and V2 lxc.cgroup2.* settings, in
	// configuration order.
	V1, V2 []Setting
	// Warnf, when set, receives warnings: lxc.cgroup2.* limits skipped on
	// a legacy or hybrid host (see ApplySettings). It is not recorded.
	Warnf func(format string, args ...any) `json:"-"`
}

// Placement is where a container lives in one hierarchy. Cgroup paths are
// relative to the hierarchy's mount root and start with "/".
type Placement struct {
	*Hierarchy
	// Payload is the container's cgroup, where limits are written.
	Payload string
	// Init is where container processes are attached: Payload, or
	// Payload/<DirContainerInner>. A cgroup namespace should be rooted here.
	Init string
	// Monitor is the monitor's cgroup.
	Monitor string
	// Pivot is where a monitor moves itself before its cgroup is removed.
	Pivot string
}

// Dir returns the on-disk directory of a cgroup path of this hierarchy.
func (p *Placement) Dir(cgroup string) string {
	return filepath.Join(p.dir, filepath.FromSlash(cgroup))
}

// PayloadDir is Dir(Payload).
func (p *Placement) PayloadDir() string { return p.Dir(p.Payload) }

// InitDir is Dir(Init).
func (p *Placement) InitDir() string { return p.Dir(p.Init) }

// MonitorDir is Dir(Monitor).
func (p *Placement) MonitorDir() string { return p.Dir(p.Monitor) }

// PivotDir is Dir(Pivot).
func (p *Placement) PivotDir() string { return p.Dir(p.Pivot) }

// validate rejects names and directories that would leave the hierarchy or
// collide with the kernel's own files.
func (c *Config) validate() error {
	if c.Name == "" || c.Name == "." || c.Name == ".." || strings.ContainsAny(c.Name, "/\x00\n") {
		return fmt.Errorf("invalid container name %q for a cgroup", c.Name)
	}
	for _, d := range []struct{ key, val string }{
		{"lxc.cgroup.dir", c.Dir},
		{"lxc.cgroup.dir.container", c.DirContainer},
		{"lxc.cgroup.dir.monitor", c.DirMonitor},
		{"lxc.cgroup.dir.monitor.pivot", c.DirMonitorPivot},
		{"lxc.cgroup.dir.container.inner", c.DirContainerInner},
	} {
		if d.val == "" {
			continue
		}
		if err := checkRelDir(d.val); err != nil {
			return fmt.Errorf("%s = %q: %w", d.key, d.val, err)
		}
	}
	if (c.DirContainer == "") != (c.DirMonitor == "") {
		return errors.New("lxc.cgroup.dir.container and lxc.cgroup.dir.monitor must be set together")
	}
	if c.Dir != "" && c.DirContainer != "" {
		return errors.New("lxc.cgroup.dir conflicts with lxc.cgroup.dir.container")
	}
	return nil
}

func checkRelDir(d string) error {
	if strings.ContainsRune(d, 0) {
		return errors.New("contains a NUL byte")
	}
	for _, part := range strings.Split(strings.Trim(d, "/"), "/") {
		if part == ".." {
			return errors.New("must not contain \"..\"")
		}
	}
	if strings.Trim(path.Clean("/"+d), "/") == "" {
		return errors.New("must name a cgroup below the base")
	}
	return nil
}

// place computes the container's cgroup paths in hierarchy h. It only
// reads h, so it works after a crash from the configuration alone (for
// relative placement, the caller must be in the same cgroup as the monitor
// that created them was).
func (c *Config) place(h *Hierarchy) *Placement {
	base := "/"
	if c.Relative && h.Current != "" {
		base = h.Current
		// /proc/self/cgroup paths are relative to the cgroup namespace
		// root; the mount root may be a sub-cgroup of it.
		if h.Root != "/" && h.Root != "" {
			if rest, ok := strings.CutPrefix(base, h.Root); ok && (rest == "" || rest[0] == '/') {
				base = "/" + rest
			}
		}
	}
	p := &Placement{Hierarchy: h}
	switch {
	case c.DirContainer != "":
		p.Payload = path.Join(base, c.DirContainer)
		p.Monitor = path.Join(base, c.DirMonitor)
	case c.Dir != "":
		p.Payload = path.Join(base, c.Dir, "lxc.payload."+c.Name)
		p.Monitor = path.Join(base, c.Dir, "lxc.monitor."+c.Name)
	default:
		p.Payload = path.Join(base, "lxc.payload."+c.Name)
		p.Monitor = path.Join(base, "lxc.monitor."+c.Name)
	}
	p.Init = p.Payload
	if c.DirContainerInner != "" {
		p.Init = path.Join(p.Payload, c.DirContainerInner)
	}
	pivot := "lxc.pivot"
	if c.DirMonitorPivot != "" {
		pivot = c.DirMonitorPivot
	}
	p.Pivot = path.Join(base, pivot)
	return p
}

// settingKey strips an optional "lxc.cgroup." / "lxc.cgroup2." prefix and
// checks that the rest names a file directly in the cgroup directory.
func settingKey(key string) (string, error) {
	k := key
	if rest, ok := strings.CutPrefix(k, "lxc.cgroup2."); ok {
		k = rest
	} else if rest, ok := strings.CutPrefix(k, "lxc.cgroup."); ok {
		k = rest
	}
	if k == "" || k[0] == '.' || strings.ContainsAny(k, "/\x00\n") {
		return "", fmt.Errorf("invalid cgroup key %q", key)
	}
	return k, nil
}

// orderV1 returns the v1 settings in the order LXC writes them: the
// configuration order, except that memory.memsw.limit_in_bytes entries move
// after the last memory.limit_in_bytes, because the kernel refuses a memsw
// limit below the memory limit.
func orderV1(in []Setting) []Setting {
	last := -1
	for i, s := range in {
		if k, _ := settingKey(s.Key); k == "memory.limit_in_bytes" {
			last = i
		}
	}
	var out, moved []Setting
	for i, s := range in {
		k, _ := settingKey(s.Key)
		if k == "memory.memsw.limit_in_bytes" && i < last {
			moved = append(moved, s)
			continue
		}
		out = append(out, s)
		if i == last {
			out = append(out, moved...)
		}
	}
	return out
}
