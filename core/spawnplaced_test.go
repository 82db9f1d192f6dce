package core

import (
	"os/exec"
	"syscall"
	"testing"

	"github.com/lxc-go/lxc/cgroupfs"
	"golang.org/x/sys/unix"
)

// fakeUnified is a Manager with or without a unified hierarchy; nothing
// else of it is used by spawnPlaced.
type fakeUnified struct {
	cgroupfs.Manager
	unified *cgroupfs.Placement
}

func (f fakeUnified) Unified() *cgroupfs.Placement { return f.unified }

// A child that could not be born in the unified cgroup (the kernel
// refused CLONE_INTO_CGROUP and it was started plainly) is not reported
// as placed, so that it is attached the usual way.
func TestSpawnPlacedFallback(t *testing.T) {
	notCgroup, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(notCgroup)
	for _, tc := range []struct {
		name    string
		unified bool
		fd      int
		want    bool
	}{
		{"unified, CLONE_INTO_CGROUP refused", true, notCgroup, false},
		{"no unified hierarchy", false, -1, true},
	} {
		mgr := fakeUnified{}
		if tc.unified {
			mgr.unified = &cgroupfs.Placement{}
		}
		cmd := exec.Command("/bin/true")
		cmd.SysProcAttr = &syscall.SysProcAttr{}
		spawn := func(_ cgroupfs.Manager, start func(int) error) (bool, error) {
			return true, start(tc.fd)
		}
		placed, err := spawnPlaced(mgr, cmd, spawn)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if cmd.Process == nil {
			t.Fatalf("%s: the child was not started", tc.name)
		}
		_ = cmd.Wait()
		if placed != tc.want {
			t.Errorf("%s: placed = %v, want %v", tc.name, placed, tc.want)
		}
	}
}
