package core

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// RootfsSetup is what init needs to prepare the container filesystem.
type RootfsSetup struct {
	// Config is the container configuration. Fields read: RootfsPath,
	// RootfsMount, RootfsOptions, MountEntries, MountFstab, MountAuto,
	// Autodev, AutodevTmpfsSize, TTYMax, TTYDir, PTYMax, ConsolePath.
	Config *Config
	// Name and LXCPath identify the container; absolute lxc.mount.entry
	// targets may start with <LXCPath>/<Name>/rootfs.
	Name    string
	LXCPath string
	// ConsoleSlave is the slave side of a pty the monitor allocated on the
	// HOST devpts (nil when lxc.console.path = none); it is bind-mounted
	// over /dev/console (from the fd, never by path). PrepareRootfs does
	// not close it.
	ConsoleSlave *os.File
	// RunHook runs a hook of the given type ("pre-mount", "mount",
	// "autodev") at the right moment; may be nil. A non-nil error aborts.
	RunHook func(hookType string) error
	// RootfsMountFD, when set, is a detached idmapped mount of the rootfs
	// that the monitor built (lxc.rootfs.options = idmap=container, see
	// attach_rootfs_idmap.go): it is attached on the rootfs mount point
	// instead of a clone of the directory. PrepareRootfs does not close it.
	RootfsMountFD *os.File
}

// RootfsHostPath returns the host directory of lxc.rootfs.path: "dir:PATH"
// or a plain absolute PATH. "" (no error) means no rootfs: the container
// shares the host filesystem. Other storage backends are not supported
// and return an error that names them.
func RootfsHostPath(c *Config) (string, error) {
	p := c.RootfsPath
	if p == "" {
		return "", nil
	}
	if o, ok, err := ParseOverlayRootfs(p); ok { // overlay.go
		return o.MountDir(), err
	}
	if rest, ok := strings.CutPrefix(p, "dir:"); ok {
		p = rest
	} else if i := strings.IndexByte(p, ':'); i > 0 && !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("lxc.rootfs.path %q: storage backend %q is not supported (only dir)", c.RootfsPath, p[:i])
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("lxc.rootfs.path %q: must be an absolute path", c.RootfsPath)
	}
	return p, nil
}

// RootfsMountPoint returns where the rootfs is mounted before pivot_root
// (LXC_ROOTFS_MOUNT for hooks): lxc.rootfs.mount when set, else the rootfs
// directory itself, bound onto itself; "/" without a rootfs.
func RootfsMountPoint(c *Config) string {
	p, err := RootfsHostPath(c)
	if err != nil || p == "" {
		return "/"
	}
	if c.RootfsMount != "" {
		return c.RootfsMount
	}
	return p
}

