package core

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Copies of containers (lxc-copy, lxc-snapshot), as LXC's clone does
// (src/lxc/lxccontainer.c do_lxcapi_clone):
//
//   - a plain copy of a dir container copies its rootfs into
//     <newpath>/<new>/rootfs; a snapshot copy (-s, -B overlay, -e) of a
//     dir container is an overlay "overlay:<orig rootfs>:<new>/overlay/delta";
//     a copy of an overlay container copies its upper layer and keeps the
//     lower one (LXC refuses a non-snapshot copy of an overlay container);
//   - the config is the original's text with lxc.rootfs.path, lxc.uts.name
//     (unless KeepName) and every lxc.net.N.hwaddr (unless KeepMAC: a new
//     00:16:3e:xx:xx:xx address) changed. Beyond LXC, path values that
//     point into the original's directory (lxc.log.file,
//     lxc.console.logfile, lxc.mount.fstab, hooks) are moved to the new
//     directory, so a copy never writes into the original;
//   - lxc.hook.clone runs with LXC_NAME, LXC_SRC_NAME, LXC_CONFIG_FILE,
//     LXC_ROOTFS_PATH, LXC_ROOTFS_MOUNT and the extra arguments;
//   - an overlay copy depends on the container(s) below it, recorded as
//     LXC records it: "<lxcpath>\n<name>\n" pairs in the clone's
//     lxc_rdepends and, in each origin, the clone in lxc_snapshots, which
//     makes lxc-destroy of the origin refuse ("has clones").
//
// A copy that fails at any step is removed completely.

// Files of LXC's clone dependency bookkeeping.
const (
	cloneRdepsFile = "lxc_rdepends"
	cloneSnapsFile = "lxc_snapshots"
)

// CloneOptions are lxc-copy's copy options.
type CloneOptions struct {
	NewName      string   // -N
	NewPath      string   // -p: lxcpath of the copy ("" = the original's)
	Snapshot     bool     // -s: overlay snapshot of a dir container
	Backing      string   // -B: "", "dir" or "overlay"
	AllowRunning bool     // -a
	KeepName     bool     // -K: keep lxc.uts.name
	KeepMAC      bool     // -M: keep lxc.net.N.hwaddr
	HookArgs     []string // arguments after "--" for lxc.hook.clone

	// snapshotOf marks a copy made by lxc-snapshot into <P>/<n>/snaps:
	// the backing type is kept and no dependency is recorded.
	snapshotOf bool
	// intoExisting allows the new container's directory to exist already
	// (lxc-snapshot -r restoring in place, where only "snaps" is left).
	intoExisting bool
}

// ErrBackingStore: a rootfs backend the copy cannot handle.
var ErrBackingStore = errors.New("unsupported backing store")

