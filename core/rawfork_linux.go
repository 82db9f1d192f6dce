package core

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A raw fork child for lxc-attach into a container with a user namespace
// (see attach.go). setns(CLONE_NEWUSER) refuses a multi-threaded caller,
// and a Go process always is one; a child forked with fork(2) semantics
// has a single thread. Between fork and execve that child may only make
// raw system calls: it must not allocate, take locks, grow its stack or
// run write barriers, since every other thread of the runtime is gone in
// it. The functions it runs are therefore //go:nosplit (no stack check),
// //go:norace and //go:nocheckptr, read only data that the parent built
// before the fork, and call nothing but syscall.RawSyscall6 (assembly,
// nosplit) and the runtime's fork hooks.
//
// The hooks are reached through the linknames that the Go runtime keeps
// for package syscall and, by contract, for gVisor (go.dev/issue/67401):
// BeforeFork blocks signals and poisons the stack guard, AfterFork undoes
// that in the parent, and AfterForkInChild resets signal handlers and
// restores the signal mask in the child.

// Implemented in the runtime (runtime/proc.go), pushed to package syscall.
//
//go:linkname runtimeBeforeFork syscall.runtime_BeforeFork
func runtimeBeforeFork()

//go:linkname runtimeAfterFork syscall.runtime_AfterFork
func runtimeAfterFork()

//go:linkname runtimeAfterForkInChild syscall.runtime_AfterForkInChild
func runtimeAfterForkInChild()

// Records the raw children write to the report pipe (16 bytes each, so
// that each write is atomic).
const (
	rawRepPID     = 1 // value: the host pid of the attached process
	rawRepSetns   = 2 // step: index into nsFD; value: errno
	rawRepCreds   = 3 // value: errno of setresgid/setresuid
	rawRepFork    = 4 // value: errno of the second clone
	rawRepDup     = 5 // value: errno of dup3
	rawRepExec    = 6 // value: errno of execveat of our binary
	rawRepMessage = 7 // value: length of a message that follows (finisher)
)

// rawAttach is everything the raw children need, prepared by the parent.
// Only plain integers and pointers into memory the parent keeps alive.
type rawAttach struct {
	// nsFD/nsFlag: namespaces to join, the user namespace first.
	nsFD   [8]int32
	nsFlag [8]int32
	nns    int
	// setIDs: become uid/gid 0 of the joined user namespace.
	setIDs bool
	// dupFrom[i] becomes fd i of the attached process (-1: none). The
	// sources are all above the targets (the parent made sure).
	dupFrom [5]int32
	// exe is our sealed binary, executed with execveat(AT_EMPTY_PATH).
	exe int32
	// argv and envp are NULL-terminated arrays of C strings; empty is "".
	argv, envp unsafe.Pointer
	empty      unsafe.Pointer
	// report is the write end of the report pipe (close-on-exec).
	report int32
}

// rawAttachFork forks the middle child of an attach (see attach.go) and
// returns its pid. The middle child joins the namespaces, forks the
// attached process as a sibling (CLONE_PARENT: a child of ours) in the
// container's pid namespace, reports its pid and exits; the attached
// process execs our binary. a must stay alive until the middle child has
// exited (runtime.KeepAlive in the caller).
//
//go:norace
//go:nocheckptr
//go:noinline
func rawAttachFork(a *rawAttach) (int, syscall.Errno) {
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	pid, errno := rawAttachClone(a)
	return int(pid), errno
}

// rawAttachClone is the fork itself, kept in its own frame as the
// syscall package does for forkAndExecInChild1.
//
//go:norace
//go:nocheckptr
//go:noinline
func rawAttachClone(a *rawAttach) (uintptr, syscall.Errno) {
	runtimeBeforeFork()
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 || pid != 0 {
		runtimeAfterFork()
		return pid, errno
	}
	runtimeAfterForkInChild()
	rawAttachMiddle(a)
	return 0, 0 // not reached
}

// rawAttachMiddle runs in the single-threaded middle child.
//
//go:norace
//go:nocheckptr
//go:nosplit
func rawAttachMiddle(a *rawAttach) {
	for i := 0; i < a.nns && i < len(a.nsFD); i++ {
		_, _, errno := syscall.RawSyscall6(unix.SYS_SETNS, uintptr(a.nsFD[i]), uintptr(a.nsFlag[i]), 0, 0, 0, 0)
		if errno != 0 {
			rawReport(a.report, rawRepSetns|uintptr(i)<<8, uintptr(errno))
			rawExit(1)
		}
		if i == 0 && a.setIDs {
			// Host root is not mapped in the container: become its
			// root. Supplementary groups of the host are dropped where
			// setgroups is allowed.
			syscall.RawSyscall6(syscall.SYS_SETGROUPS, 0, 0, 0, 0, 0, 0)
			if _, _, errno := syscall.RawSyscall6(syscall.SYS_SETRESGID, 0, 0, 0, 0, 0, 0); errno != 0 {
				rawReport(a.report, rawRepCreds, uintptr(errno))
				rawExit(1)
			}
			if _, _, errno := syscall.RawSyscall6(syscall.SYS_SETRESUID, 0, 0, 0, 0, 0, 0); errno != 0 {
				rawReport(a.report, rawRepCreds, uintptr(errno))
				rawExit(1)
			}
		}
	}
	// The pid namespace applies to children only: fork once more. The
	// new process becomes a child of our parent (CLONE_PARENT) so that
	// lxc-attach waits for it directly.
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.CLONE_PARENT|syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 {
		rawReport(a.report, rawRepFork, uintptr(errno))
		rawExit(1)
	}
	if pid != 0 {
		rawReport(a.report, rawRepPID, pid)
		rawExit(0)
	}
	rawAttachExec(a)
}

// rawAttachExec runs in the attached process: it places its fds and
// executes our binary, which finishes the attach (attachFinish).
//
//go:norace
//go:nocheckptr
//go:nosplit
func rawAttachExec(a *rawAttach) {
	for i := 0; i < len(a.dupFrom); i++ {
		if a.dupFrom[i] < 0 {
			continue
		}
		if _, _, errno := syscall.RawSyscall6(syscall.SYS_DUP3, uintptr(a.dupFrom[i]), uintptr(i), 0, 0, 0, 0); errno != 0 {
			rawReport(a.report, rawRepDup, uintptr(errno))
			rawExit(127)
		}
	}
	_, _, errno := syscall.RawSyscall6(unix.SYS_EXECVEAT, uintptr(a.exe), uintptr(a.empty),
		uintptr(a.argv), uintptr(a.envp), 0x1000 /* AT_EMPTY_PATH */, 0)
	rawReport(a.report, rawRepExec, uintptr(errno))
	rawExit(127)
}

// rawReport writes one 16-byte record to the report pipe.
//
//go:norace
//go:nocheckptr
//go:nosplit
func rawReport(fd int32, kind, value uintptr) {
	var rec [2]uint64
	rec[0], rec[1] = uint64(kind), uint64(value)
	syscall.RawSyscall6(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&rec)), 16, 0, 0, 0)
}

// rawExit ends the process (all of its one thread).
//
//go:norace
//go:nosplit
func rawExit(code uintptr) {
	for {
		syscall.RawSyscall6(syscall.SYS_EXIT_GROUP, code, 0, 0, 0, 0, 0)
	}
}
