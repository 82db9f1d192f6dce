package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/lxc-go/lxc/cgroupfs"
)

// Unprivileged containers (lxc.idmap).
//
// The init is cloned with CLONE_NEWUSER together with its other
// namespaces, so every namespace it gets is owned by the new user
// namespace. Go's os/exec writes the maps from the parent between clone
// and exec (the child waits on a pipe), and then switches the child to
// uid/gid 0 inside (setgroups([]), setresgid(0), setresuid(0)), so that
// the init keeps its full capability set in its namespace across exec.
//
// As LXC does when root writes the maps, setgroups stays allowed in the
// container. Running as a non-root user would need newuidmap/newgidmap
// (setuid helpers that check /etc/subuid and /etc/subgid), which this
// build does not use: starting an idmapped container needs root.
//
// The rootfs must be owned by the mapped ids. A directory rootfs is
// shifted once by lxc-create (ShiftRootfs); with lxc.rootfs.options =
// idmap=container the files keep their owners and the rootfs is mounted
// idmapped instead (attach_rootfs_idmap.go), falling back to the plain
// bind where the kernel or filesystem cannot idmap.

// idmapInto sets up the user namespace mappings of the init (lxc.idmap),
// hands the host side of the console to the container's root and
// delegates the container's cgroups to it. The monitor calls it right
// before cmd.Start().
func (m *monitor) idmapInto(cmd *exec.Cmd) error {
	if len(m.cfg.IDMap) == 0 {
		return nil
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if cmd.SysProcAttr.Cloneflags&unix.CLONE_NEWUSER == 0 {
		return errors.New("lxc.idmap is set but the user namespace is not cloned (lxc.namespace.keep or .share user?)")
	}
	uids, gids, err := sysProcIDMaps(m.cfg.IDMap)
	if err != nil {
		return err
	}
	rootUID, rootGID, err := containerRoot(m.cfg.IDMap)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("lxc.idmap: writing the id maps of a non-root user needs newuidmap and newgidmap (shadow's uidmap package), which this build does not support yet; start the container as root")
	}
	if p := rootfsHostPath(m.cfg); p != "" {
		if err := checkReachable(p, rootUID, rootGID); err != nil {
			return err
		}
	}
	// init reads the seccomp profile before pivot_root, already as the
	// container's root.
	if p := m.cfg.SeccompProfile; p != "" {
		if err := checkReachable(filepath.Dir(p), rootUID, rootGID); err != nil {
			return fmt.Errorf("lxc.seccomp.profile: %w", err)
		}
	}
	cmd.SysProcAttr.UidMappings = uids
	cmd.SysProcAttr.GidMappings = gids
	cmd.SysProcAttr.GidMappingsEnableSetgroups = true
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 0, Gid: 0}
	// The console is a pty of the host's devpts, bound over /dev/console:
	// the container's root must own it (fd 4 of the init, ExtraFiles[1]).
	if m.console != nil && len(cmd.ExtraFiles) > 1 && cmd.ExtraFiles[1] != nil {
		if err := unix.Fchown(int(cmd.ExtraFiles[1].Fd()), rootUID, rootGID); err != nil {
			return fmt.Errorf("handing the console to the container's root: %w", err)
		}
	}
	if m.cg != nil {
		if err := DelegateCgroups(m.cg, rootUID, rootGID); err != nil {
			return err
		}
	}
	return nil
}

// sysProcIDMaps converts lxc.idmap lines to os/exec's maps.
func sysProcIDMaps(maps []IDMap) (uids, gids []syscall.SysProcIDMap, err error) {
	for _, m := range maps {
		if m.NSID < 0 || m.HostID < 0 || m.Range <= 0 || m.NSID+m.Range > 1<<32 || m.HostID+m.Range > 1<<32 {
			return nil, nil, fmt.Errorf("lxc.idmap = %c %d %d %d: id range out of bounds", m.Kind, m.NSID, m.HostID, m.Range)
		}
		e := syscall.SysProcIDMap{ContainerID: int(m.NSID), HostID: int(m.HostID), Size: int(m.Range)}
		if m.Kind == 'u' {
			uids = append(uids, e)
		} else {
			gids = append(gids, e)
		}
	}
	if len(uids) == 0 || len(gids) == 0 {
		return nil, nil, errors.New("lxc.idmap needs both a uid (u) and a gid (g) mapping")
	}
	return uids, gids, nil
}

// containerRoot returns the host uid and gid of root in the container.
func containerRoot(maps []IDMap) (uid, gid int, err error) {
	u, okU := MapToHost(maps, 'u', 0)
	g, okG := MapToHost(maps, 'g', 0)
	if !okU {
		return 0, 0, errors.New("lxc.idmap: no uid mapping for the container's root (u 0 ...)")
	}
	if !okG {
		return 0, 0, errors.New("lxc.idmap: no gid mapping for the container's root (g 0 ...)")
	}
	return int(u), int(g), nil
}

