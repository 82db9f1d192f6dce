package core

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openPty allocates a pty on the host's devpts and returns master and
// slave, both close-on-exec.
func openPty() (*os.File, *os.File, error) {
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(mfd)
		return nil, nil, fmt.Errorf("unlockpt: %w", err)
	}
	sfd, err := unix.IoctlRetInt(mfd, unix.TIOCGPTPEER)
	if err != nil {
		n, err2 := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
		if err2 != nil {
			unix.Close(mfd)
			return nil, nil, fmt.Errorf("ptsname: %w", err2)
		}
		sfd, err = unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			unix.Close(mfd)
			return nil, nil, err
		}
	} else {
		unix.CloseOnExec(sfd)
	}
	return os.NewFile(uintptr(mfd), "ptmx"), os.NewFile(uintptr(sfd), "pts"), nil
}

// makeRaw puts the terminal on fd into raw mode and returns a function
// restoring it; a no-op when fd is not a terminal.
func makeRaw(fd int) func() {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	t := *old
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	_ = unix.IoctlSetTermios(fd, unix.TCSETS, &t)
	return func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }
}
