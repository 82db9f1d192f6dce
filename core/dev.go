package core

import (
	"fmt"
	"log/slog"
	"strconv"

	"golang.org/x/sys/unix"
)

// defaultAutodevTmpfsSize is lxc.autodev.tmpfs.size's default (bytes).
const defaultAutodevTmpfsSize = 500000

// autodevNode is one device node autodev creates in /dev.
type autodevNode struct {
	name         string
	major, minor uint32
}

// autodevNodes are LXC's autodev nodes (src/lxc/conf.c lxc_devices).
var autodevNodes = []autodevNode{
	{"full", 1, 7},
	{"null", 1, 3},
	{"random", 1, 8},
	{"tty", 5, 0},
	{"urandom", 1, 9},
	{"zero", 1, 5},
}

// autodevLinks are the symlinks LXC creates in /dev (lxc_setup_dev_symlinks).
var autodevLinks = []struct{ name, target string }{
	{"fd", "/proc/self/fd"},
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
}

// autodevEnabled says whether lxc.autodev is in effect: on by default, but
// only with a rootfs (LXC ignores it for containers sharing the host fs).
func (c *rootfsCtx) autodevEnabled() bool {
	return c.hasRootfs && c.cfg.Autodev != 0
}

// mountAutodev mounts a fresh tmpfs on the rootfs /dev. The old /dev may be
// a symlink planted by the previous run (CVE-2026-41579): it is resolved
// with RESOLVE_NO_SYMLINKS and must be a directory; it is created when
// missing. Returns an O_PATH fd of the new tmpfs root.
func (c *rootfsCtx) mountAutodev() (int, error) {
	dfd, err := c.kernelDir("dev")
	if err != nil {
		return -1, fmt.Errorf("autodev: %w", err)
	}
	defer unix.Close(dfd)
	size := c.cfg.AutodevTmpfsSize
	if size <= 0 {
		size = defaultAutodevTmpfsSize
	}
	data := "size=" + strconv.FormatInt(size, 10) + ",mode=755"
	if err := mountFsOn("none", dfd, "tmpfs", 0, data); err != nil {
		return -1, fmt.Errorf("autodev: /dev: %w", err)
	}
	fd, err := c.mountedRoot("dev", dfd, unix.TMPFS_MAGIC)
	if err != nil {
		return -1, fmt.Errorf("autodev: %w", err)
	}
	return fd, nil
}

// fillAutodev creates the standard nodes and symlinks in the autodev
// tmpfs devFd. Everything is created relative to devFd, which is a tmpfs we
// mounted ourselves, so no container-planted entry can be in the way.
func (c *rootfsCtx) fillAutodev(devFd int) error {
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, n := range autodevNodes {
		dev := int(unix.Mkdev(n.major, n.minor))
		err := unix.Mknodat(devFd, n.name, unix.S_IFCHR|0o666, dev)
		if err == unix.EEXIST {
			continue
		}
		if err != nil {
			// mknod is refused in user namespaces: bind the host node.
			slog.Debug("autodev: mknod failed, binding host node", "node", n.name, "err", err)
			if err := bindHostNode(devFd, n); err != nil {
				return fmt.Errorf("autodev: /dev/%s: %w", n.name, err)
			}
		}
	}
	for _, l := range autodevLinks {
		if err := unix.Symlinkat(l.target, devFd, l.name); err != nil && err != unix.EEXIST {
			return fmt.Errorf("autodev: symlink /dev/%s: %w", l.name, err)
		}
	}
	for _, d := range []struct {
		name string
		mode uint32
	}{{"pts", 0o755}, {"shm", 0o1777}, {"mqueue", 0o755}} {
		if err := unix.Mkdirat(devFd, d.name, d.mode); err != nil && err != unix.EEXIST {
			return fmt.Errorf("autodev: mkdir /dev/%s: %w", d.name, err)
		}
	}
	if err := mountAt(devFd, "shm", "shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("autodev: /dev/shm: %w", err)
	}
	if err := mountAt(devFd, "mqueue", "mqueue", "mqueue", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		// Not every kernel has POSIX mqueues; LXC does not mount it at all.
		slog.Debug("autodev: /dev/mqueue not mounted", "err", err)
	}
	return nil
}

