package core

import (
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// waitExit waits for child pid to exit, reaps it and returns its status.
//
// It waits through a non-blocking pidfd registered with the runtime's
// network poller, so no OS thread sits in wait4 for the container's
// lifetime: an idle monitor then needs fewer threads, each of which costs
// 48 KiB of stacks and a kernel task. Where pidfds are missing it falls
// back to a blocking wait4.
func waitExit(pid int) unix.WaitStatus {
	if fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK); err == nil {
		f := os.NewFile(uintptr(fd), "pidfd")
		defer f.Close()
		if rc, err := f.SyscallConn(); err == nil {
			var ws unix.WaitStatus
			done := false
			err := rc.Read(func(fd uintptr) bool {
				st, ok, errno := waitidPidfd(int(fd))
				if errno == syscall.EINTR || (errno == 0 && !ok) {
					return false // not yet: wait for the pidfd to be readable
				}
				ws, done = st, errno == 0
				return true
			})
			if err == nil && done {
				return ws
			}
		}
	}
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
			return ws
		}
	}
}

// siginfoChild is the part of siginfo_t that waitid(2) fills in for a
// child (the kernel's layout on 64-bit Linux).
type siginfoChild struct {
	signo, errno, code int32
	_                  int32
	pid                int32
	uid                uint32
	status             int32
	_                  [128 - 7*4]byte
}

// waitidPidfd reaps the process behind pidfd if it has exited (ok) and
// returns its status in wait4's encoding.
func waitidPidfd(pidfd int) (ws unix.WaitStatus, ok bool, errno syscall.Errno) {
	var info siginfoChild
	_, _, e := syscall.Syscall6(unix.SYS_WAITID, unix.P_PIDFD, uintptr(pidfd), uintptr(unsafe.Pointer(&info)), unix.WEXITED|unix.WNOHANG, 0, 0)
	if e != 0 {
		return 0, false, e
	}
	if info.pid == 0 {
		return 0, false, 0
	}
	switch info.code {
	case 1: // CLD_EXITED
		return unix.WaitStatus(uint32(info.status&0xff) << 8), true, 0
	case 2: // CLD_KILLED
		return unix.WaitStatus(uint32(info.status & 0x7f)), true, 0
	case 3: // CLD_DUMPED
		return unix.WaitStatus(uint32(info.status&0x7f) | 0x80), true, 0
	}
	return 0, true, 0
}
