package core

import "golang.org/x/sys/unix"

func unixMountTmpfs(dir string) error { return unix.Mount("tmpfs", dir, "tmpfs", 0, "size=1m") }

func unixUnmount(dir string) error { return unix.Unmount(dir, unix.MNT_DETACH) }