// PrepareRootfs does everything up to and including pivot_root and returns
// the pty masters of /dev/tty1..N (allocated from the container's own devpts
// instance) for the monitor to keep; the caller owns and closes them.
//
// It must run in the container's new mount namespace, as root, before the
// container's init is exec'd, while "/" is still the host's. In order:
//
//  1. "/" is made rslave (MS_REC|MS_SLAVE): nothing propagates to the host.
//  2. hook "pre-mount"; then the rootfs directory (lxc.rootfs.path, "dir:"
//     or a plain path) is bind-mounted recursively onto lxc.rootfs.mount or
//     onto itself; lxc.rootfs.options flags apply to it ("ro" at the end,
//     step 9). No rootfs: the host "/" is the root and nothing is pivoted.
//  3. autodev (lxc.autodev, default on with a rootfs): a tmpfs on /dev
//     (size=lxc.autodev.tmpfs.size or 500000, mode=755).
//  4. lxc.mount.auto: proc[:mixed|:rw], sys[:mixed|:ro|:rw], with OCI-style
//     masks (/proc/kcore, /proc/keys, ..., /sys/firmware); then the cgroup
//     tokens on /sys/fs/cgroup (see cgroupmount.go).
//  5. lxc.mount.fstab then lxc.mount.entry lines, then hook "mount".
//  6. autodev nodes (full null random tty urandom zero), symlinks (fd stdin
//     stdout stderr), /dev/shm, /dev/mqueue, then hook "autodev".
//  7. a new devpts instance on /dev/pts (always with autodev; otherwise only
//     when tty.max+pty.max > 0 and /dev/pts exists) and /dev/ptmx; then
//     lxc.tty.max ptys bound over /dev/ttyN (lxc.tty.dir honoured), then
//     ConsoleSlave over /dev/console.
//  8. lxc.rootfs.options "ro": the rootfs mount is made read-only.
//  9. pivot_root into the rootfs (skipped without a rootfs); cwd is "/".
//
// Every path inside the rootfs is resolved relative to the rootfs with
// openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) (or an O_NOFOLLOW walk)
// and mounted on the resulting fd. Errors name the step, entry and path.
// On error the mount namespace is left half set up; the caller must not
// exec anything in it (init just exits).
func PrepareRootfs(s *RootfsSetup) (ttyMasters []*os.File, err error) {
	if s == nil || s.Config == nil {
		return nil, fmt.Errorf("prepare rootfs: no config")
	}
	cfg := s.Config
	c := &rootfsCtx{setup: s, cfg: cfg, rootFd: -1, nullFd: -1}
	defer c.close()

	// The host /dev/null, opened before anything else and checked, is the
	// source of every file mask.
	if fd, err := unix.Open("/dev/null", unix.O_PATH|unix.O_CLOEXEC, 0); err == nil {
		if checkDevNull(fd) == nil {
			c.nullFd = fd
		} else {
			unix.Close(fd)
		}
	}

	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return nil, fmt.Errorf("making / rslave: %w", err)
	}

	c.rootfsPath, err = RootfsHostPath(cfg)
	if err != nil {
		return nil, err
	}
	c.hasRootfs = c.rootfsPath != ""
	if err := c.runHook("pre-mount"); err != nil {
		return nil, err
	}
	rootOpts, err := parseMountOptions(stripRootfsIdmap(cfg.RootfsOptions))
	if err != nil {
		return nil, fmt.Errorf("lxc.rootfs.options %q: %w", cfg.RootfsOptions, err)
	}
	if err := c.mountRootfs(rootOpts); err != nil {
		return nil, err
	}

	devFd := -1
	defer func() {
		if devFd >= 0 {
			unix.Close(devFd)
		}
	}()
	autodev := c.autodevEnabled()
	if autodev {
		if devFd, err = c.mountAutodev(); err != nil {
			return nil, err
		}
	}
	if err := c.mountAuto(); err != nil {
		return nil, err
	}
	if err := c.mountCgroupAuto(); err != nil {
		return nil, err
	}
	if err := c.mountEntries(); err != nil {
		return nil, err
	}
	if err := c.runHook("mount"); err != nil {
		return nil, err
	}
	if autodev {
		// Mount entries may have covered /dev: use what is there now,
		// still refusing symlinks.
		unix.Close(devFd)
		devFd = -1
		if devFd, err = openInRoot(c.rootFd, "dev", unix.RESOLVE_NO_SYMLINKS, unix.O_DIRECTORY); err != nil {
			return nil, fmt.Errorf("autodev: /dev: %w", err)
		}
		if err := c.fillAutodev(devFd); err != nil {
			return nil, err
		}
		if err := c.runHook("autodev"); err != nil {
			return nil, err
		}
	}

	masters, err := c.setupDevAndTTYs(autodev)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			for _, m := range masters {
				m.Close()
			}
		}
	}()

	if c.hasRootfs && rootOpts.Flags&unix.MS_RDONLY != 0 {
		if err = setMountAttr(c.rootFd, false, unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
			return nil, fmt.Errorf("lxc.rootfs.options ro: %w", err)
		}
	}
	if c.hasRootfs {
		if err = pivotInto(c.rootFd); err != nil {
			return nil, err
		}
	}
	return masters, nil
}

