package core

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxc-go/lxc/cgroupfs"
)

// The cgroup part of lxc.mount.auto: cgroup[:mixed|:ro|:rw][:force],
// cgroup-full[...] and cgroup2[:ro][:force].
//
// LXC's rule (cgfsng_mount in src/lxc/cgroups/cgfsng.c): when the
// container gets a cgroup namespace, nothing is mounted, because its init
// can mount cgroupfs itself and sees only its own subtree; ":force", a
// container without CAP_SYS_ADMIN (it could not mount them itself) and a
// pure cgroup2 host (distributions that do not mount cgroup2 themselves)
// override that.
//
// What is mounted, on /sys/fs/cgroup of the container:
//
//   - legacy or hybrid host, cgroup or cgroup-full: a tmpfs (nosuid,
//     nodev, noexec, mode 755), a directory per host hierarchy named like
//     the host's (cpu, memory, systemd, unified, "cpu,cpuacct" plus the
//     cpu and cpuacct symlinks), each holding a fresh mount of that
//     hierarchy. The tmpfs is made read-only afterwards except in rw mode.
//   - pure cgroup2 host, or the cgroup2 token: one cgroup2 mount directly
//     on /sys/fs/cgroup.
//
// Inside a cgroup namespace a fresh mount shows only the container's own
// subtree (the namespace is rooted at its cgroup), so it is writable
// except in ro mode. Without a cgroup namespace a fresh mount shows the
// host's whole hierarchy: it is read-only except in rw modes, and in
// mixed modes the container's own cgroup is bound writable over its path.
// So in the default modes a container never gets write access to another
// cgroup, or to the v1 release_agent of a hierarchy root (CVE-2022-0492).

// cgroupAuto is a parsed cgroup lxc.mount.auto token.
type cgroupAuto struct {
	kind  string // "cgroup", "cgroup-full" or "cgroup2"
	mode  string // "mixed", "ro" or "rw"
	force bool
}

// parseCgroupAuto parses a token accepted by isCgroupAutoToken. Without an
// explicit mode LXC picks rw when the container keeps CAP_SYS_ADMIN and
// mixed otherwise (cgroup2: rw).
func parseCgroupAuto(tok string, keepsSysAdmin bool) cgroupAuto {
	parts := strings.Split(tok, ":")
	a := cgroupAuto{kind: parts[0]}
	for _, p := range parts[1:] {
		if p == "force" {
			a.force = true
		} else {
			a.mode = p
		}
	}
	if a.mode == "" {
		a.mode = "rw"
		if a.kind != "cgroup2" && !keepsSysAdmin {
			a.mode = "mixed"
		}
	}
	return a
}

// keepsCapSysAdmin reports whether the container's init will still hold
// CAP_SYS_ADMIN (lxc.cap.keep / lxc.cap.drop).
func keepsCapSysAdmin(cfg *Config) bool {
	if len(cfg.CapKeep) > 0 {
		return hasString(cfg.CapKeep, "sys_admin")
	}
	return !hasString(cfg.CapDrop, "sys_admin")
}

// inOwnCgroupNamespace reports whether the calling process (the
// container's init) sits at the root of its cgroup namespace in every
// hierarchy, which is the case exactly when it unshared a cgroup
// namespace after being placed in its payload cgroups: outside one,
// /proc/self/cgroup shows the lxc.payload.NAME paths.
func inOwnCgroupNamespace() bool {
	if _, err := os.Stat("/proc/self/ns/cgroup"); err != nil {
		return false // the kernel has no cgroup namespaces
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), ":", 3)
		if len(f) == 3 && f[2] != "/" {
			return false
		}
	}
	return true
}

