package core

import (
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// rootfsCtx is the state shared by the steps of PrepareRootfs.
type rootfsCtx struct {
	setup *RootfsSetup
	cfg   *Config
	// rootFd is an O_PATH fd of the container root: the rootfs bind mount,
	// or the host "/" when no rootfs is configured.
	rootFd int
	// hasRootfs is false for a container that shares the host filesystem.
	hasRootfs bool
	// rootfsPath is the configured rootfs directory on the host (without
	// "dir:"); mountPath is where it is mounted (same path, or
	// lxc.rootfs.mount).
	rootfsPath string
	mountPath  string
	// nullFd is an O_PATH fd of the host /dev/null, checked to be char
	// 1:3, used as the source of masks (CVE-2025-31133).
	nullFd int
}

// bindFd clones the mount tree at srcFd (recursively when recursive) and
// attaches it on dstFd with open_tree(2)+move_mount(2). attr is applied to
// the detached clone before it becomes visible, so "ro" is never briefly
// writable and no re-resolution of the target is needed for a remount.
// propagation (MS_SHARED, ..., maybe | MS_REC) is set after attaching.
func bindFd(srcFd, dstFd int, recursive bool, attr unix.MountAttr, propagation uintptr) error {
	otFlags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC | unix.AT_EMPTY_PATH)
	if recursive {
		otFlags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(srcFd, "", otFlags)
	if err != nil {
		return fmt.Errorf("open_tree: %w", err)
	}
	defer unix.Close(tree)
	if attr.Attr_set != 0 || attr.Attr_clr != 0 {
		saFlags := uint(unix.AT_EMPTY_PATH)
		if recursive {
			saFlags |= unix.AT_RECURSIVE
		}
		if err := unix.MountSetattr(tree, "", saFlags, &attr); err != nil {
			return fmt.Errorf("mount_setattr: %w", err)
		}
	}
	if err := unix.MoveMount(tree, "", dstFd, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount: %w", err)
	}
	return setPropagation(tree, propagation)
}

// setPropagation changes the propagation type of the mount whose root is
// fd; MS_REC in p applies it to the whole subtree.
func setPropagation(fd int, p uintptr) error {
	if p == 0 {
		return nil
	}
	flags := uint(unix.AT_EMPTY_PATH)
	if p&unix.MS_REC != 0 {
		flags |= unix.AT_RECURSIVE
	}
	attr := unix.MountAttr{Propagation: uint64(p &^ unix.MS_REC)}
	if err := unix.MountSetattr(fd, "", flags, &attr); err != nil {
		return fmt.Errorf("set propagation: %w", err)
	}
	return nil
}

// setMountAttr changes per-mount flags of the mount whose root is fd.
func setMountAttr(fd int, recursive bool, attr unix.MountAttr) error {
	flags := uint(unix.AT_EMPTY_PATH)
	if recursive {
		flags |= unix.AT_RECURSIVE
	}
	if err := unix.MountSetattr(fd, "", flags, &attr); err != nil {
		return fmt.Errorf("mount_setattr: %w", err)
	}
	return nil
}

// mountFsOn mounts a new filesystem on the fd target (via its
// /proc/self/fd magic link, which mount(2) follows to exactly that inode).
func mountFsOn(source string, targetFd int, fstype string, flags uintptr, data string) error {
	if err := unix.Mount(source, fdPath(targetFd), fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s: %w", fstype, err)
	}
	return nil
}

// mountID returns the id of the mount fd lives on.
func mountID(fd int) (uint64, error) {
	var st unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &st); err != nil {
		return 0, err
	}
	return st.Mnt_id, nil
}

// reopenMounted resolves rel in root again after something was mounted on
// oldFd and checks that the result is on a different (the new) mount, so
// later changes (propagation, ro) hit the new mount and nothing else.
func reopenMounted(rootFd int, rel string, oldFd int, extra uint64) (int, error) {
	before, err := mountID(oldFd)
	if err != nil {
		return -1, err
	}
	fd, err := openInRoot(rootFd, rel, extra, 0)
	if err != nil {
		return -1, err
	}
	after, err := mountID(fd)
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	if after == before {
		unix.Close(fd)
		return -1, fmt.Errorf("%q: the new mount is not visible there (raced?): %w", rel, unix.EBUSY)
	}
	return fd, nil
}

