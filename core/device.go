package core

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lxc-go/lxc/netcfg"
	"github.com/vishvananda/netns"
)

// lxc-device: hand a host network interface or device node to a running
// container, or take it back.
//
// A DEVICE starting with "/" is a device node (e.g. /dev/video0); anything
// else is a network interface name, as lxc-device(1) describes.

// runningInit returns the pid and start time of the init of a running
// container, ErrNotRunning when there is none.
func runningInit(st *Store, name string) (int, uint64, error) {
	s := statusOf(st, name)
	if s.State == STOPPED || s.InitPID <= 0 {
		return 0, 0, ErrNotRunning
	}
	start := procStartTime(s.InitPID)
	if start == 0 {
		return 0, 0, ErrNotRunning
	}
	return s.InitPID, start, nil
}

// sameInit reports whether pid is still the init that runningInit found
// (checked after a /proc/PID file was opened, so that a reused pid is
// never acted on).
func sameInit(st *Store, name string, pid int, start uint64) bool {
	if procStartTime(pid) != start {
		return false
	}
	s := statusOf(st, name)
	return s.State != STOPPED && s.InitPID == pid
}

// DeviceAdd implements "lxc-device add DEV [NAME]": a host network
// interface DEV is moved into the container (named NAME there, default
// DEV); a device node DEV is allowed in the container's devices cgroup and
// created at NAME (default DEV, which must lie under /dev) inside the
// container.
func DeviceAdd(st *Store, name, dev, inName string) error {
	pid, start, err := runningInit(st, name)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(dev, "/") {
		return inInitNetNS(st, name, pid, start, func(ns netns.NsHandle) error {
			if _, err := netcfg.MoveIn(ns, dev, inName); err != nil {
				return fmt.Errorf("moving interface %q into the container: %w", dev, err)
			}
			return nil
		})
	}
	return deviceNode(st, name, pid, start, dev, inName, true)
}

// DeviceDel implements "lxc-device del DEV [NAME]": the container's
// network interface DEV goes back to the host (named NAME there, default
// DEV); a device node DEV is removed from the container (at NAME, default
// DEV) and denied in its devices cgroup.
func DeviceDel(st *Store, name, dev, hostName string) error {
	pid, start, err := runningInit(st, name)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(dev, "/") {
		return inInitNetNS(st, name, pid, start, func(ns netns.NsHandle) error {
			if err := netcfg.MoveOut(ns, dev, hostName); err != nil {
				return fmt.Errorf("moving interface %q out of the container: %w", dev, err)
			}
			return nil
		})
	}
	return deviceNode(st, name, pid, start, dev, hostName, false)
}

// inInitNetNS runs f with the network namespace of the container's init
// pid, opened first and then checked to still belong to the init started
// at start, so a reused pid never redirects f.
func inInitNetNS(st *Store, name string, pid int, start uint64, f func(netns.NsHandle) error) error {
	ns, err := netcfg.OpenNS(pid)
	if err != nil {
		return err
	}
	defer ns.Close()
	if !sameInit(st, name, pid, start) {
		return ErrNotRunning
	}
	return f(ns)
}

// deviceNode adds or removes a device node. The host node is stat'ed
// for its type and number; the path inside the container is resolved
// below the init's root (/proc/PID/root, which walks the container's own
// mount tree, including its /dev tmpfs) with RESOLVE_IN_ROOT and no magic
// links, so a symlink the container planted cannot redirect the mknod or
// unlink to a host path.
func deviceNode(st *Store, name string, pid int, start uint64, dev, inName string, add bool) error {
	if inName == "" {
		inName = dev
	}
	dest := path.Clean(inName)
	if !strings.HasPrefix(dest, "/dev/") {
		return fmt.Errorf("device path %q: must be under /dev", inName)
	}
	var hs unix.Stat_t
	if err := unix.Stat(dev, &hs); err != nil {
		return fmt.Errorf("device %q: %w", dev, &os.PathError{Op: "stat", Path: dev, Err: err})
	}
	kind := byte(0)
	switch hs.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		kind = 'c'
	case unix.S_IFBLK:
		kind = 'b'
	default:
		return fmt.Errorf("%q is not a device node", dev)
	}
	rule := fmt.Sprintf("%c %d:%d rwm", kind, unix.Major(hs.Rdev), unix.Minor(hs.Rdev))

	rootPath := fmt.Sprintf("/proc/%d/root", pid)
	rootFd, err := unix.Open(rootPath, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("container root: %w", &os.PathError{Op: "open", Path: rootPath, Err: err})
	}
	defer unix.Close(rootFd)
	if !sameInit(st, name, pid, start) {
		return ErrNotRunning
	}
	dir, base := path.Split(dest)
	if add {
		// Allow first: a node the cgroup denies is useless, and an
		// allow rule without a node grants nothing.
		if err := CgroupSet(st, name, "devices.allow", rule); err != nil {
			return fmt.Errorf("devices.allow %q: %w", rule, err)
		}
		dirFd, err := mkdirAllInRoot(rootFd, dir, 0o755)
		if err != nil {
			return fmt.Errorf("creating %q in the container: %w", dir, err)
		}
		defer unix.Close(dirFd)
		if err := unix.Mknodat(dirFd, base, hs.Mode&(unix.S_IFMT|0o7777), int(hs.Rdev)); err != nil {
			return fmt.Errorf("creating %q in the container: %w", dest, err)
		}
		// mknodat applies our umask: give the node the host node's
		// mode and owner, as LXC does.
		if err := unix.Fchmodat(dirFd, base, hs.Mode&0o7777, 0); err != nil {
			return fmt.Errorf("chmod %q in the container: %w", dest, err)
		}
		if err := unix.Fchownat(dirFd, base, int(hs.Uid), int(hs.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown %q in the container: %w", dest, err)
		}
		return nil
	}
	dirFd, err := openInRoot(rootFd, dir, 0, unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("opening %q in the container: %w", dir, err)
	}
	defer unix.Close(dirFd)
	var cs unix.Stat_t
	err = unix.Fstatat(dirFd, base, &cs, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case errors.Is(err, unix.ENOENT):
	case err != nil:
		return fmt.Errorf("%q in the container: %w", dest, err)
	case cs.Mode&unix.S_IFMT != hs.Mode&unix.S_IFMT || cs.Rdev != hs.Rdev:
		return fmt.Errorf("%q in the container is not the device %s", dest, dev)
	default:
		if err := unix.Unlinkat(dirFd, base, 0); err != nil {
			return fmt.Errorf("removing %q in the container: %w", dest, err)
		}
	}
	if err := CgroupSet(st, name, "devices.deny", rule); err != nil {
		return fmt.Errorf("devices.deny %q: %w", rule, err)
	}
	return nil
}