// mountCgroupAuto performs the cgroup token of lxc.mount.auto (the last
// one wins, as in LXC) inside the container's mount namespace, before
// pivot_root and after /sys is mounted.
func (c *rootfsCtx) mountCgroupAuto() error {
	auto, err := parseMountAuto(c.cfg.MountAuto)
	if err != nil {
		return err
	}
	tok := auto.Cgroup
	if tok == "" {
		return nil
	}
	a := parseCgroupAuto(tok, keepsCapSysAdmin(c.cfg))
	host, err := cgroupfs.Detect()
	if err != nil {
		return fmt.Errorf("lxc.mount.auto %s: %w", tok, err)
	}
	cgns := inOwnCgroupNamespace()
	force := a.force || !keepsCapSysAdmin(c.cfg) || host.PureUnified()
	if cgns && !force {
		slog.Debug("lxc.mount.auto cgroup skipped: the container has a cgroup namespace", "token", tok)
		return nil
	}
	dfd, err := c.cgroupMountDir()
	if err != nil {
		return fmt.Errorf("lxc.mount.auto %s: %w", tok, err)
	}
	defer unix.Close(dfd)
	if a.kind == "cgroup2" || host.PureUnified() {
		u := host.Unified()
		if u == nil {
			return fmt.Errorf("lxc.mount.auto %s: the host has no cgroup2 hierarchy", tok)
		}
		if err := mountHierarchy(dfd, u, a, cgns); err != nil {
			return fmt.Errorf("lxc.mount.auto %s: /sys/fs/cgroup: %w", tok, err)
		}
		return nil
	}

	tfd, err := fsMountFd("tmpfs", map[string]string{"size": "10240k", "mode": "755"}, 0)
	if err != nil {
		return fmt.Errorf("lxc.mount.auto %s: tmpfs: %w", tok, err)
	}
	defer unix.Close(tfd)
	if err := unix.MoveMount(tfd, "", dfd, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("lxc.mount.auto %s: tmpfs on /sys/fs/cgroup: %w", tok, err)
	}
	for _, h := range host.Hierarchies {
		name := path.Base(h.Mountpoint)
		if name == "/" || name == "." || strings.ContainsAny(name, "/\x00") {
			continue
		}
		if err := unix.Mkdirat(tfd, name, 0o755); err != nil && err != unix.EEXIST {
			return fmt.Errorf("lxc.mount.auto %s: /sys/fs/cgroup/%s: %w", tok, name, err)
		}
		hfd, err := unix.Openat(tfd, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("lxc.mount.auto %s: /sys/fs/cgroup/%s: %w", tok, name, err)
		}
		err = mountHierarchy(hfd, h, a, cgns)
		unix.Close(hfd)
		if err != nil {
			return fmt.Errorf("lxc.mount.auto %s: /sys/fs/cgroup/%s: %w", tok, name, err)
		}
		// Co-mounted controllers ("cpu,cpuacct") are also reachable by
		// each controller's name, as on the host.
		if h.Version == 1 && strings.Contains(name, ",") {
			for _, ctrl := range strings.Split(name, ",") {
				if ctrl != "" && !strings.HasPrefix(ctrl, "name=") {
					_ = unix.Symlinkat(name, tfd, ctrl)
				}
			}
		}
	}
	if a.mode != "rw" {
		if err := setMountAttr(tfd, false, unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
			return fmt.Errorf("lxc.mount.auto %s: /sys/fs/cgroup read-only: %w", tok, err)
		}
	}
	return nil
}

// cgroupMountDir opens /sys/fs/cgroup in the container root, creating it
// in a rootfs without a sysfs; symlinks are refused all the way.
func (c *rootfsCtx) cgroupMountDir() (int, error) {
	const rel = "sys/fs/cgroup"
	fd, err := openInRoot(c.rootFd, rel, unix.RESOLVE_NO_SYMLINKS, unix.O_DIRECTORY)
	if isNotExist(err) && c.hasRootfs {
		var mfd int
		if mfd, err = mkdirAllInRoot(c.rootFd, rel, 0o755); err == nil {
			unix.Close(mfd)
			fd, err = openInRoot(c.rootFd, rel, unix.RESOLVE_NO_SYMLINKS, unix.O_DIRECTORY)
		}
	}
	if err != nil {
		return -1, fmt.Errorf("/sys/fs/cgroup must be a real directory: %w", err)
	}
	return fd, nil
}