// entryTarget maps the target of a mount entry to a path relative to the
// container root, as LXC does: a relative target is inside the rootfs; an
// absolute one must start with the rootfs path (or <lxcpath>/<name>/rootfs,
// or lxc.rootfs.mount) which is then stripped. ok=false means LXC would
// ignore the entry ("Ignoring mount point"). Without a rootfs the target is
// a path of the host filesystem.
func (c *rootfsCtx) entryTarget(dst string) (rel string, ok bool) {
	if !c.hasRootfs || !path.IsAbs(dst) {
		return cleanInRoot(dst), true
	}
	d := path.Clean(dst)
	prefixes := []string{c.rootfsPath, c.mountPath}
	if c.setup.LXCPath != "" && c.setup.Name != "" {
		prefixes = append(prefixes, path.Join(c.setup.LXCPath, c.setup.Name, "rootfs"))
	}
	for _, p := range prefixes {
		if p == "" {
			continue
		}
		p = path.Clean(p)
		if d == p {
			return "", true
		}
		if strings.HasPrefix(d, p+"/") {
			return cleanInRoot(d[len(p):]), true
		}
	}
	return "", false
}

// mountEntries applies lxc.mount.fstab then lxc.mount.entry lines, in
// LXC's order.
func (c *rootfsCtx) mountEntries() error {
	var entries []*mountEntry
	if c.cfg.MountFstab != "" {
		es, err := readMountFstab(c.cfg.MountFstab)
		if err != nil {
			return err
		}
		entries = append(entries, es...)
	}
	for _, l := range c.cfg.MountEntries {
		e, err := parseMountEntry(l)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		if err := c.mountEntry(e); err != nil {
			if e.Opts.Optional {
				slog.Debug("optional mount entry failed", "entry", e.Line, "err", err)
				continue
			}
			return fmt.Errorf("mount entry %q: %w", e.Line, err)
		}
	}
	return nil
}

// mountEntry performs one parsed entry.
func (c *rootfsCtx) mountEntry(e *mountEntry) error {
	rel, ok := c.entryTarget(e.Target)
	if !ok {
		slog.Warn("ignoring mount point outside the rootfs", "entry", e.Line, "target", e.Target)
		return nil
	}
	o := e.Opts
	tfd, err := openInRoot(c.rootFd, rel, 0, 0)
	if isNotExist(err) && o.Create != "" && o.Flags&unix.MS_REMOUNT == 0 {
		if o.Create == "dir" {
			tfd, err = mkdirAllInRoot(c.rootFd, rel, 0o755)
		} else {
			tfd, err = createFileInRoot(c.rootFd, rel)
		}
	}
	if err != nil {
		return fmt.Errorf("target %q: resolving in rootfs: %w", e.Target, err)
	}
	defer unix.Close(tfd)

	switch {
	case o.Flags&unix.MS_REMOUNT != 0:
		// The fd from a fresh resolution is the root of the topmost
		// mount there, which is the one to remount.
		flags := o.Flags &^ (unix.MS_REC)
		if err := unix.Mount("", fdPath(tfd), "", flags, o.DataString()); err != nil {
			return fmt.Errorf("target %q: remount: %w", e.Target, err)
		}
		if err := setPropagation(tfd, o.Propagation); err != nil {
			return fmt.Errorf("target %q: %w", e.Target, err)
		}
		return nil

	case o.Flags&unix.MS_BIND != 0:
		sfd, err := c.entrySource(e)
		if err != nil {
			return err
		}
		defer unix.Close(sfd)
		attr := mountAttrFor(o.Flags, o.Clear)
		if err := bindFd(sfd, tfd, o.Flags&unix.MS_REC != 0, attr, o.Propagation); err != nil {
			return fmt.Errorf("target %q: bind %q: %w", e.Target, e.Source, err)
		}
		return nil

	default:
		src := e.Source
		if o.Relative {
			// A filesystem source is a device or a name; "relative" only
			// makes sense for paths (e.g. a loop image), resolved in root.
			sfd, err := c.entrySource(e)
			if err != nil {
				return err
			}
			defer unix.Close(sfd)
			src = fdPath(sfd)
		}
		flags := o.Flags &^ (unix.MS_REC | unix.MS_SHARED | unix.MS_SLAVE | unix.MS_PRIVATE | unix.MS_UNBINDABLE)
		if err := mountFsOn(src, tfd, e.FSType, flags, o.DataString()); err != nil {
			return fmt.Errorf("target %q: %w", e.Target, err)
		}
		if o.Propagation != 0 {
			nfd, err := reopenMounted(c.rootFd, rel, tfd, 0)
			if err != nil {
				return fmt.Errorf("target %q: %w", e.Target, err)
			}
			defer unix.Close(nfd)
			if err := setPropagation(nfd, o.Propagation); err != nil {
				return fmt.Errorf("target %q: %w", e.Target, err)
			}
		}
		return nil
	}
}

