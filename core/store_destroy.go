package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

const noFollow = syscall.O_NOFOLLOW

// StopHook stops a running container before lxc-destroy -f removes it.
// The runtime sets it; nil means there is no runtime that could be
// running the container, so there is nothing to stop.
var StopHook func(st *Store, name string) error

// Errors lxc-destroy reports with LXC's wording.
var (
	// ErrHasSnapshots: the container has snapshots and -s was not given.
	ErrHasSnapshots = errors.New("has snapshots")
	// ErrHasClones: other containers were cloned from this one.
	ErrHasClones = errors.New("has clones")
)

// DestroyOptions are lxc-destroy's options.
type DestroyOptions struct {
	Force     bool // stop a running container first (-f)
	Snapshots bool // remove its snapshots too (-s)
}

// Destroy removes container name: its rootfs and its directory with the
// config and runtime files, under the container lock. A running container
// is refused (ErrRunning) unless Force is set, in which case StopHook
// stops it first. Removal never follows symlinks and never descends into
// another filesystem mounted inside the container directory.
func (s *Store) Destroy(name string, o DestroyOptions) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if !s.Exists(name) {
		return fmt.Errorf("container %q: %w", name, ErrNotFound)
	}
	cfg, err := s.LoadConfig(name)
	if err != nil {
		return err
	}
	lk, err := s.Lock(name)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if !s.Exists(name) { // destroyed while we waited for the lock
		return fmt.Errorf("container %q: %w", name, ErrNotFound)
	}
	dir := s.Dir(name)
	if _, err := os.Lstat(filepath.Join(dir, "lxc_snapshots")); err == nil {
		return fmt.Errorf("destroying %s failed: %s %w", name, name, ErrHasClones)
	}
	snaps := filepath.Join(dir, "snaps")
	if o.Snapshots {
		if err := RemoveTree(snaps); err != nil {
			return fmt.Errorf("remove snapshots of %q: %w", name, err)
		}
	} else if err := unix.Rmdir(snaps); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("destroying %s failed: %s %w", name, name, ErrHasSnapshots)
	}
	if st := s.Status(name); st.State != STOPPED {
		if !o.Force {
			return fmt.Errorf("%s is running: %w", name, ErrRunning)
		}
		if StopHook != nil {
			if err := StopHook(s, name); err != nil {
				return fmt.Errorf("stop %q: %w", name, err)
			}
		}
		// An ephemeral container removes itself when it stops.
		if !s.Exists(name) {
			return nil
		}
	}
	// What a crashed monitor may have left: network devices, cgroups.
	CleanupStale(s, name)
	DestroyCgroups(s, name, cfg)
	hookEnv := []string{"PATH=" + defaultPath, "LXC_NAME=" + name, "LXC_CONFIG_FILE=" + s.ConfigPath(name),
		"LXC_ROOTFS_PATH=" + cfg.RootfsPath, "LXC_ROOTFS_MOUNT=" + RootfsMountPoint(cfg)}
	if err := runHooks(cfg, "destroy", hookEnv, nil); err != nil {
		return fmt.Errorf("destroying %s failed: %w", name, err)
	}
	if r := rootfsDir(cfg); r != "" && !strings.HasPrefix(r+"/", dir+"/") {
		// A rootfs outside the container directory (--dir) is removed
		// as LXC does, but never "/" or a directory holding the store.
		if r == "/" || strings.HasPrefix(s.Path+"/", r+"/") {
			return fmt.Errorf("refusing to remove rootfs %q of %q", r, name)
		}
		if err := RemoveTree(r); err != nil {
			return fmt.Errorf("remove rootfs of %q: %w", name, err)
		}
	}
	_ = UnlinkClone(s, name)
	if err := RemoveTree(dir); err != nil {
		return fmt.Errorf("destroying %s failed: %w", name, err)
	}
	return nil
}

// rootfsDir returns the directory of a dir-backed rootfs ("" otherwise).
func rootfsDir(c *Config) string {
	p := c.RootfsPath
	if p == "" {
		return ""
	}
	if strings.HasPrefix(p, "dir:") {
		p = strings.TrimPrefix(p, "dir:")
	} else if !strings.HasPrefix(p, "/") {
		return "" // overlay:, loop:, ... : not ours to remove here
	}
	if st, err := os.Lstat(p); err != nil || !st.IsDir() {
		return ""
	}
	return filepath.Clean(p)
}

// RemoveTree removes path and everything below it without following
// symlinks and without crossing into other filesystems (like LXC's
// lxc_rmdir_onedev): a mount point below path is left alone and makes the
// removal fail. A missing path is not an error.
func RemoveTree(path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if !st.IsDir() {
		return os.Remove(path)
	}
	parent, err := unix.Open(filepath.Dir(path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	var sst unix.Stat_t
	if err := unix.Fstatat(parent, filepath.Base(path), &sst, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if err := removeAt(parent, filepath.Base(path), sst.Dev, 0); err != nil {
		return fmt.Errorf("remove %q: %w", path, err)
	}
	return nil
}

const maxRemoveDepth = 4096

// removeAt removes the directory name in dirfd, whose filesystem must be
// dev.
func removeAt(dirfd int, name string, dev uint64, depth int) error {
	if depth > maxRemoveDepth {
		return errors.New("directory tree too deep")
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return err
	}
	if st.Dev != dev {
		unix.Close(fd)
		return fmt.Errorf("%q is a mount point: %w", name, unix.EBUSY)
	}
	f := os.NewFile(uintptr(fd), name)
	var firstErr error
	for {
		names, rerr := f.Readdirnames(256)
		for _, n := range names {
			var cst unix.Stat_t
			if err := unix.Fstatat(fd, n, &cst, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				if firstErr == nil && !errors.Is(err, unix.ENOENT) {
					firstErr = err
				}
				continue
			}
			if cst.Mode&unix.S_IFMT == unix.S_IFDIR {
				if err := removeAt(fd, n, dev, depth+1); err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s/%w", name, err)
				}
				continue
			}
			if err := unix.Unlinkat(fd, n, 0); err != nil && !errors.Is(err, unix.ENOENT) && firstErr == nil {
				firstErr = err
			}
		}
		if rerr != nil || len(names) == 0 {
			break
		}
	}
	f.Close()
	if firstErr != nil {
		return firstErr
	}
	if err := unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR); err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	return nil
}