// mountHierarchy mounts a fresh instance of hierarchy h on the directory
// fd target (see the rules at the top of this file).
func mountHierarchy(target int, h *cgroupfs.Hierarchy, a cgroupAuto, cgns bool) error {
	fstype, opts := "cgroup2", map[string]string{}
	if h.Version == 1 {
		fstype = "cgroup"
		for _, c := range h.Controllers {
			if n, ok := strings.CutPrefix(c, "name="); ok {
				opts["name"] = n
				opts["none"] = ""
			} else {
				opts[c] = ""
			}
		}
	}
	// Read-only unless the container may write what it sees: everything
	// in ro mode; outside a cgroup namespace all but rw modes (mixed then
	// re-binds the own cgroup writable below).
	ro := a.mode == "ro" || (!cgns && a.mode != "rw")
	var attr uint
	if ro {
		attr = unix.MOUNT_ATTR_RDONLY
	}
	mfd, err := fsMountFd(fstype, opts, attr)
	if err != nil {
		return err
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount %s: %w", fstype, err)
	}
	// Nothing in the container runs yet, so binding the own cgroup after
	// the read-only mount is attached leaves no window to exploit.
	if !cgns && a.mode == "mixed" {
		if err := bindOwnCgroup(mfd, h); err != nil {
			return err
		}
	}
	return nil
}

// bindOwnCgroup binds the caller's own cgroup of h, writable, over its
// path inside the read-only mount mfd (which shows the whole hierarchy:
// no cgroup namespace).
func bindOwnCgroup(mfd int, h *cgroupfs.Hierarchy) error {
	cur := h.Current
	if h.Root != "/" && h.Root != "" {
		rest, ok := strings.CutPrefix(cur, h.Root)
		if !ok {
			return fmt.Errorf("own cgroup %q is outside the mount root %q", cur, h.Root)
		}
		cur = rest
	}
	rel := strings.Trim(cur, "/")
	if rel == "" {
		return nil // at the root: nothing of its own to re-bind
	}
	// The source is the host's mount of the hierarchy; the target is
	// inside a filesystem nobody else has seen yet.
	src, err := unix.Open(path.Join(h.Mountpoint, rel), unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("own cgroup %q: %w", cur, err)
	}
	defer unix.Close(src)
	dst, err := unix.Openat2(mfd, rel, &unix.OpenHow{
		Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH,
	})
	if err != nil {
		return fmt.Errorf("own cgroup %q in the new mount: %w", cur, err)
	}
	defer unix.Close(dst)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC, Attr_clr: unix.MOUNT_ATTR_RDONLY}
	if err := bindFd(src, dst, false, attr, 0); err != nil {
		return fmt.Errorf("own cgroup %q: %w", cur, err)
	}
	return nil
}

// fsMountFd creates a detached mount of a new fstype instance with opts
// (value "" = a flag) and mount attributes attr plus nosuid, nodev,
// noexec.
func fsMountFd(fstype string, opts map[string]string, attr uint) (int, error) {
	fs, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen %s: %w", fstype, err)
	}
	defer unix.Close(fs)
	// The source shows in mountinfo, where tools expect "cgroup" etc.
	if err := unix.FsconfigSetString(fs, "source", fstype); err != nil {
		return -1, fmt.Errorf("%s source: %w", fstype, err)
	}
	for k, v := range opts {
		if v == "" {
			err = unix.FsconfigSetFlag(fs, k)
		} else {
			err = unix.FsconfigSetString(fs, k, v)
		}
		if err != nil {
			return -1, fmt.Errorf("%s option %q: %w", fstype, k, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, fmt.Errorf("creating %s: %w", fstype, err)
	}
	m, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, int(attr)|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsmount %s: %w", fstype, err)
	}
	return m, nil
}