// close releases the fds the context holds.
func (c *rootfsCtx) close() {
	for _, fd := range []int{c.rootFd, c.nullFd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

func (c *rootfsCtx) runHook(typ string) error {
	if c.setup.RunHook == nil {
		return nil
	}
	if err := c.setup.RunHook(typ); err != nil {
		return fmt.Errorf("hook %q: %w", typ, err)
	}
	return nil
}

// mountRootfs sets c.rootFd: a recursive bind of the rootfs directory on
// its mount point, or the host "/".
func (c *rootfsCtx) mountRootfs(opts mountOptions) error {
	if !c.hasRootfs {
		fd, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("opening /: %w", err)
		}
		c.rootFd = fd
		c.mountPath = "/"
		return nil
	}
	src, err := unix.Open(c.rootfsPath, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("rootfs %q: %w", c.rootfsPath, err)
	}
	defer unix.Close(src)
	var st unix.Stat_t
	if err := unix.Fstat(src, &st); err != nil {
		return fmt.Errorf("rootfs %q: %w", c.rootfsPath, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("rootfs %q: is a %s: only directory rootfs (dir backend) is supported", c.rootfsPath, fileTypeName(st.Mode))
	}
	c.mountPath = RootfsMountPoint(c.cfg)
	dst := src
	if c.mountPath != c.rootfsPath {
		if dst, err = unix.Open(c.mountPath, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
			return fmt.Errorf("lxc.rootfs.mount %q: %w", c.mountPath, err)
		}
		defer unix.Close(dst)
	}
	var tree int
	if f := c.setup.RootfsMountFD; f != nil {
		// idmap=container: the monitor's idmapped clone of the rootfs.
		tree, err = unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	} else {
		tree, err = rootfsTree(c.cfg, src) // overlay.go: overlay mount or clone of src
	}
	if err != nil {
		return fmt.Errorf("rootfs %q: open_tree: %w", c.rootfsPath, err)
	}
	// "ro" is applied at the very end so that mount points can still be
	// created; the other per-mount flags apply now.
	attr := mountAttrFor(opts.Flags&^unix.MS_RDONLY, opts.Clear)
	if attr.Attr_set != 0 || attr.Attr_clr != 0 {
		if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
			unix.Close(tree)
			return fmt.Errorf("lxc.rootfs.options %q: %w", c.cfg.RootfsOptions, err)
		}
	}
	if err := unix.MoveMount(tree, "", dst, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		unix.Close(tree)
		return fmt.Errorf("rootfs %q: mounting on %q: %w", c.rootfsPath, c.mountPath, err)
	}
	// pivot_root refuses a shared new root or a shared parent.
	if err := setPropagation(tree, unix.MS_PRIVATE); err != nil {
		unix.Close(tree)
		return fmt.Errorf("rootfs %q: %w", c.rootfsPath, err)
	}
	c.rootFd = tree
	return nil
}

// setupDevAndTTYs mounts devpts and binds ttys and the console.
func (c *rootfsCtx) setupDevAndTTYs(autodev bool) (masters []*os.File, err error) {
	wantPts := c.cfg.TTYMax+c.cfg.PTYMax > 0
	needConsole := c.setup.ConsoleSlave != nil && c.cfg.ConsolePath != "none"
	if !autodev && !wantPts && !needConsole {
		return nil, nil
	}
	var devFd int
	if c.hasRootfs {
		devFd, err = openInRoot(c.rootFd, "dev", unix.RESOLVE_NO_SYMLINKS, unix.O_DIRECTORY)
	} else {
		devFd, err = unix.Open("/dev", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		if isNotExist(err) && !needConsole && !autodev && c.cfg.TTYMax == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("/dev must be a real directory: %w", err)
	}
	defer unix.Close(devFd)
	// On the host filesystem nothing is created: files made there would
	// appear on the host.
	create := c.hasRootfs
	ptsFd := -1
	if autodev || wantPts {
		if ptsFd, err = c.setupDevpts(devFd, autodev, create); err != nil {
			return nil, err
		}
		if ptsFd >= 0 {
			defer unix.Close(ptsFd)
		}
	}
	masters, err = c.setupTTYs(devFd, ptsFd, create)
	if err != nil {
		return nil, err
	}
	if err := c.setupConsole(devFd, create); err != nil {
		for _, m := range masters {
			m.Close()
		}
		return nil, err
	}
	return masters, nil
}