// mountAt mounts a filesystem on the directory name below dirFd, opened
// without following symlinks.
func mountAt(dirFd int, name, source, fstype string, flags uintptr, data string) error {
	fd, err := unix.Openat(dirFd, name, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return mountFsOn(source, fd, fstype, flags, data)
}

// bindHostNode binds the host's /dev/<name> (checked to be the expected
// char device) over an empty file created in devFd.
func bindHostNode(devFd int, n autodevNode) error {
	src, err := unix.Open("/dev/"+n.name, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer unix.Close(src)
	var st unix.Stat_t
	if err := unix.Fstat(src, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != n.major || unix.Minor(st.Rdev) != n.minor {
		return fmt.Errorf("host /dev/%s is not char %d:%d", n.name, n.major, n.minor)
	}
	dst, err := createFileAt(devFd, n.name, 0o666)
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	return bindFd(src, dst, false, unix.MountAttr{}, 0)
}

// devptsOptions returns the devpts mount data LXC uses; max= is
// tty.max+pty.max when either is set.
func devptsOptions(cfg *Config, withGid bool) string {
	s := "newinstance,ptmxmode=0666,mode=0620"
	if withGid {
		s = "gid=5," + s
	}
	if n := cfg.TTYMax + cfg.PTYMax; n > 0 {
		s += ",max=" + strconv.Itoa(n)
	}
	return s
}

// setupDevpts mounts a new devpts instance on <dev>/pts and makes
// <dev>/ptmx a bind of pts/ptmx (a symlink when binding fails). devFd is
// the container /dev; mkPts says whether a missing /dev/pts is created
// (autodev), ptmx whether /dev/ptmx is set up (false when the "rootfs" is
// the host's: the host /dev/ptmx already finds the pts next to it).
// Returns an O_PATH fd of the new devpts root, or -1 when there is no
// /dev/pts to mount on.
func (c *rootfsCtx) setupDevpts(devFd int, mkPts, ptmx bool) (int, error) {
	ptsFd, err := unix.Openat(devFd, "pts", unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_DIRECTORY, 0)
	if isNotExist(err) && mkPts {
		if err = unix.Mkdirat(devFd, "pts", 0o755); err == nil || err == unix.EEXIST {
			ptsFd, err = unix.Openat(devFd, "pts", unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_DIRECTORY, 0)
		}
	}
	if isNotExist(err) {
		return -1, nil
	}
	if err != nil {
		return -1, fmt.Errorf("devpts: /dev/pts: %w", err)
	}
	defer unix.Close(ptsFd)
	flags := uintptr(unix.MS_NOSUID | unix.MS_NOEXEC)
	if err := mountFsOn("devpts", ptsFd, "devpts", flags, devptsOptions(c.cfg, true)); err != nil {
		// gid=5 fails when gid 5 is not mapped in a user namespace.
		if err2 := mountFsOn("devpts", ptsFd, "devpts", flags, devptsOptions(c.cfg, false)); err2 != nil {
			return -1, fmt.Errorf("devpts: %w", err)
		}
	}
	newFd, err := unix.Openat(devFd, "pts", unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_DIRECTORY, 0)
	if err != nil {
		return -1, fmt.Errorf("devpts: %w", err)
	}
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(newFd, &sfs); err != nil || sfs.Type != unix.DEVPTS_SUPER_MAGIC {
		unix.Close(newFd)
		return -1, fmt.Errorf("devpts: /dev/pts is not the new devpts after mounting (%v)", err)
	}
	if ptmx {
		if err := bindPtmx(devFd, newFd); err != nil {
			unix.Close(newFd)
			return -1, err
		}
	}
	return newFd, nil
}

// bindPtmx makes /dev/ptmx refer to the new instance's pts/ptmx.
func bindPtmx(devFd, ptsFd int) error {
	src, err := unix.Openat(ptsFd, "ptmx", unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("devpts: pts/ptmx: %w", err)
	}
	defer unix.Close(src)
	dst, err := createFileAt(devFd, "ptmx", 0o666)
	if err == nil {
		err = bindFd(src, dst, false, unix.MountAttr{}, 0)
		unix.Close(dst)
		if err == nil {
			return nil
		}
	}
	slog.Debug("devpts: binding /dev/ptmx failed, using a symlink", "err", err)
	unix.Unlinkat(devFd, "ptmx", 0)
	if err := unix.Symlinkat("pts/ptmx", devFd, "ptmx"); err != nil {
		return fmt.Errorf("devpts: /dev/ptmx: %w", err)
	}
	return nil
}
