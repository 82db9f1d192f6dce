package core

import (
	"fmt"
	"io"
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
	// O_NOCTTY: a session leader (the daemonized monitor) must never
	// acquire the console as its controlling terminal, or the hangup at
	// teardown would kill it with SIGHUP.
	sfd, err := ptyPeer(mfd, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
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

// ptyPeer opens the slave of a pty master by fd (TIOCGPTPEER), never by
// path.
func ptyPeer(mfd, flags int) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), uintptr(unix.TIOCGPTPEER), uintptr(flags))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// serveConsole keeps the console pty drained (a full pty would block the
// container) and writes it to the console log, or to our terminal with
// lxc-start -F.
func (m *monitor) serveConsole() {
	master := m.console
	var out io.Writer = io.Discard
	if m.o.Foreground {
		out = os.Stdout
		restore := makeRaw(0)
		go func() {
			_, _ = io.Copy(master, os.Stdin)
		}()
		defer restore()
	}
	var log *os.File
	logPath := m.o.ConsoleLog
	if logPath == "" {
		logPath = m.cfg.ConsoleLogfile
	}
	if logPath != "" {
		if f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			log = f
			defer f.Close()
		}
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := master.Read(buf)
		if n > 0 {
			_, _ = out.Write(buf[:n])
			if log != nil {
				_, _ = log.Write(buf[:n])
			}
		}
		if err != nil {
			return
		}
	}
}