// Clone copies container name of st to o.NewName (in o.NewPath, or st)
// and returns the store of the copy.
func Clone(st *Store, name string, o CloneOptions) (*Store, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if err := ValidateName(o.NewName); err != nil {
		return nil, err
	}
	dst := st
	if o.NewPath != "" {
		var err error
		if dst, err = OpenStore(o.NewPath); err != nil {
			return nil, err
		}
	}
	if dst.Path == st.Path && o.NewName == name {
		return nil, fmt.Errorf("copy of %q onto itself: %w", name, ErrExists)
	}
	if !st.Exists(name) {
		return nil, fmt.Errorf("container %q: %w", name, ErrNotFound)
	}
	switch o.Backing {
	case "", "dir", "overlay", "overlayfs":
	default:
		return nil, fmt.Errorf("backing store %q: %w", o.Backing, ErrBackingStore)
	}
	lk, err := st.Lock(name)
	if err != nil {
		return nil, err
	}
	defer lk.Unlock()
	if !o.AllowRunning && st.Status(name).State != STOPPED {
		return nil, fmt.Errorf("%s is running: %w", name, ErrRunning)
	}
	cfg, err := st.LoadConfig(name)
	if err != nil {
		return nil, err
	}
	nlk, err := dst.Lock(o.NewName)
	if err != nil {
		return nil, err
	}
	defer nlk.Unlock()
	newDir := dst.Dir(o.NewName)
	if err := os.MkdirAll(dst.Path, 0o755); err != nil {
		return nil, err
	}
	if err := os.Mkdir(newDir, 0o770); err != nil {
		if !(o.intoExisting && errors.Is(err, os.ErrExist)) || dst.Exists(o.NewName) {
			if errors.Is(err, os.ErrExist) {
				return nil, fmt.Errorf("container %q: %w", o.NewName, ErrExists)
			}
			return nil, err
		}
	}
	ok := false
	var deps []cloneRef
	defer func() {
		if ok {
			return
		}
		for _, d := range deps {
			_ = modRdep(d, cloneRef{dst.Path, o.NewName}, false)
		}
		if o.intoExisting {
			_ = removeAllBut(newDir, "snaps")
		} else {
			_ = RemoveTree(newDir)
		}
	}()
	rootfs, deps, err := cloneRootfs(st, name, cfg, dst, o)
	if err != nil {
		return nil, err
	}
	if err := rewriteCloneConfig(cfg, st, name, dst, o, rootfs); err != nil {
		return nil, err
	}
	newCfgPath := dst.ConfigPath(o.NewName)
	if err := cfg.Save(newCfgPath); err != nil {
		return nil, err
	}
	if cfg, err = LoadConfig(newCfgPath); err != nil {
		return nil, err
	}
	if len(deps) > 0 {
		var b strings.Builder
		for _, d := range deps {
			fmt.Fprintf(&b, "%s\n%s\n", d.path, d.name)
		}
		if err := os.WriteFile(filepath.Join(newDir, cloneRdepsFile), []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
		for _, d := range deps {
			if err := modRdep(d, cloneRef{dst.Path, o.NewName}, true); err != nil {
				return nil, err
			}
		}
	}
	env := []string{
		"PATH=" + defaultPath,
		"LXC_NAME=" + o.NewName,
		"LXC_SRC_NAME=" + name,
		"LXC_CONFIG_FILE=" + newCfgPath,
		"LXC_ROOTFS_PATH=" + cfg.RootfsPath,
		"LXC_ROOTFS_MOUNT=" + RootfsMountPoint(cfg),
	}
	if err := runHooks(cfg, "clone", env, o.HookArgs); err != nil {
		return nil, err
	}
	ok = true
	return dst, nil
}

// cloneRef names a container in the dependency files.
type cloneRef struct{ path, name string }

// cloneRootfs creates the copy's rootfs and returns its lxc.rootfs.path
// value and the containers the copy depends on.
func cloneRootfs(st *Store, name string, cfg *Config, dst *Store, o CloneOptions) (string, []cloneRef, error) {
	p := cfg.RootfsPath
	newDir := dst.Dir(o.NewName)
	if p == "" {
		return "", nil, nil
	}
	if ov, isOv, err := ParseOverlayRootfs(p); isOv {
		if err != nil {
			return "", nil, err
		}
		if o.Backing == "dir" {
			return "", nil, fmt.Errorf("copying overlay container %q to a dir rootfs: %w", name, ErrBackingStore)
		}
		// LXC's overlay-of-overlay: the new upper starts as a copy of
		// the old one, the lower layers stay shared.
		nov := OverlayRootfs{Lower: ov.Lower, Upper: filepath.Join(newDir, "overlay", "delta")}
		if err := mkdirs(nov.MountDir(), nov.Upper, nov.WorkDir()); err != nil {
			return "", nil, err
		}
		if err := CopyTree(ov.Upper, nov.Upper); err != nil {
			return "", nil, fmt.Errorf("copying %q: %w", ov.Upper, err)
		}
		var deps []cloneRef
		if !o.snapshotOf {
			deps = append(readRdeps(st.Dir(name)), cloneRef{st.Path, name})
		}
		return "overlay:" + nov.Lower + ":" + nov.Upper, deps, nil
	}
	src, err := RootfsHostPath(cfg)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrBackingStore, err)
	}
	if o.Snapshot || o.Backing == "overlay" || o.Backing == "overlayfs" {
		nov := OverlayRootfs{Lower: src, Upper: filepath.Join(newDir, "overlay", "delta")}
		if err := mkdirs(nov.MountDir(), nov.Upper, nov.WorkDir()); err != nil {
			return "", nil, err
		}
		var deps []cloneRef
		if !o.snapshotOf {
			deps = []cloneRef{{st.Path, name}}
		}
		return "overlay:" + nov.Lower + ":" + nov.Upper, deps, nil
	}
	nr := filepath.Join(newDir, "rootfs")
	if err := CopyTree(src, nr); err != nil {
		return "", nil, fmt.Errorf("copying rootfs %q: %w", src, err)
	}
	return "dir:" + nr, nil, nil
}

