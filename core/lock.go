package core

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Container locks.
//
// Every mutating operation on a container (create, destroy, start, copy,
// ...) holds an exclusive lock on the container's lock file for its whole
// duration. The lock files live where LXC 5.0 keeps its own
// (src/lxc/lxclock.c): /run/lxc/lock/<lxcpath>/.<name> for root, or
// $XDG_RUNTIME_DIR/lxc/lock/<lxcpath>/.<name> otherwise. Keeping them
// outside the container directory means create can lock a container whose
// directory does not exist yet, destroy can remove the directory while
// still holding the lock, and a container name can never collide with the
// lock file. The same path as LXC also makes our tools and LXC's exclude
// each other.
//
// The lock is an open file description lock (F_OFD_SETLKW), which belongs
// to the open file and so works between goroutines and processes alike;
// kernels without OFD locks fall back to flock(2). Lock files are never
// removed: unlinking a lock file while another process waits on it would
// let a third process lock a new file of the same name. Existence of a
// file is never used as a lock.

// LockRoot returns the directory holding the lock files of lxcpath.
func LockRoot(lxcpath string) string {
	base := "/run"
	if os.Geteuid() != 0 {
		if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" {
			base = x
		} else {
			base = os.TempDir()
		}
	}
	if p := os.Getenv("_LXC_LOCK_DIR"); p != "" {
		base = p
	}
	return filepath.Join(base, "lxc", "lock", strings.TrimPrefix(filepath.Clean(lxcpath), "/"))
}

// LockPath returns the lock file of container name.
func (s *Store) LockPath(name string) string {
	return filepath.Join(LockRoot(s.Path), "."+name)
}

// Lock is a held container lock.
type Lock struct {
	f *os.File
}

// Lock takes the exclusive lock of container name, waiting for other
// holders. The name must have been validated.
func (s *Store) Lock(name string) (*Lock, error) {
	return s.lock(name, true)
}

// TryLock takes the lock like Lock but fails with unix.EWOULDBLOCK (wrapped)
// instead of waiting.
func (s *Store) TryLock(name string) (*Lock, error) {
	return s.lock(name, false)
}

func (s *Store) lock(name string, wait bool) (*Lock, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	dir := LockRoot(s.Path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	p := filepath.Join(dir, "."+name)
	fd, err := unix.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %q: %w", p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	if err := lockFD(fd, wait); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %q: %w", p, err)
	}
	return &Lock{f: f}, nil
}

// lockFD takes an exclusive OFD lock on the whole file, or a flock where
// the kernel lacks OFD locks (EINVAL).
func lockFD(fd int, wait bool) error {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	cmd := unix.F_OFD_SETLK
	if wait {
		cmd = unix.F_OFD_SETLKW
	}
	for {
		err := unix.FcntlFlock(uintptr(fd), cmd, &lk)
		if err == nil {
			return nil
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return unix.EWOULDBLOCK
		}
		if !errors.Is(err, unix.EINVAL) {
			return err
		}
		break
	}
	how := unix.LOCK_EX
	if !wait {
		how |= unix.LOCK_NB
	}
	for {
		err := unix.Flock(fd, how)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err
	}
}

// Unlock releases the lock. Closing the file releases it too, so a
// crashed process never leaves a container locked.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
