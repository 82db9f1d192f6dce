package core

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Paths inside the container rootfs are attacker-controlled: the previous
// run of the container (or a second container sharing a volume) can plant
// symlinks anywhere. Every such path is therefore resolved exactly once,
// relative to a rootfs directory fd, into an O_PATH fd, and every mount is
// done on that fd (through /proc/self/fd/N or move_mount(2)), never by
// re-resolving a string (CVE-2015-1335, CVE-2021-30465). Missing components
// are created with mkdirat/openat relative to directory fds with
// O_NOFOLLOW (CVE-2024-45310).

// safeResolve is how openat2(2) resolves rootfs paths: symlinks are
// followed but ".." and absolute links stay inside the root, and magic
// links (/proc/self/fd/N and friends) are refused.
const safeResolve = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// forceNoOpenat2 makes openInRoot use the O_NOFOLLOW walk; tests set it.
var forceNoOpenat2 bool

// cleanInRoot turns p (absolute or relative to the container root) into a
// clean relative path; "" is the root itself. ".." cannot climb above the
// root lexically either.
func cleanInRoot(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// fdPath is the magic link that names an open fd for mount(2).
func fdPath(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// openInRoot resolves p inside the directory rootFd as if rootFd were "/"
// and returns an O_PATH|O_CLOEXEC fd (plus flags, e.g. O_DIRECTORY).
// extra adds RESOLVE_* flags (RESOLVE_NO_SYMLINKS for paths that must be
// real directories, like /proc and /dev). Without openat2 it falls back to
// a component walk that refuses every symlink.
func openInRoot(rootFd int, p string, extra uint64, flags int) (int, error) {
	rel := cleanInRoot(p)
	if rel == "" {
		rel = "."
	}
	if !forceNoOpenat2 {
		how := unix.OpenHow{
			Flags:   uint64(unix.O_PATH | unix.O_CLOEXEC | flags),
			Resolve: safeResolve | extra,
		}
		var err error
		for range 16 {
			var fd int
			fd, err = unix.Openat2(rootFd, rel, &how)
			if err == nil {
				return fd, nil
			}
			// EAGAIN: a rename raced with RESOLVE_IN_ROOT; retry.
			if err != unix.EAGAIN && err != unix.EINTR {
				break
			}
		}
		if err != unix.ENOSYS {
			return -1, err
		}
	}
	return walkNoFollow(rootFd, rel, flags)
}

// walkNoFollow opens rel below rootFd one component at a time with
// O_NOFOLLOW, refusing symlinks anywhere (like LXC's safe_mount).
func walkNoFollow(rootFd int, rel string, flags int) (int, error) {
	cur, err := unix.Openat(rootFd, ".", unix.O_PATH|unix.O_CLOEXEC|unix.O_DIRECTORY, 0)
	if err != nil {
		return -1, err
	}
	if rel == "." {
		if flags&^unix.O_DIRECTORY != 0 {
			unix.Close(cur)
			return unix.Openat(rootFd, ".", unix.O_PATH|unix.O_CLOEXEC|flags, 0)
		}
		return cur, nil
	}
	comps := strings.Split(rel, "/")
	for i, c := range comps {
		f := unix.O_PATH | unix.O_CLOEXEC | unix.O_NOFOLLOW
		if i < len(comps)-1 {
			f |= unix.O_DIRECTORY
		} else {
			f |= flags
		}
		next, err := unix.Openat(cur, c, f, 0)
		unix.Close(cur)
		if err != nil {
			return -1, err
		}
		var st unix.Stat_t
		if err := unix.Fstat(next, &st); err != nil {
			unix.Close(next)
			return -1, err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			unix.Close(next)
			return -1, fmt.Errorf("%q is a symlink: %w", strings.Join(comps[:i+1], "/"), unix.ELOOP)
		}
		cur = next
	}
	return cur, nil
}

// mkdirAllInRoot makes sure directory p exists inside rootFd and returns
// an O_PATH fd for it. The deepest existing prefix is resolved with
// openInRoot; the missing rest is created with mkdirat relative to that fd
// and reopened with O_NOFOLLOW, so a symlink planted in a racing window
// makes the call fail instead of creating something outside the root.
func mkdirAllInRoot(rootFd int, p string, mode uint32) (int, error) {
	dirFd, rest, err := openDeepestInRoot(rootFd, p)
	if err != nil {
		return -1, err
	}
	for _, c := range rest {
		if err := unix.Mkdirat(dirFd, c, mode); err != nil && err != unix.EEXIST {
			unix.Close(dirFd)
			return -1, fmt.Errorf("mkdir %q: %w", c, err)
		}
		next, err := unix.Openat(dirFd, c, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_DIRECTORY, 0)
		unix.Close(dirFd)
		if err != nil {
			return -1, fmt.Errorf("open %q: %w", c, err)
		}
		dirFd = next
	}
	if err := checkType(dirFd, unix.S_IFDIR); err != nil {
		unix.Close(dirFd)
		return -1, err
	}
	return dirFd, nil
}

// createFileInRoot makes sure the non-directory p exists inside rootFd
// (creating an empty regular file, mode 0644, if it does not) and returns an
// O_PATH fd for it. An existing symlink is refused.
func createFileInRoot(rootFd int, p string) (int, error) {
	rel := cleanInRoot(p)
	if rel == "" {
		return -1, fmt.Errorf("cannot create the root as a file: %w", unix.EINVAL)
	}
	if fd, err := openInRoot(rootFd, rel, 0, 0); err == nil {
		return fd, nil
	} else if err != unix.ENOENT {
		return -1, err
	}
	dir, base := path.Split(rel)
	dirFd, err := mkdirAllInRoot(rootFd, dir, 0o755)
	if err != nil {
		return -1, err
	}
	defer unix.Close(dirFd)
	return createFileAt(dirFd, base, 0o644)
}

// createFileAt creates (or opens) the file name in dirFd without following
// symlinks and returns an O_PATH fd. O_NONBLOCK keeps a planted FIFO from
// blocking us; a symlink fails with ELOOP.
func createFileAt(dirFd int, name string, mode uint32) (int, error) {
	fd, err := unix.Openat(dirFd, name, unix.O_CREAT|unix.O_EXCL|unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, mode)
	if err == nil {
		unix.Close(fd)
	} else if err != unix.EEXIST {
		return -1, fmt.Errorf("create %q: %w", name, err)
	}
	fd, err = unix.Openat(dirFd, name, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return -1, fmt.Errorf("open %q: %w", name, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK || st.Mode&unix.S_IFMT == unix.S_IFDIR {
		unix.Close(fd)
		return -1, fmt.Errorf("%q is a %s, not a file", name, fileTypeName(st.Mode))
	}
	return fd, nil
}

// openDeepestInRoot resolves the longest existing prefix of p inside
// rootFd and returns its fd plus the components still missing. A missing
// part that contains "." or ".." cannot happen: p is cleaned first.
func openDeepestInRoot(rootFd int, p string) (int, []string, error) {
	rel := cleanInRoot(p)
	if rel == "" {
		fd, err := openInRoot(rootFd, "", 0, unix.O_DIRECTORY)
		return fd, nil, err
	}
	comps := strings.Split(rel, "/")
	for i := len(comps); i > 0; i-- {
		fd, err := openInRoot(rootFd, strings.Join(comps[:i], "/"), 0, 0)
		if err == nil {
			if i < len(comps) {
				if err := checkType(fd, unix.S_IFDIR); err != nil {
					unix.Close(fd)
					return -1, nil, fmt.Errorf("%q: %w", strings.Join(comps[:i], "/"), err)
				}
			}
			return fd, comps[i:], nil
		}
		if err != unix.ENOENT {
			return -1, nil, err
		}
	}
	fd, err := openInRoot(rootFd, "", 0, unix.O_DIRECTORY)
	return fd, comps, err
}

// checkType fails unless fd is of the file type want (S_IFDIR, ...).
func checkType(fd int, want uint32) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != want {
		errno := unix.EINVAL
		if want == unix.S_IFDIR {
			errno = unix.ENOTDIR
		}
		return fmt.Errorf("is a %s, want a %s: %w", fileTypeName(st.Mode), fileTypeName(want), errno)
	}
	return nil
}

func fileTypeName(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFLNK:
		return "symlink"
	case unix.S_IFREG:
		return "regular file"
	case unix.S_IFCHR:
		return "character device"
	case unix.S_IFBLK:
		return "block device"
	case unix.S_IFIFO:
		return "fifo"
	case unix.S_IFSOCK:
		return "socket"
	}
	return "file of unknown type"
}

// isNotExist reports a missing path.
func isNotExist(err error) bool { return errors.Is(err, unix.ENOENT) }