func mkdirs(dirs ...string) error {
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// rewriteCloneConfig changes the copied config as described above.
func rewriteCloneConfig(cfg *Config, st *Store, name string, dst *Store, o CloneOptions, rootfs string) error {
	oldDir, newDir := st.Dir(name), dst.Dir(o.NewName)
	if rootfs != "" {
		if err := cfg.SetItem("lxc.rootfs.path", rootfs); err != nil {
			return err
		}
	}
	if !o.KeepName {
		if err := cfg.SetItem("lxc.uts.name", o.NewName); err != nil {
			return err
		}
	}
	// Lines are rewritten in place so comments and order stay.
	for i, l := range cfg.lines {
		_, k, v, isKey := splitConfigLine(l)
		if !isKey {
			continue
		}
		v = lineValue(v)
		nv := v
		switch {
		case !o.KeepMAC && strings.HasPrefix(k, "lxc.net.") && strings.HasSuffix(k, ".hwaddr"):
			nv = randomMAC()
		case k == "lxc.log.file" || k == "lxc.console.logfile" || k == "lxc.mount.fstab" || strings.HasPrefix(k, "lxc.hook."):
			nv = movePath(v, oldDir, newDir)
		}
		if nv != v {
			// Text only: the caller reloads the saved file (Set would
			// append to list keys such as hooks).
			cfg.lines[i] = k + " = " + quoteValue(nv)
		}
	}
	return nil
}

// movePath replaces the directory prefix old of every word of v that
// starts with it (a hook is a command line) by new.
func movePath(v, old, new string) string {
	if !strings.Contains(v, old+"/") {
		return v
	}
	f := strings.Split(v, " ")
	for i, w := range f {
		if rest, ok := strings.CutPrefix(w, old+"/"); ok {
			f[i] = new + "/" + rest
		}
	}
	return strings.Join(f, " ")
}

// randomMAC is a new address in the 00:16:3e (Xen) prefix, as LXC's
// clone makes them.
func randomMAC() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("00:16:3e:%02x:%02x:%02x", b[0], b[1], b[2])
}

// readRdeps reads dir/lxc_rdepends (the containers a clone depends on).
func readRdeps(dir string) []cloneRef {
	return readRefs(filepath.Join(dir, cloneRdepsFile))
}

func readRefs(file string) []cloneRef {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	var refs []cloneRef
	sc := bufio.NewScanner(f)
	for {
		if !sc.Scan() {
			break
		}
		p := sc.Text()
		if !sc.Scan() {
			break
		}
		refs = append(refs, cloneRef{p, sc.Text()})
	}
	return refs
}

