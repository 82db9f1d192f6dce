package core

import (
	"fmt"
	"runtime"
	"sort"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A daemonized monitor lives in its own cgroup (lxc.monitor.NAME) and that
// cgroup must go when the monitor does. A process cannot leave a cgroup
// cheaply: writing its pid to another cgroup.procs takes the kernel's
// cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period
// (10-35 ms on our machines) and blocks every fork on the host meanwhile.
// LXC pays that on every stop (it moves the monitor to lxc.pivot).
//
// Instead the monitor forks a tiny remover, born outside its cgroups
// (cgroupfs.SpawnIntoPivot: a thread that moved only itself, plus
// CLONE_INTO_CGROUP for the unified hierarchy), that waits on the
// monitor's pidfd and removes the directories once the monitor is gone.
// The remover is a raw fork child (see rawfork_linux.go for the rules such
// a child follows): it runs a few system calls and exits, without a Go
// runtime of its own, so it costs one fork and no exec.

// atFDCWD is AT_FDCWD (-100) as a system call argument.
const atFDCWD = ^uintptr(99)

// rawRemover is what the remover needs, prepared before the fork.
type rawRemover struct {
	args  cloneArgs
	pidfd int32
	// keep are the fds the remover keeps open (the pidfd among them),
	// ascending; everything else is closed.
	keep  [32]int32
	nkeep int
	// paths are NUL-terminated directories to remove, in order.
	paths [16]unsafe.Pointer
	n     int
}

// cloneArgs is struct clone_args of clone3(2).
type cloneArgs struct {
	flags, pidfd, childTID, parentTID, exitSignal uint64
	stack, stackSize, tls, setTID, setTIDSize     uint64
	cgroup                                        uint64
}

// removeWhenGone forks the remover for dirs, which must not include a
// cgroup the calling thread is in. cgroupFD, when >= 0, is where the
// remover is born in the unified hierarchy. keep are fds the remover holds
// until it is done, so that whoever waits for their EOF finds the
// directories gone. It returns once the remover runs; the removal happens
// after this process has exited.
func removeWhenGone(dirs []string, keep []int, cgroupFD int) error {
	self, err := unix.PidfdOpen(unix.Getpid(), 0)
	if err != nil {
		return fmt.Errorf("pidfd of the monitor: %w", err)
	}
	defer unix.Close(self)
	a := &rawRemover{pidfd: int32(self)}
	fds := append([]int{self}, keep...)
	sort.Ints(fds)
	for _, fd := range fds {
		if a.nkeep < len(a.keep) && fd >= 0 && (a.nkeep == 0 || int32(fd) != a.keep[a.nkeep-1]) {
			a.keep[a.nkeep] = int32(fd)
			a.nkeep++
		}
	}
	a.args.exitSignal = uint64(syscall.SIGCHLD)
	if cgroupFD >= 0 {
		a.args.flags = unix.CLONE_INTO_CGROUP
		a.args.cgroup = uint64(cgroupFD)
	}
	// a.paths keeps the strings alive: unsafe.Pointer fields are traced.
	for _, d := range dirs {
		if a.n == len(a.paths) {
			break
		}
		b, err := unix.BytePtrFromString(d)
		if err != nil {
			return err
		}
		a.paths[a.n] = unsafe.Pointer(b)
		a.n++
	}
	_, errno := rawRemoverFork(a)
	runtime.KeepAlive(a)
	if errno != 0 {
		return fmt.Errorf("forking the cgroup remover: %w", errno)
	}
	return nil
}

//go:norace
//go:nocheckptr
//go:noinline
func rawRemoverFork(a *rawRemover) (int, syscall.Errno) {
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	pid, errno := rawRemoverClone(a)
	return int(pid), errno
}

//go:norace
//go:nocheckptr
//go:noinline
func rawRemoverClone(a *rawRemover) (uintptr, syscall.Errno) {
	runtimeBeforeFork()
	pid, _, errno := syscall.RawSyscall6(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&a.args)), unsafe.Sizeof(a.args), 0, 0, 0, 0)
	if errno != 0 || pid != 0 {
		runtimeAfterFork()
		return pid, errno
	}
	runtimeAfterForkInChild()
	rawRemoverChild(a)
	return 0, 0 // not reached
}

// rawRemoverChild runs in the single-threaded remover.
//
//go:norace
//go:nocheckptr
//go:nosplit
func rawRemoverChild(a *rawRemover) {
	// Hold nothing of the monitor's but keep: above all not its command
	// socket, whose clients would otherwise wait on a listener nobody
	// serves.
	next := uintptr(0)
	for i := 0; i < a.nkeep && i < len(a.keep); i++ {
		fd := uintptr(a.keep[i])
		if fd > next {
			syscall.RawSyscall6(unix.SYS_CLOSE_RANGE, next, fd-1, 0, 0, 0, 0)
		}
		next = fd + 1
	}
	syscall.RawSyscall6(unix.SYS_CLOSE_RANGE, next, ^uintptr(0), 0, 0, 0, 0)
	pfd := unix.PollFd{Fd: a.pidfd, Events: unix.POLLIN}
	for {
		_, _, errno := syscall.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, 0, 0, 0, 0)
		if errno != syscall.EINTR {
			break
		}
	}
	// A cgroup is empty once its last task passed cgroup_exit, which is
	// before the pidfd reports the exit; EBUSY is retried briefly anyway
	// (and is final when a new monitor of the same name moved in).
	ts := [2]int64{0, 1000000}
	for i := 0; i < a.n && i < len(a.paths); i++ {
		for try := 0; try < 100; try++ {
			_, _, errno := syscall.RawSyscall6(unix.SYS_UNLINKAT, atFDCWD, uintptr(a.paths[i]), unix.AT_REMOVEDIR, 0, 0, 0)
			if errno != syscall.EBUSY {
				break
			}
			syscall.RawSyscall6(unix.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0, 0, 0, 0)
		}
	}
	rawExit(0)
}
