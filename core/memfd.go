package core

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// sealedSelf returns our own binary in a form the container cannot write
// through: the container's init runs from it, so /proc/1/exe inside the
// container must never lead to a writable host file (CVE-2019-5736).
//
// The cheap way (runc 1.2 does the same) is to open the binary through a
// detached, read-only overlayfs mount whose only layers are the binary's
// directory and an empty tmpfs: an overlay without an upper layer cannot be
// written at all, not even after its mount flags are changed, and nothing
// is copied. Where overlayfs or the new mount API is missing, we fall back
// to a sealed memfd copy.
func sealedSelf() (*os.File, error) {
	if f, err := overlaySelf(); err == nil {
		return f, nil
	}
	return memfdSelf()
}

// overlaySelf opens /proc/self/exe's file through a detached read-only
// overlay (see sealedSelf).
func overlaySelf() (*os.File, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(exe, " (deleted)") || !filepath.IsAbs(exe) {
		return nil, fmt.Errorf("our binary %q is not a plain file", exe)
	}
	dir, base := filepath.Dir(exe), filepath.Base(exe)
	var fds []int
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	keep := func(fd int) int { fds = append(fds, fd); return fd }

	tfs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	keep(tfs)
	_ = unix.FsconfigSetString(tfs, "size", "4k")
	_ = unix.FsconfigSetString(tfs, "mode", "0555")
	if err := unix.FsconfigCreate(tfs); err != nil {
		return nil, err
	}
	empty, err := unix.Fsmount(tfs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY)
	if err != nil {
		return nil, err
	}
	keep(empty)
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	keep(dfd)
	ofs, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	keep(ofs)
	for _, l := range []int{dfd, empty} {
		if err := unix.FsconfigSetFd(ofs, "lowerdir+", l); err != nil {
			return nil, err
		}
	}
	if err := unix.FsconfigCreate(ofs); err != nil {
		return nil, err
	}
	mnt, err := unix.Fsmount(ofs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOSUID)
	if err != nil {
		return nil, err
	}
	keep(mnt)
	fd, err := unix.Openat(mnt, base, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "sealed:"+base)
	// Belt and braces: the file we got must refuse writers.
	if w, err := os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", fd), os.O_WRONLY, 0); err == nil {
		w.Close()
		f.Close()
		return nil, fmt.Errorf("overlay copy of our binary is writable")
	}
	return f, nil
}

// memfdSelf is the fallback of sealedSelf: a sealed in-memory copy that
// cannot be written, grown or shrunk, with the seals themselves sealed.
func memfdSelf() (*os.File, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	defer src.Close()
	fd, err := unix.MemfdCreate("lxc", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	mf := os.NewFile(uintptr(fd), "memfd:lxc")
	st, err := src.Stat()
	if err != nil {
		mf.Close()
		return nil, err
	}
	// copy_file_range/sendfile into the memfd avoids a userspace copy.
	if _, err := io.CopyN(mf, src, st.Size()); err != nil {
		mf.Close()
		return nil, fmt.Errorf("copying binary into memfd: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(mf.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		mf.Close()
		return nil, fmt.Errorf("sealing memfd: %w", err)
	}
	return mf, nil
}
