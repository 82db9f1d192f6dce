package core

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// openPtyPair opens a new pty on the devpts instance ptsFd and returns the
// master and the slave. The slave is obtained with TIOCGPTPEER, never by
// path, so no planted /dev/pts/N symlink can substitute another file
// (CVE-2025-52565).
func openPtyPair(ptsFd int) (master, slave *os.File, err error) {
	mfd, err := unix.Openat(ptsFd, "ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(mfd)
		return nil, nil, fmt.Errorf("unlockpt: %w", err)
	}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		unix.Close(mfd)
		return nil, nil, fmt.Errorf("TIOCGPTPEER: %w", errno)
	}
	sfd := int(r)
	n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(mfd)
		unix.Close(sfd)
		return nil, nil, fmt.Errorf("TIOCGPTN: %w", err)
	}
	return os.NewFile(uintptr(mfd), "/dev/pts/ptmx"), os.NewFile(uintptr(sfd), "/dev/pts/"+strconv.Itoa(n)), nil
}

// setupTTYs allocates lxc.tty.max ptys from the container's devpts and
// binds each slave over /dev/ttyN (or /dev/<tty.dir>/ttyN plus a symlink
// /dev/ttyN). create=false (host filesystem) binds only over existing
// files. The masters are returned for the monitor to keep.
func (c *rootfsCtx) setupTTYs(devFd, ptsFd int, create bool) (masters []*os.File, err error) {
	defer func() {
		if err != nil {
			for _, m := range masters {
				m.Close()
			}
			masters = nil
		}
	}()
	if c.cfg.TTYMax <= 0 {
		return nil, nil
	}
	if ptsFd < 0 {
		return nil, fmt.Errorf("ttys: lxc.tty.max = %d but there is no /dev/pts to allocate them from", c.cfg.TTYMax)
	}
	dirFd, dirName, err := c.ttyDir(devFd, create)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dirFd)
	for i := 1; i <= c.cfg.TTYMax; i++ {
		name := "tty" + strconv.Itoa(i)
		m, s, err := openPtyPair(ptsFd)
		if err != nil {
			return masters, fmt.Errorf("ttys: /dev/%s: %w", name, err)
		}
		masters = append(masters, m)
		err = bindOverDevFile(dirFd, name, s, create)
		s.Close()
		if err != nil {
			return masters, fmt.Errorf("ttys: /dev/%s%s: %w", dirName, name, err)
		}
		if dirName != "" {
			if err := replaceSymlink(devFd, name, dirName+name); err != nil {
				return masters, fmt.Errorf("ttys: /dev/%s: %w", name, err)
			}
		}
	}
	return masters, nil
}

// ttyDir returns the directory fd that ttys and the console go into
// (/dev, or /dev/<lxc.tty.dir>) and the prefix "dir/" for symlinks.
func (c *rootfsCtx) ttyDir(devFd int, create bool) (int, string, error) {
	if c.cfg.TTYDir == "" {
		fd, err := unix.Dup(devFd)
		if err == nil {
			unix.CloseOnExec(fd)
		}
		return fd, "", err
	}
	d := cleanInRoot(c.cfg.TTYDir)
	if d == "" {
		return -1, "", fmt.Errorf("lxc.tty.dir %q: invalid", c.cfg.TTYDir)
	}
	var fd int
	var err error
	if create {
		fd, err = mkdirAllInRoot(devFd, d, 0o755)
	} else {
		fd, err = openInRoot(devFd, d, unix.RESOLVE_NO_SYMLINKS, unix.O_DIRECTORY)
	}
	if err != nil {
		return -1, "", fmt.Errorf("lxc.tty.dir /dev/%s: %w", d, err)
	}
	return fd, d + "/", nil
}