// MapToHost returns the host id of container id id of kind 'u' or 'g'.
func MapToHost(maps []IDMap, kind byte, id int64) (int64, bool) {
	for _, m := range maps {
		if m.Kind == kind && id >= m.NSID && id < m.NSID+m.Range {
			return m.HostID + id - m.NSID, true
		}
	}
	return 0, false
}

// checkReachable reports, in the words of the fix, a rootfs the
// container's root cannot reach: every directory on the way must be
// searchable by the mapped uid (LXC asks the same of ~/.local/share/lxc).
// Only the mode bits are checked; ACLs may grant more.
func checkReachable(path string, uid, gid int) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	for p := abs; ; p = filepath.Dir(p) {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			return fmt.Errorf("lxc.idmap: %q: %w", path, err)
		}
		var bit uint32 = 0o001
		switch {
		case int(st.Uid) == uid:
			bit = 0o100
		case int(st.Gid) == gid:
			bit = 0o010
		}
		if st.Mode&bit == 0 && !hasACL(p) {
			return fmt.Errorf("lxc.idmap: the container's root (host uid %d) cannot reach %q: %q is not searchable by it; grant it x access (chmod o+x %q) or add an ACL", uid, path, p, p)
		}
		if p == "/" {
			return nil
		}
	}
}

func hasACL(p string) bool {
	sz, err := unix.Getxattr(p, "system.posix_acl_access", nil)
	return err == nil && sz > 0
}

// DelegateCgroups hands the container's init cgroup to its root, as LXC
// does for unprivileged containers: the directory and the files a
// delegatee writes (cgroup.procs, and tasks on v1; cgroup.subtree_control
// and cgroup.threads on v2), so that an init such as systemd can manage
// its own sub-cgroups. Limits stay on the payload cgroup when
// lxc.cgroup.dir.container.inner puts init below it.
func DelegateCgroups(mgr cgroupfs.Manager, uid, gid int) error {
	files := []string{"cgroup.procs", "tasks", "cgroup.subtree_control", "cgroup.threads"}
	for _, p := range mgr.Placements() {
		dir := p.InitDir()
		if err := os.Lchown(dir, uid, gid); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("delegating cgroup %q to the container's root: %w", dir, err)
		}
		for _, f := range files {
			if err := os.Lchown(filepath.Join(dir, f), uid, gid); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("delegating cgroup %q to the container's root: %w", dir, err)
			}
		}
	}
	return nil
}

// ShiftRootfs chowns a container's rootfs once for its lxc.idmap: every
// file owned by container id N (per the maps) becomes owned by the
// matching host id, so that the container's root owns its files. Files
// whose owner is not in a container range (for example already shifted
// ones) are left alone, so running it twice is harmless with maps whose
// host ranges do not overlap their container ranges. Hard links are
// shifted once. Symlinks are not followed. setuid/setgid bits, which
// chown clears, are restored; file capabilities (security.capability)
// are not carried over.
//
// lxc-create calls it after the template ran when the config has
// lxc.idmap (the lxc-usernsexec "chown -R" step of LXC's documentation).
func ShiftRootfs(dir string, maps []IDMap) error {
	if len(maps) == 0 {
		return nil
	}
	type inode struct{ dev, ino uint64 }
	seen := map[inode]bool{}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		if st.Nlink > 1 && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			k := inode{st.Dev, st.Ino}
			if seen[k] {
				return nil
			}
			seen[k] = true
		}
		uid, okU := MapToHost(maps, 'u', int64(st.Uid))
		gid, okG := MapToHost(maps, 'g', int64(st.Gid))
		if !okU {
			uid = int64(st.Uid)
		}
		if !okG {
			gid = int64(st.Gid)
		}
		if !okU && !okG {
			return nil
		}
		if err := unix.Lchown(p, int(uid), int(gid)); err != nil {
			return fmt.Errorf("shifting %q: %w", p, err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFLNK && st.Mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
			if err := unix.Chmod(p, st.Mode&0o7777); err != nil {
				return fmt.Errorf("shifting %q: %w", p, err)
			}
		}
		return nil
	})
}

// IdmappedRootfs returns a detached, recursive clone of the mount tree at
// dir whose ids are mapped through the user namespace usernsFd
// (open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_IDMAP)): a file
// owned by 0 on disk belongs to the container's root, with no chown of
// the rootfs (lxc.rootfs.options = idmap=container). It fails with
// EINVAL when the kernel or the filesystem does not support idmapped
// mounts; callers fall back to a shifted rootfs (ShiftRootfs). The
// monitor must create it (CAP_SYS_ADMIN in the initial namespace) once
// the init's user namespace exists, and the init attaches it with
// move_mount(fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) instead
// of bind-mounting the rootfs path.
func IdmappedRootfs(dir string, usernsFd int) (*os.File, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, dir, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err != nil {
		return nil, fmt.Errorf("idmapped rootfs: open_tree %q: %w", dir, err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(usernsFd)}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("idmapped rootfs: mount_setattr %q: %w", dir, err)
	}
	return os.NewFile(uintptr(fd), dir), nil
}
