package core

import "errors"

func init() {
	// lxc-destroy -f stops a running container first (SIGKILL, as LXC's
	// destroy does), then removes what a crashed monitor may have left.
	StopHook = func(st *Store, name string) error {
		err := Stop(st, name, StopOptions{Kill: true, Timeout: -1})
		if errors.Is(err, ErrNotRunning) {
			err = nil
		}
		CleanupStale(st, name)
		return err
	}
}