// bindOverDevFile binds the open file src over dirFd/name, creating an
// empty regular file there first when allowed. The target is opened
// without following symlinks and must not be a directory; after the mount
// the name is opened again and must now be src's device (the "verify the
// target inode" check of CVE-2025-52565).
func bindOverDevFile(dirFd int, name string, src *os.File, create bool) error {
	var dst int
	var err error
	if create {
		dst, err = createFileAt(dirFd, name, 0o600)
	} else {
		dst, err = unix.Openat(dirFd, name, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err == nil {
			if err2 := checkNotDirOrLink(dst); err2 != nil {
				unix.Close(dst)
				err = err2
			}
		}
	}
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	srcFd, err := mountableFd(src)
	if err != nil {
		return err
	}
	if srcFd != int(src.Fd()) {
		defer unix.Close(srcFd)
	}
	if err := bindFd(srcFd, dst, false, unix.MountAttr{}, 0); err != nil {
		return err
	}
	var want, got unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &want); err != nil {
		return err
	}
	vfd, err := unix.Openat(dirFd, name, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer unix.Close(vfd)
	if err := unix.Fstat(vfd, &got); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if got.Dev != want.Dev || got.Ino != want.Ino || got.Rdev != want.Rdev {
		return fmt.Errorf("verify: %q is not the pty that was mounted there", name)
	}
	return nil
}

func checkNotDirOrLink(fd int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR, unix.S_IFLNK:
		return fmt.Errorf("is a %s", fileTypeName(st.Mode))
	}
	return nil
}

// replaceSymlink makes dirFd/name a symlink to target, replacing a file or
// symlink already there (never following it).
func replaceSymlink(dirFd int, name, target string) error {
	err := unix.Symlinkat(target, dirFd, name)
	if err == unix.EEXIST {
		if err := unix.Unlinkat(dirFd, name, 0); err != nil {
			return err
		}
		err = unix.Symlinkat(target, dirFd, name)
	}
	return err
}

// setupConsole binds the console pty slave the monitor allocated on the
// host devpts over /dev/console (from the fd, never by path), creating
// /dev/console as an empty file when missing. With lxc.tty.dir the
// console lives in /dev/<dir>/console and /dev/console is a symlink, as in
// LXC.
func (c *rootfsCtx) setupConsole(devFd int, create bool) error {
	slave := c.setup.ConsoleSlave
	if slave == nil || c.cfg.ConsolePath == "none" {
		return nil
	}
	dirFd, dirName, err := c.ttyDir(devFd, create)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	defer unix.Close(dirFd)
	if err := bindOverDevFile(dirFd, "console", slave, create); err != nil {
		return fmt.Errorf("console: /dev/%sconsole: %w", dirName, err)
	}
	if dirName != "" {
		if err := replaceSymlink(devFd, "console", dirName+"console"); err != nil {
			return fmt.Errorf("console: /dev/console: %w", err)
		}
	}
	return nil
}

// mountableFd returns an fd for src that open_tree(2) accepts. A pty the
// monitor opened on the host devpts lives on a mount of the host mount
// namespace, which open_tree refuses to clone (EINVAL). Then, as LXC does,
// the same file is reopened by its path in our namespace (a copy of the
// host's, still the host root before pivot_root) without following any
// symlink, and accepted only if it is the same inode and device as src.
func mountableFd(src *os.File) (int, error) {
	fd := int(src.Fd())
	tree, err := unix.OpenTree(fd, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err == nil {
		unix.Close(tree)
		return fd, nil
	}
	if err != unix.EINVAL {
		return -1, fmt.Errorf("open_tree: %w", err)
	}
	p, err := os.Readlink(fdPath(fd))
	if err != nil || !strings.HasPrefix(p, "/") {
		return -1, fmt.Errorf("cannot name %q in this mount namespace (%v)", p, err)
	}
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC | unix.O_NOFOLLOW,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	nfd, err := unix.Openat2(unix.AT_FDCWD, p, &how)
	if err != nil {
		return -1, fmt.Errorf("reopening %q: %w", p, err)
	}
	var want, got unix.Stat_t
	if err := unix.Fstat(fd, &want); err != nil {
		unix.Close(nfd)
		return -1, err
	}
	if err := unix.Fstat(nfd, &got); err != nil {
		unix.Close(nfd)
		return -1, err
	}
	if got.Dev != want.Dev || got.Ino != want.Ino || got.Rdev != want.Rdev {
		unix.Close(nfd)
		return -1, fmt.Errorf("reopened %q is not the pty we were given", p)
	}
	return nfd, nil
}
