package core

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Overlay rootfs ("overlay:LOWER:UPPER", or the older "overlayfs:" prefix),
// as LXC's overlay storage driver writes it for snapshot clones
// (lxc-copy -s, lxc-copy -e):
//
//	<lxcpath>/<clone>/rootfs         empty directory the overlay is mounted on
//	<lxcpath>/<clone>/overlay/delta  upper layer (the clone's changes)
//	<lxcpath>/<clone>/overlay/work   overlayfs work directory
//
// LXC before 3.0 used <clone>/delta0 with <clone>/olwork as work
// directory; those paths still mount. LOWER may hold several layers
// separated by ':' (each one absolute); UPPER is what follows the last
// ":/".

// overlayPrefixes are the rootfs path prefixes of the overlay backend.
var overlayPrefixes = []string{"overlay:", "overlayfs:"}

// OverlayRootfs is a parsed overlay lxc.rootfs.path.
type OverlayRootfs struct {
	Lower string // lowerdir (one layer, or several joined by ':')
	Upper string // upperdir
}

// ParseOverlayRootfs parses an overlay lxc.rootfs.path; ok is false for
// other backends.
func ParseOverlayRootfs(p string) (o OverlayRootfs, ok bool, err error) {
	rest := ""
	for _, pre := range overlayPrefixes {
		if r, found := strings.CutPrefix(p, pre); found {
			rest, ok = r, true
			break
		}
	}
	if !ok {
		return o, false, nil
	}
	i := strings.LastIndex(rest, ":/")
	if i <= 0 {
		return o, true, fmt.Errorf("lxc.rootfs.path %q: expected overlay:LOWER:UPPER", p)
	}
	o.Lower, o.Upper = rest[:i], rest[i+1:]
	if !strings.HasPrefix(o.Lower, "/") {
		return o, true, fmt.Errorf("lxc.rootfs.path %q: lower layer must be an absolute path", p)
	}
	return o, true, nil
}

// WorkDir is the overlayfs work directory LXC uses for this upper layer:
// ".../overlay/work" beside ".../overlay/delta", else "olwork" beside the
// upper directory.
func (o OverlayRootfs) WorkDir() string {
	d := filepath.Dir(o.Upper)
	if filepath.Base(o.Upper) == "delta" && filepath.Base(d) == "overlay" {
		return filepath.Join(d, "work")
	}
	return filepath.Join(d, "olwork")
}

// MountDir is the directory the overlay is mounted on before pivot_root:
// the "rootfs" directory of the container that owns the upper layer
// (LXC mounts it on lxc.rootfs.mount; an empty <clone>/rootfs exists for
// that purpose in clones LXC makes).
func (o OverlayRootfs) MountDir() string {
	d := filepath.Dir(o.Upper)
	if filepath.Base(o.Upper) == "delta" && filepath.Base(d) == "overlay" {
		d = filepath.Dir(d)
	}
	return filepath.Join(d, "rootfs")
}

// overlayOptions are the mount options as LXC passes them.
func (o OverlayRootfs) overlayOptions() []string {
	return []string{"upperdir=" + o.Upper, "lowerdir=" + o.Lower, "workdir=" + o.WorkDir()}
}

// mountOverlayTree creates a detached overlay mount (fsopen/fsconfig/
// fsmount) and returns its fd; the caller attaches it with move_mount.
// The upper and work directories are created when missing, as LXC does.
func mountOverlayTree(o OverlayRootfs) (int, error) {
	for _, d := range []string{o.Upper, o.WorkDir()} {
		// Host paths chosen by the admin (the container's own
		// directory), not paths inside the rootfs.
		if err := os.MkdirAll(d, 0o755); err != nil {
			return -1, fmt.Errorf("overlay rootfs: %w", err)
		}
	}
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("overlay rootfs: fsopen overlay: %w", err)
	}
	defer unix.Close(fsfd)
	set := [][2]string{{"lowerdir", o.Lower}, {"upperdir", o.Upper}, {"workdir", o.WorkDir()}}
	for _, kv := range set {
		if err := unix.FsconfigSetString(fsfd, kv[0], kv[1]); err != nil {
			return -1, fmt.Errorf("overlay rootfs: %s=%q: %w", kv[0], kv[1], err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return -1, fmt.Errorf("overlay rootfs: mounting %s: %w", strings.Join(o.overlayOptions(), ","), err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("overlay rootfs: fsmount: %w", err)
	}
	return mfd, nil
}

// rootfsTree returns a detached mount of the container's rootfs to attach
// on its mount point: an overlay for overlay rootfs, else a recursive
// clone of the rootfs directory src.
func rootfsTree(cfg *Config, src int) (int, error) {
	if o, ok, err := ParseOverlayRootfs(cfg.RootfsPath); ok {
		if err != nil {
			return -1, err
		}
		return mountOverlayTree(o)
	}
	return unix.OpenTree(src, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH|unix.AT_RECURSIVE)
}
