package cgroupfs

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// SpawnInto runs start, which must fork the container's first process
// (exec.Cmd.Start), so that the child is born in the container's Init
// cgroups instead of being moved there afterwards.
//
// Why: moving a process by writing its pid to cgroup.procs takes the
// kernel's cgroup_threadgroup_rwsem for writing, which waits for an RCU
// grace period (about 10 ms here) unless the hierarchy was mounted with
// favordynmods. A thread that moves only itself (v1 "tasks" file, value 0)
// skips that lock (kernel/cgroup/cgroup.c, cgroup_procs_write_start). So
// start runs on a locked OS thread that first moves itself into the Init
// cgroup of every v1 hierarchy, forks (the child inherits the thread's
// cgroups), and moves itself back. For the unified hierarchy start gets an
// fd of its Init directory for CLONE_INTO_CGROUP (SysProcAttr.UseCgroupFD),
// or -1.
//
// placed reports whether the child is in every Init cgroup; when it is
// false (a hierarchy refused the thread move, or start could not use the
// fd), the caller attaches the child the usual way (Attach).
func SpawnInto(m Manager, start func(cgroupFD int) error) (placed bool, err error) {
	return spawnInto(m, (*Placement).InitDir, start)
}

// SpawnIntoMonitor is SpawnInto for a daemonized monitor (lxc-start -d):
// the child is born in the Monitor cgroups, which must exist
// (CreateMonitor), so it never moves itself there with a cgroup.procs
// write. That write would block every fork on the host for a grace
// period while the monitor is serving its first requests.
func SpawnIntoMonitor(m Manager, start func(cgroupFD int) error) (placed bool, err error) {
	return spawnInto(m, (*Placement).MonitorDir, start)
}

// SpawnIntoPivot is SpawnInto for a process that must live outside the
// container's cgroups, such as the one that removes a monitor's cgroup
// once that monitor has exited. The Pivot cgroups must exist
// (CreatePivot).
func SpawnIntoPivot(m Manager, start func(cgroupFD int) error) (placed bool, err error) {
	return spawnInto(m, (*Placement).PivotDir, start)
}

func spawnInto(m Manager, target func(*Placement) string, start func(cgroupFD int) error) (placed bool, err error) {
	runtime.LockOSThread()
	unlock := true
	defer func() {
		if unlock {
			runtime.UnlockOSThread()
		}
	}()
	type move struct{ in, back string }
	var moved []move
	ok := true
	for _, p := range m.Placements() {
		if p.Version != 1 {
			continue
		}
		back := filepath.Join(p.Dir(p.Current), "tasks")
		if err := writeFile(filepath.Join(target(p), "tasks"), "0"); err != nil {
			ok = false
			break
		}
		moved = append(moved, move{in: target(p), back: back})
	}
	fd := -1
	if u := m.Unified(); u != nil && ok {
		if f, err := unix.Open(target(u), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
			fd = f
			defer unix.Close(f)
		} else {
			ok = false
		}
	}
	if !ok {
		fd = -1
	}
	startErr := start(fd)
	var backErrs []error
	for i := len(moved) - 1; i >= 0; i-- {
		if err := writeFile(moved[i].back, "0"); err != nil {
			backErrs = append(backErrs, fmt.Errorf("moving thread back from %q: %w", moved[i].in, err))
		}
	}
	if len(backErrs) > 0 {
		// This thread stays in the container's cgroups: keep it locked
		// to this goroutine, so the runtime never reuses it.
		unlock = false
	}
	if startErr != nil {
		return false, startErr
	}
	return ok, errors.Join(backErrs...)
}
