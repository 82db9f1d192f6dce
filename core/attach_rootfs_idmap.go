package core

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lxc.rootfs.options = idmap=container: the rootfs is mounted through an
// idmapped mount of the container's user namespace, so that an unshifted
// rootfs (files owned by 0 on disk) belongs to the container's root,
// without chown.
//
// Only the monitor can build that mount: it needs CAP_SYS_ADMIN in the
// initial user namespace, and the user namespace must exist with its
// maps. So, once the init is cloned (its maps written by os/exec), the
// monitor opens /proc/<init>/ns/user, makes a detached idmapped clone of
// the rootfs directory (IdmappedRootfs) and sends its fd to the init with
// the spec; the init attaches it on the rootfs mount point with
// move_mount(MOVE_MOUNT_F_EMPTY_PATH) instead of cloning the directory
// itself (RootfsSetup.RootfsMountFD). When the kernel or the filesystem
// cannot idmap (EINVAL, EPERM, ENOSYS) or the rootfs is not a plain
// directory, the monitor logs why and the init falls back to the plain
// bind, which is right for a rootfs shifted once (ShiftRootfs, done by
// lxc-create for a config with lxc.idmap).

// rootfsIdmapOption is the only value of idmap= that is supported.
const rootfsIdmapOption = "idmap=container"

// rootfsWantsIdmap reports whether lxc.rootfs.options asks for an
// idmapped rootfs.
func rootfsWantsIdmap(opts string) bool {
	for _, o := range strings.Split(opts, ",") {
		if strings.TrimSpace(o) == rootfsIdmapOption {
			return true
		}
	}
	return false
}

// stripRootfsIdmap removes idmap=container from lxc.rootfs.options: it
// is no mount flag, the monitor handles it.
func stripRootfsIdmap(opts string) string {
	if !strings.Contains(opts, rootfsIdmapOption) {
		return opts
	}
	var keep []string
	for _, o := range strings.Split(opts, ",") {
		if strings.TrimSpace(o) != rootfsIdmapOption {
			keep = append(keep, o)
		}
	}
	return strings.Join(keep, ",")
}

// idmappedRootfsFor builds the idmapped rootfs mount of a container whose
// init is pid (see above). nil, nil: not requested, or not possible here
// (logged; the init binds the directory as usual).
func idmappedRootfsFor(cfg *Config, pid int) (*os.File, error) {
	if !rootfsWantsIdmap(cfg.RootfsOptions) {
		return nil, nil
	}
	if len(cfg.IDMap) == 0 {
		return nil, fmt.Errorf("lxc.rootfs.options %q: %s needs lxc.idmap", cfg.RootfsOptions, rootfsIdmapOption)
	}
	if _, ok, _ := ParseOverlayRootfs(cfg.RootfsPath); ok {
		logf(LogWarn, "lxc.rootfs.options %s: only a directory rootfs can be idmapped; binding %q as it is", rootfsIdmapOption, cfg.RootfsPath)
		return nil, nil
	}
	dir, err := RootfsHostPath(cfg)
	if err != nil || dir == "" {
		return nil, err
	}
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/user", pid))
	if err != nil {
		return nil, fmt.Errorf("lxc.rootfs.options %s: opening the init's user namespace: %w", rootfsIdmapOption, err)
	}
	defer ns.Close()
	f, err := IdmappedRootfs(dir, int(ns.Fd()))
	if err != nil {
		if errIsUnsupported(err) {
			logf(LogWarn, "%v: idmapped mounts are not supported here; binding the rootfs as it is (it must be shifted to the container's ids once, as lxc-create does)", err)
			return nil, nil
		}
		return nil, err
	}
	return f, nil
}

// errIsUnsupported: the kernel or the filesystem cannot idmap.
func errIsUnsupported(err error) bool {
	for _, e := range []syscall.Errno{unix.EINVAL, unix.ENOSYS, unix.EPERM, unix.EOPNOTSUPP} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