// entrySource opens the source of a bind (or relative) entry. With
// "relative" the source is inside the rootfs and resolved like a target;
// otherwise it is a host path from the admin's config.
func (c *rootfsCtx) entrySource(e *mountEntry) (int, error) {
	if e.Opts.Relative {
		fd, err := openInRoot(c.rootFd, e.Source, 0, 0)
		if err != nil {
			return -1, fmt.Errorf("source %q: resolving in rootfs: %w", e.Source, err)
		}
		return fd, nil
	}
	if !path.IsAbs(e.Source) {
		return -1, fmt.Errorf("source %q: bind source must be an absolute host path (or use \"relative\")", e.Source)
	}
	fd, err := unix.Open(e.Source, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("source %q: %w", e.Source, err)
	}
	return fd, nil
}

// procMasks and sysMasks are hidden from the container like OCI runtimes
// do: files get /dev/null bound over them, directories an empty ro tmpfs.
// Missing entries are skipped; any other failure is fatal (see the
// systemd-nspawn lesson in SECURITY.md).
var (
	procMasks = []string{"acpi", "asound", "kcore", "keys", "latency_stats", "timer_list", "timer_stats", "sched_debug", "scsi"}
	sysMasks  = []string{"firmware"}
)

// mountAuto performs the proc and sys parts of lxc.mount.auto.
func (c *rootfsCtx) mountAuto() error {
	a, err := parseMountAuto(c.cfg.MountAuto)
	if err != nil {
		return err
	}
	if a.Cgroup != "" {
		slog.Debug("lxc.mount.auto cgroup token left to the cgroup setup", "token", a.Cgroup)
	}
	if a.Proc != "" {
		if err := c.mountProc(a.Proc); err != nil {
			return fmt.Errorf("lxc.mount.auto proc:%s: %w", a.Proc, err)
		}
	}
	if a.Sys != "" {
		if err := c.mountSys(a.Sys); err != nil {
			return fmt.Errorf("lxc.mount.auto sys:%s: %w", a.Sys, err)
		}
	}
	return nil
}

// kernelDir resolves (creating if missing) a top-level mount point like
// "proc" that must be a real directory: no symlink anywhere on the way
// (CVE-2019-19921, CVE-2023-27561).
func (c *rootfsCtx) kernelDir(name string) (int, error) {
	fd, err := openInRoot(c.rootFd, name, unix.RESOLVE_NO_SYMLINKS, unix.O_DIRECTORY)
	if isNotExist(err) && c.hasRootfs {
		var mfd int
		if mfd, err = mkdirAllInRoot(c.rootFd, name, 0o755); err == nil {
			unix.Close(mfd)
			fd, err = openInRoot(c.rootFd, name, unix.RESOLVE_NO_SYMLINKS, unix.O_DIRECTORY)
		}
	}
	if err != nil {
		return -1, fmt.Errorf("/%s must be a real directory in the rootfs: %w", name, err)
	}
	return fd, nil
}

// mountedRoot returns an fd of the root of the filesystem just mounted on
// name, checked to be of type magic.
func (c *rootfsCtx) mountedRoot(name string, oldFd int, magic int64) (int, error) {
	fd, err := reopenMounted(c.rootFd, name, oldFd, unix.RESOLVE_NO_SYMLINKS)
	if err != nil {
		return -1, err
	}
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if int64(sfs.Type) != magic {
		unix.Close(fd)
		return -1, fmt.Errorf("/%s: unexpected filesystem type %#x after mounting", name, sfs.Type)
	}
	return fd, nil
}

