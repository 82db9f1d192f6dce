package core

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// pivotInto makes the directory rootFd (a mount point) the root of this
// mount namespace with runc's technique: pivot_root(".", ".") stacks the
// old root on top of the new one at "/", and umount2(".", MNT_DETACH)
// takes it away, so no directory for the old root is needed in the rootfs.
// "/" was made rslave earlier, so the detach does not propagate to the host.
func pivotInto(rootFd int) error {
	if err := unix.Fchdir(rootFd); err != nil {
		return fmt.Errorf("pivot_root: chdir to rootfs: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	// The old root must not receive the unmount either (it is rslave
	// already, this makes sure of it).
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("pivot_root: make old root rslave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("pivot_root: detach old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("pivot_root: chdir /: %w", err)
	}
	return nil
}