// modRdep adds clone to (inc) or removes it from origin's lxc_snapshots.
// A file left empty is removed, so the origin can be destroyed again.
func modRdep(origin, clone cloneRef, inc bool) error {
	file := filepath.Join(origin.path, origin.name, cloneSnapsFile)
	refs := readRefs(file)
	var out []cloneRef
	for _, r := range refs {
		if r != clone {
			out = append(out, r)
		}
	}
	if inc {
		out = append(out, clone)
	}
	if len(out) == 0 {
		if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	var b strings.Builder
	for _, r := range out {
		fmt.Fprintf(&b, "%s\n%s\n", r.path, r.name)
	}
	return writeFileAtomic(file, []byte(b.String()), 0o644)
}

// HasClones reports whether other containers depend on container name
// (a non-empty lxc_snapshots file, LXC's has_fs_snapshots): lxc-destroy
// refuses it with "has clones".
func HasClones(st *Store, name string) bool {
	fi, err := os.Stat(filepath.Join(st.Dir(name), cloneSnapsFile))
	return err == nil && fi.Size() > 0
}

// UnlinkClone removes container name from the lxc_snapshots of every
// container it depends on (its lxc_rdepends), as LXC's destroy does
// before removing an overlay clone. Destroy must call it.
func UnlinkClone(st *Store, name string) error {
	var first error
	for _, d := range readRdeps(st.Dir(name)) {
		if err := modRdep(d, cloneRef{st.Path, name}, false); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// DestroyEphemeral removes container name after it stopped when its
// config has lxc.ephemeral = 1 (lxc-copy -e); otherwise it does nothing.
// The monitor calls it once the container is STOPPED and not rebooting.
// It runs lxc.hook.destroy, drops the clone from its origins'
// lxc_snapshots and removes the container directory.
func DestroyEphemeral(st *Store, name string) error {
	cfg, err := st.LoadConfig(name)
	if err != nil || !cfg.Ephemeral {
		return nil
	}
	lk, err := st.Lock(name)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if !st.Exists(name) {
		return nil
	}
	if HasClones(st, name) {
		return fmt.Errorf("ephemeral %q not destroyed: %w", name, ErrHasClones)
	}
	env := []string{"PATH=" + defaultPath, "LXC_NAME=" + name, "LXC_CONFIG_FILE=" + st.ConfigPath(name),
		"LXC_ROOTFS_PATH=" + cfg.RootfsPath, "LXC_ROOTFS_MOUNT=" + RootfsMountPoint(cfg)}
	if err := runHooks(cfg, "destroy", env, nil); err != nil {
		logf(LogError, "%v", err)
	}
	if err := UnlinkClone(st, name); err != nil {
		logf(LogWarn, "ephemeral %q: %v", name, err)
	}
	return RemoveTree(st.Dir(name))
}

// Rename renames a stopped container inside st (or moves it to newPath):
// its directory is renamed and lxc.rootfs.path and lxc.uts.name follow
// (LXC copies the container and destroys the original; a rename keeps
// the data in place and the MAC addresses, as LXC's rename does). A
// container other containers depend on cannot be renamed.
func Rename(st *Store, name, newPath, newName string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := ValidateName(newName); err != nil {
		return err
	}
	dst := st
	if newPath != "" {
		var err error
		if dst, err = OpenStore(newPath); err != nil {
			return err
		}
	}
	if !st.Exists(name) {
		return fmt.Errorf("container %q: %w", name, ErrNotFound)
	}
	lk, err := st.Lock(name)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	nlk, err := dst.Lock(newName)
	if err != nil {
		return err
	}
	defer nlk.Unlock()
	if st.Status(name).State != STOPPED {
		return fmt.Errorf("%s is running: %w", name, ErrRunning)
	}
	if HasClones(st, name) {
		return fmt.Errorf("renaming %s failed: %s %w", name, name, ErrHasClones)
	}
	if _, err := os.Lstat(dst.Dir(newName)); err == nil {
		return fmt.Errorf("container %q: %w", newName, ErrExists)
	}
	cfg, err := st.LoadConfig(name)
	if err != nil {
		return err
	}
	oldDir, newDir := st.Dir(name), dst.Dir(newName)
	if err := os.MkdirAll(dst.Path, 0o755); err != nil {
		return err
	}
	if err := os.Rename(oldDir, newDir); err != nil {
		return fmt.Errorf("renaming %q: %w", oldDir, err)
	}
	fail := func(err error) error {
		_ = os.Rename(newDir, oldDir)
		return err
	}
	if p := cfg.RootfsPath; p != "" {
		np := movePath(strings.ReplaceAll(p, ":", " "), oldDir, newDir)
		np = strings.ReplaceAll(np, " ", ":")
		if np != p {
			if err := cfg.SetItem("lxc.rootfs.path", np); err != nil {
				return fail(err)
			}
		}
	}
	if err := cfg.SetItem("lxc.uts.name", newName); err != nil {
		return fail(err)
	}
	for i, l := range cfg.lines {
		_, k, v, isKey := splitConfigLine(l)
		if !isKey || !(k == "lxc.log.file" || k == "lxc.console.logfile" || k == "lxc.mount.fstab" || strings.HasPrefix(k, "lxc.hook.")) {
			continue
		}
		v = lineValue(v)
		if nv := movePath(v, oldDir, newDir); nv != v {
			cfg.lines[i] = k + " = " + quoteValue(nv)
		}
	}
	if err := cfg.Save(dst.ConfigPath(newName)); err != nil {
		return fail(err)
	}
	// Clones of other containers record this one by name: follow.
	for _, d := range readRdeps(newDir) {
		_ = modRdep(d, cloneRef{st.Path, name}, false)
		_ = modRdep(d, cloneRef{dst.Path, newName}, true)
	}
	return nil
}

// RandomCloneName returns "<orig>_XXXXXX" not yet used in st, the name
// lxc-copy -e gives an ephemeral copy without -N.
func RandomCloneName(st *Store, orig string) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for {
		var b [6]byte
		_, _ = rand.Read(b[:])
		for i := range b {
			b[i] = letters[int(b[i])%len(letters)]
		}
		n := orig + "_" + string(b[:])
		if len(n) > 64 {
			n = n[len(n)-64:]
		}
		if _, err := os.Lstat(st.Dir(n)); err != nil {
			return n
		}
	}
}

// removeAllBut removes every entry of dir except keep.
func removeAllBut(dir, keep string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var first error
	for _, e := range ents {
		if e.Name() == keep {
			continue
		}
		if err := RemoveTree(filepath.Join(dir, e.Name())); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// CopyTree copies the directory tree src to dst (created) as rsync -aHX
// --numeric-ids does: modes, owners, times, symlinks, device nodes,
// fifos, hard links and extended attributes; symlinks are never followed
// and other filesystems mounted below src are not entered (their mount
// point is copied empty).
func CopyTree(src, dst string) error {
	var st unix.Stat_t
	if err := unix.Lstat(src, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("%q is not a directory", src)
	}
	c := &treeCopier{dev: st.Dev, links: map[[2]uint64]string{}}
	return c.copy(src, dst, &st, 0)
}

type treeCopier struct {
	dev   uint64
	links map[[2]uint64]string
}

func (c *treeCopier) copy(src, dst string, st *unix.Stat_t, depth int) error {
	if depth > maxRemoveDepth {
		return errors.New("directory tree too deep")
	}
	mode := uint32(st.Mode & 0o7777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if err := unix.Mkdir(dst, 0o700); err != nil && !(depth == 0 && errors.Is(err, unix.EEXIST)) {
			return err
		}
		if st.Dev == c.dev {
			ents, err := os.ReadDir(src)
			if err != nil {
				return err
			}
			for _, e := range ents {
				var cst unix.Stat_t
				s := filepath.Join(src, e.Name())
				if err := unix.Lstat(s, &cst); err != nil {
					if errors.Is(err, unix.ENOENT) {
						continue
					}
					return err
				}
				if err := c.copy(s, filepath.Join(dst, e.Name()), &cst, depth+1); err != nil {
					return err
				}
			}
		}
	case unix.S_IFLNK:
		t, err := os.Readlink(src)
		if err != nil {
			return err
		}
		if err := os.Symlink(t, dst); err != nil {
			return err
		}
		_ = unix.Lchown(dst, int(st.Uid), int(st.Gid))
		copyXattrs(src, dst)
		ts := []unix.Timespec{st.Atim, st.Mtim}
		_ = unix.UtimesNanoAt(unix.AT_FDCWD, dst, ts, unix.AT_SYMLINK_NOFOLLOW)
		return nil
	default:
		if st.Nlink > 1 {
			key := [2]uint64{st.Dev, st.Ino}
			if first, ok := c.links[key]; ok {
				return unix.Link(first, dst)
			}
			c.links[key] = dst
		}
		if st.Mode&unix.S_IFMT == unix.S_IFREG {
			if err := copyRegular(src, dst); err != nil {
				return err
			}
		} else if err := unix.Mknod(dst, st.Mode&unix.S_IFMT|0o600, int(st.Rdev)); err != nil {
			return err
		}
	}
	if err := unix.Lchown(dst, int(st.Uid), int(st.Gid)); err != nil {
		return err
	}
	// chmod after chown: chown clears the setuid/setgid bits.
	if err := unix.Chmod(dst, mode); err != nil {
		return err
	}
	copyXattrs(src, dst)
	ts := []unix.Timespec{st.Atim, st.Mtim}
	return unix.UtimesNanoAt(unix.AT_FDCWD, dst, ts, unix.AT_SYMLINK_NOFOLLOW)
}

func copyRegular(src, dst string) error {
	in, err := os.OpenFile(src, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyXattrs copies extended attributes (file capabilities, ACLs) best
// effort: a filesystem without them is not an error.
func copyXattrs(src, dst string) {
	sz, err := unix.Llistxattr(src, nil)
	if err != nil || sz <= 0 {
		return
	}
	buf := make([]byte, sz)
	sz, err = unix.Llistxattr(src, buf)
	if err != nil {
		return
	}
	for _, name := range strings.Split(strings.TrimRight(string(buf[:sz]), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		vs, err := unix.Lgetxattr(src, name, nil)
		if err != nil || vs < 0 {
			continue
		}
		v := make([]byte, vs)
		if vs, err = unix.Lgetxattr(src, name, v); err != nil {
			continue
		}
		_ = unix.Lsetxattr(dst, name, v[:vs], 0)
	}
}

// EphemeralOptions are lxc-copy -e's options applied to the fresh copy.
type EphemeralOptions struct {
	KeepData bool     // -D: do not set lxc.ephemeral (the copy survives)
	Tmpfs    bool     // -t: the overlay upper layer lives on a tmpfs
	Mounts   []string // -m: bind=SRC[:DST][:ro|rw], overlay=SRC[:DST]
}

// PrepareEphemeral turns the copy name (made by Clone with Snapshot) into
// lxc-copy -e's container: lxc.ephemeral = 1 unless KeepData, a tmpfs
// under the overlay layers for Tmpfs (a pre-mount hook, as LXC does, in
// the container's mount namespace), and lxc.mount.entry lines for -m.
func PrepareEphemeral(st *Store, name string, o EphemeralOptions) error {
	cfg, err := st.LoadConfig(name)
	if err != nil {
		return err
	}
	if !o.KeepData {
		if err := cfg.SetItem("lxc.ephemeral", "1"); err != nil {
			return err
		}
	}
	dir := st.Dir(name)
	if o.Tmpfs {
		ov, isOv, _ := ParseOverlayRootfs(cfg.RootfsPath)
		if !isOv {
			return fmt.Errorf("-t needs an overlay copy of a directory container")
		}
		base := filepath.Dir(ov.Upper)
		hook := fmt.Sprintf("/bin/sh -c 'mount -n -t tmpfs -o mode=0755 none %s && mkdir -p %s %s' --", base, ov.Upper, ov.WorkDir())
		if err := cfg.SetItem("lxc.hook.pre-mount", hook); err != nil {
			return err
		}
	}
	for i, spec := range o.Mounts {
		entry, dirs, err := ephemeralMountEntry(dir, i, spec)
		if err != nil {
			return err
		}
		if err := mkdirs(dirs...); err != nil {
			return err
		}
		if err := cfg.SetItem("lxc.mount.entry", entry); err != nil {
			return err
		}
	}
	return cfg.Save(st.ConfigPath(name))
}

// ephemeralMountEntry turns one -m item into an lxc.mount.entry line and
// the host directories it needs (overlay upper/work in the container dir).
func ephemeralMountEntry(dir string, i int, spec string) (string, []string, error) {
	typ, arg, ok := strings.Cut(spec, "=")
	if !ok || arg == "" {
		return "", nil, fmt.Errorf("invalid mount %q: expected bind=SRC[:DST][:ro|rw] or overlay=SRC[:DST]", spec)
	}
	f := strings.Split(arg, ":")
	src := f[0]
	if !filepath.IsAbs(src) {
		return "", nil, fmt.Errorf("invalid mount %q: source must be absolute", spec)
	}
	dst, mode := src, "rw"
	for _, x := range f[1:] {
		switch {
		case typ == "bind" && (x == "ro" || x == "rw"):
			mode = x
		case strings.HasPrefix(x, "/") && dst == src:
			dst = x
		default:
			return "", nil, fmt.Errorf("invalid mount %q", spec)
		}
	}
	rel := strings.TrimLeft(filepath.Clean(dst), "/")
	switch typ {
	case "bind":
		opts := "bind,create=dir"
		if mode == "ro" {
			opts = "bind,ro,create=dir"
		}
		return fmt.Sprintf("%s %s none %s 0 0", src, rel, opts), nil, nil
	case "overlay":
		up := filepath.Join(dir, fmt.Sprintf("mount%d", i), "delta")
		work := filepath.Join(dir, fmt.Sprintf("mount%d", i), "work")
		return fmt.Sprintf("overlay %s overlay lowerdir=%s,upperdir=%s,workdir=%s,create=dir 0 0", rel, src, up, work),
			[]string{up, work}, nil
	}
	return "", nil, fmt.Errorf("invalid mount %q: unknown type %q", spec, typ)
}

// lineValue is the value of a config line from the "= value" rest that
// splitConfigLine returns.
func lineValue(rest string) string {
	rest = strings.TrimLeft(rest, " \t")
	rest = strings.TrimPrefix(rest, "=")
	return unquote(strings.TrimSpace(rest))
}