// mountProc mounts a new procfs on /proc. "mixed" makes /proc/sys
// read-only except /proc/sys/net, and /proc/sysrq-trigger read-only, the
// way LXC's proc:mixed does; masks are applied in every mode.
func (c *rootfsCtx) mountProc(mode string) error {
	dfd, err := c.kernelDir("proc")
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	if err := mountFsOn("proc", dfd, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return err
	}
	pfd, err := c.mountedRoot("proc", dfd, unix.PROC_SUPER_MAGIC)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	ro := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	rw := unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY}
	if mode == "mixed" {
		// Everything below is inside the procfs we just mounted, which the
		// container cannot have prepared: plain openat is enough.
		if err := bindSelfAt(pfd, "sys", ro); err != nil {
			return fmt.Errorf("/proc/sys read-only: %w", err)
		}
		if err := bindSelfAt(pfd, "sys/net", rw); err != nil && !isNotExist(err) {
			return fmt.Errorf("/proc/sys/net read-write: %w", err)
		}
		if err := bindSelfAt(pfd, "sysrq-trigger", ro); err != nil && !isNotExist(err) {
			return fmt.Errorf("/proc/sysrq-trigger read-only: %w", err)
		}
	}
	return c.mask(pfd, "/proc", procMasks)
}

// bindSelfAt binds dir/name onto itself with attr (non-recursive).
func bindSelfAt(dirFd int, name string, attr unix.MountAttr) error {
	fd, err := unix.Openat(dirFd, name, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return bindFd(fd, fd, false, attr, 0)
}

// mountSys mounts a sysfs on /sys: "ro" read-only, "mixed" read-only but
// /sys/devices/virtual/net writable, "rw" writable. The read-only bit is
// per mount (mount_setattr), so the sysfs superblock shared with the host
// (same netns) is never made read-only.
func (c *rootfsCtx) mountSys(mode string) error {
	dfd, err := c.kernelDir("sys")
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	var flags uintptr
	if mode != "rw" {
		flags = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	}
	if err := mountFsOn("sysfs", dfd, "sysfs", flags, ""); err != nil {
		return err
	}
	sfd, err := c.mountedRoot("sys", dfd, unix.SYSFS_MAGIC)
	if err != nil {
		return err
	}
	defer unix.Close(sfd)
	if mode == "mixed" {
		if err := bindSelfAt(sfd, "devices/virtual/net", unix.MountAttr{}); err != nil && !isNotExist(err) {
			return fmt.Errorf("/sys/devices/virtual/net: %w", err)
		}
	}
	if mode != "rw" {
		if err := setMountAttr(sfd, false, unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
			return fmt.Errorf("/sys read-only: %w", err)
		}
	}
	return c.mask(sfd, "/sys", sysMasks)
}

// mask hides each name below dirFd (a kernel filesystem we mounted). The
// /dev/null used for files is the host's, opened as an fd and checked to be
// char 1:3 when PrepareRootfs started (CVE-2025-31133).
func (c *rootfsCtx) mask(dirFd int, where string, names []string) error {
	for _, n := range names {
		fd, err := unix.Openat(dirFd, n, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("mask %s/%s: %w", where, n, err)
		}
		err = maskFd(fd, c.nullFd)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("mask %s/%s: %w", where, n, err)
		}
	}
	return nil
}

// maskFd covers fd: an empty read-only tmpfs for a directory, a bind of
// nullFd for anything else.
func maskFd(fd, nullFd int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return mountFsOn("tmpfs", fd, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=0,mode=555")
	}
	if err := checkDevNull(nullFd); err != nil {
		return err
	}
	return bindFd(nullFd, fd, false, unix.MountAttr{}, 0)
}

// errNotNull is returned when the mask source is not the null device.
var errNotNull = errors.New("mask source is not /dev/null (char 1:3)")

// checkDevNull verifies that fd is the character device 1:3.
func checkDevNull(fd int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		return errNotNull
	}
	return nil
}
