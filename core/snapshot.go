package core

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Snapshots (lxc-snapshot), stored as LXC stores them: snapshot N of
// container NAME is a container "snapN" in the lxcpath <P>/NAME/snaps,
// with beside its config and rootfs:
//
//	ts       creation time, "2006:01:02 15:04:05" local time, no newline
//	comment  the -c file's content, when one was given
//
// A snapshot keeps the container's hostname and MAC addresses. Restoring
// (-r) is a copy of the snapshot back to NAME (in place: everything of
// NAME but its snaps directory is replaced) or to a new name; as in LXC
// the restored copy gets new MAC addresses and its own hostname.

// Snapshot is one entry of SnapshotList.
type Snapshot struct {
	Name        string // "snap0"
	LXCPath     string // <P>/NAME/snaps
	Timestamp   string // content of ts
	CommentPath string // path of the comment file ("" when none)
}

// ErrNoSnapshot: the named snapshot does not exist.
var ErrNoSnapshot = errors.New("no such snapshot")

// snapStore is the lxcpath of NAME's snapshots.
func snapStore(st *Store, name string) *Store {
	return &Store{Path: filepath.Join(st.Dir(name), "snaps")}
}

// SnapshotCreate snapshots container name and returns the snapshot's
// name. commentFile, when set, is copied to the snapshot's comment.
func SnapshotCreate(st *Store, name, commentFile string) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", err
	}
	if !st.Exists(name) {
		return "", fmt.Errorf("container %q: %w", name, ErrNotFound)
	}
	var comment []byte
	if commentFile != "" {
		var err error
		if comment, err = os.ReadFile(commentFile); err != nil {
			return "", fmt.Errorf("comment file: %w", err)
		}
	}
	ss := snapStore(st, name)
	if err := os.MkdirAll(ss.Path, 0o755); err != nil {
		return "", err
	}
	// LXC names the snapshot after the number of existing ones; a gap
	// left by a deleted snapshot would make that name collide, so the
	// next free number is used from there.
	list, _ := SnapshotList(st, name)
	n := len(list)
	for {
		if _, err := os.Lstat(ss.Dir("snap" + strconv.Itoa(n))); err != nil {
			break
		}
		n++
	}
	snap := "snap" + strconv.Itoa(n)
	if _, err := Clone(st, name, CloneOptions{
		NewName: snap, NewPath: ss.Path, KeepName: true, KeepMAC: true,
		AllowRunning: true, snapshotOf: true,
	}); err != nil {
		return "", err
	}
	dir := ss.Dir(snap)
	ts := time.Now().Format("2006:01:02 15:04:05")
	if err := os.WriteFile(filepath.Join(dir, "ts"), []byte(ts), 0o644); err != nil {
		_ = RemoveTree(dir)
		return "", err
	}
	if comment != nil {
		if err := os.WriteFile(filepath.Join(dir, "comment"), comment, 0o644); err != nil {
			_ = RemoveTree(dir)
			return "", err
		}
	}
	return snap, nil
}

// SnapshotList returns the snapshots of container name sorted by name
// (LXC lists them in directory order, which is creation order on the
// filesystems it is used on; sorting makes that explicit with snap10
// after snap9).
func SnapshotList(st *Store, name string) ([]Snapshot, error) {
	ss := snapStore(st, name)
	ents, err := os.ReadDir(ss.Path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []Snapshot
	for _, e := range ents {
		if !e.IsDir() || !ss.Exists(e.Name()) {
			continue
		}
		s := Snapshot{Name: e.Name(), LXCPath: ss.Path}
		if b, err := os.ReadFile(filepath.Join(ss.Dir(e.Name()), "ts")); err == nil {
			s.Timestamp = strings.TrimRight(string(b), "\n")
		}
		if c := filepath.Join(ss.Dir(e.Name()), "comment"); fileExists(c) {
			s.CommentPath = c
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return snapLess(out[i].Name, out[j].Name) })
	return out, nil
}

// snapLess orders snapN by number, other names after them by name.
func snapLess(a, b string) bool {
	na, ea := strconv.Atoi(strings.TrimPrefix(a, "snap"))
	nb, eb := strconv.Atoi(strings.TrimPrefix(b, "snap"))
	switch {
	case ea == nil && eb == nil && strings.HasPrefix(a, "snap") && strings.HasPrefix(b, "snap"):
		return na < nb
	case ea == nil && strings.HasPrefix(a, "snap"):
		return true
	case eb == nil && strings.HasPrefix(b, "snap"):
		return false
	}
	return a < b
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// SnapshotRestore restores snapshot snap of container name to newName
// ("" or name: in place; the container must be stopped and nothing may
// depend on it).
func SnapshotRestore(st *Store, name, snap, newName string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := ValidateName(snap); err != nil {
		return err
	}
	if newName == "" {
		newName = name
	}
	ss := snapStore(st, name)
	if !ss.Exists(snap) {
		return fmt.Errorf("snapshot %q of %q: %w", snap, name, ErrNoSnapshot)
	}
	o := CloneOptions{NewName: newName, NewPath: st.Path, AllowRunning: true}
	if newName == name {
		if !st.Exists(name) {
			return fmt.Errorf("container %q: %w", name, ErrNotFound)
		}
		lk, err := st.Lock(name)
		if err != nil {
			return err
		}
		if st.Status(name).State != STOPPED {
			lk.Unlock()
			return fmt.Errorf("%s is running: %w", name, ErrRunning)
		}
		if HasClones(st, name) {
			lk.Unlock()
			return fmt.Errorf("restoring %s failed: %s %w", name, name, ErrHasClones)
		}
		cfg, err := st.LoadConfig(name)
		if err == nil {
			if r := rootfsDir(cfg); r != "" && !strings.HasPrefix(r+"/", st.Dir(name)+"/") {
				lk.Unlock()
				return fmt.Errorf("restoring %s in place: its rootfs %q is outside its directory", name, r)
			}
		}
		_ = UnlinkClone(st, name)
		err = removeAllBut(st.Dir(name), "snaps")
		lk.Unlock()
		if err != nil {
			return fmt.Errorf("restoring %s: %w", name, err)
		}
		o.intoExisting = true
	}
	_, err := Clone(ss, snap, o)
	return err
}

// SnapshotDestroy removes snapshot snap of container name ("ALL": every
// snapshot). The snaps directory goes when it is left empty.
func SnapshotDestroy(st *Store, name, snap string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	ss := snapStore(st, name)
	var names []string
	if snap == "ALL" {
		list, err := SnapshotList(st, name)
		if err != nil {
			return err
		}
		for _, s := range list {
			names = append(names, s.Name)
		}
		if len(names) == 0 {
			return fmt.Errorf("%q has no snapshots: %w", name, ErrNoSnapshot)
		}
	} else {
		if err := ValidateName(snap); err != nil {
			return err
		}
		if !ss.Exists(snap) {
			return fmt.Errorf("snapshot %q of %q: %w", snap, name, ErrNoSnapshot)
		}
		names = []string{snap}
	}
	for _, n := range names {
		if HasClones(ss, n) {
			return fmt.Errorf("destroying snapshot %s failed: %s %w", n, n, ErrHasClones)
		}
		lk, err := ss.Lock(n)
		if err != nil {
			return err
		}
		_ = UnlinkClone(ss, n)
		err = RemoveTree(ss.Dir(n))
		lk.Unlock()
		if err != nil {
			return fmt.Errorf("destroying snapshot %s: %w", n, err)
		}
	}
	_ = os.Remove(ss.Path) // only when empty
	return nil
}
