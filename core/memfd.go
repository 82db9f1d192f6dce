package core

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// sealedSelf returns a sealed in-memory copy of our own binary. The
// container's init runs from it, so that /proc/1/exe inside the container
// never leads to the host file (CVE-2019-5736): the copy cannot be written,
// grown or shrunk, and the seals themselves are sealed.
func sealedSelf() (*os.File, error) {
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
