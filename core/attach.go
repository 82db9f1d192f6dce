package core

// lxc-attach: run a command inside a running container.
//
// Design (no cgo). The client asks the monitor for "attach_info" (the
// init's pid, the running configuration, the container's cgroups), then:
//
//  1. makes itself non-dumpable (PR_SET_DUMPABLE 0) and marks every fd
//     above 2 close-on-exec (close_range CLOEXEC), so the attached process
//     can neither ptrace a process holding host resources before its exec
//     nor inherit a host fd (CVE-2016-9962, CVE-2016-8649, CVE-2024-21626);
//  2. opens a pidfd of the init, then /proc/<pid>/ns/* and the init's root,
//     then checks through the pidfd that the init is still alive: the
//     namespace files are those of the container's init, not of a process
//     that reused its pid;
//  3. when one of stdin/stdout/stderr is a terminal, allocates a new pty
//     (from the container's devpts instance, else the host's) that takes
//     the place of those fds, and proxies it: the attached process never
//     holds the caller's terminal, so ioctl(TIOCSTI) can only inject into
//     its own pty (CVE-2016-10124). It always runs in a new session, so
//     /dev/tty never reaches the caller's terminal either;
//  4. on a goroutine locked to its OS thread, which is never unlocked (the
//     thread dies with the goroutine): moves that thread into the
//     container's v1 cgroups (tasks file; a child inherits the cgroups of
//     the thread that forks it), unshare(CLONE_FS), setns() into every
//     namespace that differs from ours, optionally a new mount namespace
//     with fresh /proc and /sys (-R), chdir, personality (-a), the bounding
//     set of lxc.cap.drop/keep, no_new_privs, and then fork/exec from that
//     same thread. Namespaces, capabilities, no_new_privs and personality
//     are per thread and inherited by the child; the pid namespace applies
//     to children only, which is why the command is forked from the
//     switched thread. The unified (v2) cgroup is joined with
//     CLONE_INTO_CGROUP (SysProcAttr.UseCgroupFD), falling back to writing
//     the pid to cgroup.procs right after the fork;
//  5. waits for the command and returns its status (128+N when killed by
//     signal N, 127 when it cannot be executed).
//
// User namespaces (lxc.idmap): setns(CLONE_NEWUSER) needs a
// single-threaded caller, which a Go process never is, so the path above
// cannot join one. When the init lives in another user namespace (and -s
// selects it), attach takes a second path instead (rawfork_linux.go,
// attach_userns.go), without cgo:
//
//  a. the client prepares everything in memory first: the namespace fds
//     (user first), our sealed binary (sealedSelf: read-only overlay or
//     sealed memfd, CVE-2019-5736), argv/envp as C arrays, the stdio
//     fds, a spec pipe and a report pipe, all moved above fd 4;
//  b. it forks a child with raw clone(2) between the runtime's
//     BeforeFork and AfterForkInChild hooks (reached by linkname, as
//     gVisor does; the runtime keeps them for that). The child is single
//     threaded and runs only raw, nosplit system calls: setns(user),
//     setresgid/setresuid(0) of the container (host root is not mapped
//     there), setns of the other namespaces, then clone(CLONE_PARENT)
//     once more, because the pid namespace applies to children only,
//     reports the new pid on the report pipe and exits;
//  c. the grandchild, a child of lxc-attach inside every namespace of the
//     container, dup3()s its fds to 0-4 and execveat()s our binary with a
//     hidden entry (argv "lxc attach", _LXC_ATTACH=1, HiddenEntry);
//  d. the client moves that pid into the container's cgroups (v1 and v2
//     cgroup.procs) and only then writes the spec (command, environment,
//     cwd, ids, -R, capabilities, seccomp program compiled on the host);
//  e. the new image does the steps of 4. on its own locked thread and
//     execs the command in place: its pid is the one the client waits
//     for and signals, and an error (127 for exec failures) comes back on
//     the report pipe, which closes on a successful exec.
//
// Why this design: it needs no helper process kept alive per container
// and no change to the monitor, the attached process is a plain child of
// lxc-attach (exit status and signals as in the in-process path), and
// the runtime's own threads never enter the container: the new image
// starts inside it. Between the exec of our binary and its first
// prctl(PR_SET_DUMPABLE, 0) the process is dumpable by the container's
// root; it then holds only the two pipes and the command's stdio, and
// its binary cannot be written. The in-process path stays for containers
// without a user namespace: it is faster (no second exec of a Go image).
import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// AttachOptions are lxc-attach's options.
type AttachOptions struct {
	// Cmd is the command; empty runs the user's login shell from the
	// container's /etc/passwd (/bin/sh when not found).
	Cmd []string
	// ClearEnv starts from an empty environment (--clear-env) instead of
	// the caller's (--keep-env, the default).
	ClearEnv bool
	// SetVars are VAR=VAL settings (-v); KeepVars are variables kept from
	// the caller's environment with ClearEnv (--keep-var).
	SetVars  []string
	KeepVars []string
	// Namespaces to join (-s): names as LXC spells them (MOUNT, PID,
	// UTSNAME, IPC, USER, NETWORK, CGROUP); nil joins all of them.
	Namespaces []string
	// ElevatedCaps keeps our capabilities (-e, implied by -s);
	// ElevatedCgroup stays out of the container's cgroups.
	ElevatedCaps   bool
	ElevatedCgroup bool
	// NoSeccomp skips the container's lxc.seccomp.profile (-e, -e LSM,
	// -s: LXC applies seccomp together with the LSM).
	NoSeccomp bool
	// Remount mounts fresh /proc and /sys in a new mount namespace (-R).
	Remount bool
	// UID and GID of the command (-u, -g); -1 keeps root.
	UID, GID int
	// PtyLog receives a copy of the pty output (-L).
	PtyLog string
	// Config, when set, replaces the running configuration for
	// capabilities and no_new_privs (-f RCFILE).
	Config *Config
	// Arch sets the personality (-a): x86/i686/linux32 or x86_64/linux64.
	Arch string
	// Cwd is the command's working directory (--cwd); default: the
	// caller's when it exists in the container, else "/".
	Cwd string
}

// ExecError means the command could not be executed (status 127).
type ExecError struct {
	Cmd string
	Err error
}

func (e *ExecError) Error() string {
	// LXC's wording: "No such file or directory - Failed to exec ...".
	msg := e.Err.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return fmt.Sprintf("%s - Failed to exec %q", msg, e.Cmd)
}

func (e *ExecError) Unwrap() error { return e.Err }

// nsFlags maps lxc-attach -s names to /proc/PID/ns files and clone flags.
var nsFlags = []struct {
	name, file string
	flag       int
}{
	{"USER", "user", unix.CLONE_NEWUSER},
	{"CGROUP", "cgroup", unix.CLONE_NEWCGROUP},
	{"IPC", "ipc", unix.CLONE_NEWIPC},
	{"UTSNAME", "uts", unix.CLONE_NEWUTS},
	{"NETWORK", "net", unix.CLONE_NEWNET},
	{"PID", "pid", unix.CLONE_NEWPID},
	{"TIME", "time", unix.CLONE_NEWTIME},
	{"MOUNT", "mnt", unix.CLONE_NEWNS},
}

// ParseNamespaces reads lxc-attach -s: names separated by "|".
func ParseNamespaces(s string) ([]string, error) {
	var out []string
	for _, n := range strings.Split(s, "|") {
		n = strings.ToUpper(strings.TrimSpace(n))
		ok := false
		for _, f := range nsFlags {
			if f.name == n && n != "TIME" {
				ok = true
			}
		}
		if !ok {
			return nil, fmt.Errorf("invalid namespace %q", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// attachNS is one namespace to join.
type attachNS struct {
	file string
	flag int
	fd   int
}

// Attach runs o.Cmd in the running container name and returns its exit
// status. ErrNotRunning when there is no monitor; *ExecError (status 127)
// when the command cannot be executed.
func Attach(st *Store, name string, o *AttachOptions) (int, error) {
	resp, _, err := command(st, name, &Request{Cmd: "attach_info"})
	if err != nil {
		return 1, err
	}
	info := &attachInfo{}
	if err := json.Unmarshal([]byte(resp.Value), info); err != nil {
		return 1, fmt.Errorf("bad attach info from monitor: %w", err)
	}
	if info.InitPID <= 0 {
		return 1, ErrNotRunning
	}
	cfg := info.Config
	if o.Config != nil {
		cfg = o.Config
	}
	if cfg == nil {
		cfg = &Config{}
	}
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	if err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return 1, fmt.Errorf("close_range: %w", err)
	}
	callerCwd, _ := os.Getwd()

	pidfd, err := unix.PidfdOpen(info.InitPID, 0)
	if err != nil {
		return 1, ErrNotRunning
	}
	defer unix.Close(pidfd)
	nss, err := openNamespaces(info.InitPID, o.Namespaces)
	userns := len(nss) > 0 && nss[0].flag == unix.CLONE_NEWUSER
	defer func() {
		for _, n := range nss {
			unix.Close(n.fd)
		}
	}()
	if err != nil {
		return 1, err
	}
	root, err := unix.Open(fmt.Sprintf("/proc/%d/root", info.InitPID), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 1, fmt.Errorf("opening the container's root: %w", err)
	}
	defer unix.Close(root)
	if err := unix.PidfdSendSignal(pidfd, 0, nil, 0); err != nil {
		return 1, ErrNotRunning
	}

	stdio := []*os.File{os.Stdin, os.Stdout, os.Stderr}
	var isTTY [3]bool
	anyTTY := false
	for i, f := range stdio {
		if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			isTTY[i], anyTTY = true, true
		}
	}
	var master, slave *os.File
	if anyTTY {
		master, slave, err = containerPty(root)
		if err != nil {
			if master, slave, err = openPty(); err != nil {
				return 1, fmt.Errorf("allocating a pty: %w", err)
			}
		}
		defer master.Close()
		if userns {
			// The container's root owns its terminal, as LXC does.
			if uid, gid, err := containerRootIDs(info.InitPID); err == nil {
				_ = slave.Chown(uid, gid)
			}
		}
		for i := range stdio {
			if isTTY[i] {
				stdio[i] = slave
			}
		}
		for i := range isTTY {
			if isTTY[i] {
				copyWinsize(i, int(master.Fd()))
				break
			}
		}
	}

	var cgfd = -1
	var v1Tasks []string
	var v2Procs []string
	if !o.ElevatedCgroup {
		for _, c := range info.Cgroups {
			if c.Version == 1 {
				v1Tasks = append(v1Tasks, c.Dir+"/tasks")
				continue
			}
			v2Procs = append(v2Procs, c.Dir+"/cgroup.procs")
			if cgfd < 0 {
				if fd, err := unix.Open(c.Dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
					cgfd = fd
					defer unix.Close(fd)
				}
			}
		}
	}

	if userns {
		// Raw fork path: the attached process is moved into every
		// cgroup (v1 and v2) by pid before it reads its spec.
		var procs []string
		if !o.ElevatedCgroup {
			for _, c := range info.Cgroups {
				procs = append(procs, c.Dir+"/cgroup.procs")
			}
		}
		proc, err := attachRaw(o, cfg, nss, stdio, anyTTY && isTTY[0], procs, callerCwd)
		if slave != nil {
			slave.Close()
		}
		if err != nil {
			var ee *ExecError
			if errors.As(err, &ee) {
				return 127, err
			}
			return 1, err
		}
		return proxyAndWait(proc, master, isTTY, o.PtyLog)
	}

	var prog *SeccompProgram
	if !o.NoSeccomp {
		if prog, err = LoadSeccomp(cfg); err != nil {
			return 1, err
		}
	}
	type started struct {
		cmd *exec.Cmd
		err error
	}
	ch := make(chan started, 1)
	go func() {
		// Never unlocked: the switched thread ends with this goroutine.
		runtime.LockOSThread()
		cmd, err := attachChild(o, cfg, prog, nss, stdio, anyTTY && isTTY[0], v1Tasks, cgfd, callerCwd)
		ch <- started{cmd, err}
	}()
	s := <-ch
	if slave != nil {
		slave.Close()
	}
	if s.err != nil {
		var ee *ExecError
		if errors.As(s.err, &ee) {
			return 127, s.err
		}
		return 1, s.err
	}
	cmd := s.cmd
	// Without CLONE_INTO_CGROUP, or in addition to it (idempotent).
	for _, p := range v2Procs {
		_ = os.WriteFile(p, []byte(strconv.Itoa(cmd.Process.Pid)), 0)
	}
	return proxyAndWait(cmd.Process, master, isTTY, o.PtyLog)
}

// openNamespaces opens the init's namespaces that are selected and differ
// from ours, the user namespace (if any) first. Joining another user
// namespace is not possible from a Go process in place: the caller takes
// the raw fork path then (see the package comment of this file).
func openNamespaces(pid int, only []string) ([]attachNS, error) {
	var out []attachNS
	for _, n := range nsFlags {
		if only != nil && !hasString(only, n.name) {
			continue
		}
		p := fmt.Sprintf("/proc/%d/ns/%s", pid, n.file)
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // kernel without that namespace type
			}
			return out, fmt.Errorf("opening %q: %w", p, err)
		}
		var theirs, ours unix.Stat_t
		if unix.Fstat(fd, &theirs) == nil && unix.Stat("/proc/thread-self/ns/"+n.file, &ours) == nil &&
			theirs.Dev == ours.Dev && theirs.Ino == ours.Ino {
			unix.Close(fd)
			continue
		}
		out = append(out, attachNS{file: n.file, flag: n.flag, fd: fd})
	}
	return out, nil
}

// containerPty opens a new pty on the container's devpts instance
// (<root>/dev/pts/ptmx, resolved inside the root and checked to be a
// devpts ptmx) so the command's tty has a name inside the container.
func containerPty(root int) (*os.File, *os.File, error) {
	how := unix.OpenHow{
		Flags:   unix.O_RDWR | unix.O_NOCTTY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_SYMLINKS,
	}
	mfd, err := unix.Openat2(root, "dev/pts/ptmx", &how)
	if err != nil {
		return nil, nil, err
	}
	var sfs unix.Statfs_t
	var stt unix.Stat_t
	if unix.Fstatfs(mfd, &sfs) != nil || sfs.Type != unix.DEVPTS_SUPER_MAGIC ||
		unix.Fstat(mfd, &stt) != nil || stt.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(stt.Rdev) != 5 || unix.Minor(stt.Rdev) != 2 {
		unix.Close(mfd)
		return nil, nil, fmt.Errorf("container /dev/pts/ptmx is not a devpts ptmx")
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(mfd)
		return nil, nil, err
	}
	sfd, err := ptyPeer(mfd, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	if err != nil {
		unix.Close(mfd)
		return nil, nil, err
	}
	return os.NewFile(uintptr(mfd), "ptmx"), os.NewFile(uintptr(sfd), "pts"), nil
}

// attachChild runs on a locked thread: it switches the thread into the
// container and forks the command from it.
func attachChild(o *AttachOptions, cfg *Config, prog *SeccompProgram, nss []attachNS, stdio []*os.File, ctty bool,
	v1Tasks []string, cgfd int, callerCwd string) (*exec.Cmd, error) {
	tid := strconv.Itoa(unix.Gettid())
	for _, p := range v1Tasks {
		if err := os.WriteFile(p, []byte(tid), 0); err != nil {
			return nil, fmt.Errorf("joining cgroup %q: %w", p, err)
		}
	}
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return nil, fmt.Errorf("unshare(CLONE_FS): %w", err)
	}
	for _, n := range nss {
		if err := unix.Setns(n.fd, n.flag); err != nil {
			return nil, fmt.Errorf("joining the %s namespace: %w", n.file, err)
		}
	}
	if o.Remount {
		if err := remountProcSys(nss); err != nil {
			return nil, err
		}
	}
	env := attachEnv(o)
	argv := o.Cmd
	if len(argv) == 0 {
		uid := o.UID
		if uid < 0 {
			uid = 0
		}
		argv = []string{loginShell(uid)}
	}
	cwd := o.Cwd
	if cwd != "" {
		if err := unix.Chdir(cwd); err != nil {
			return nil, fmt.Errorf("--cwd %q: %w", cwd, err)
		}
	} else if callerCwd == "" || unix.Chdir(callerCwd) != nil {
		if err := unix.Chdir("/"); err != nil {
			return nil, fmt.Errorf("chdir /: %w", err)
		}
	}
	if o.Arch != "" {
		per, err := personalityOf(o.Arch)
		if err != nil {
			return nil, err
		}
		if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, uintptr(per), 0, 0); errno != 0 {
			return nil, fmt.Errorf("personality %q: %w", o.Arch, errno)
		}
	}
	path, err := lookPath(argv[0], env)
	if err != nil {
		return nil, &ExecError{Cmd: argv[0], Err: unix.ENOENT}
	}
	// seccomp is per thread and inherited by the fork: load it on this
	// thread (which only forks and ends) while CAP_SYS_ADMIN is there.
	if err := prog.Apply(); err != nil {
		return nil, err
	}
	if !o.ElevatedCaps {
		if err := dropCapabilities(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return nil, fmt.Errorf("setting no_new_privs: %w", err)
		}
	}
	cmd := &exec.Cmd{
		Path: path, Args: argv, Env: env,
		Stdin: stdio[0], Stdout: stdio[1], Stderr: stdio[2],
		SysProcAttr: &syscall.SysProcAttr{Setsid: true, Setctty: ctty, Ctty: 0},
	}
	if o.UID >= 0 || o.GID >= 0 {
		cred := &syscall.Credential{NoSetGroups: false}
		if o.UID >= 0 {
			cred.Uid = uint32(o.UID)
		}
		if o.GID >= 0 {
			cred.Gid = uint32(o.GID)
		}
		cmd.SysProcAttr.Credential = cred
	}
	if cgfd >= 0 {
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, cgfd
	}
	err = cmd.Start()
	if err != nil && cgfd >= 0 && !isExecFailure(err) {
		// CLONE_INTO_CGROUP refused (old kernel, busy cgroup): the
		// caller writes cgroup.procs after the fork instead.
		cmd = &exec.Cmd{Path: cmd.Path, Args: cmd.Args, Env: cmd.Env, Stdin: cmd.Stdin, Stdout: cmd.Stdout,
			Stderr: cmd.Stderr, SysProcAttr: cmd.SysProcAttr}
		cmd.SysProcAttr.UseCgroupFD = false
		err = cmd.Start()
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, &ExecError{Cmd: argv[0], Err: pe.Err}
		}
		return nil, &ExecError{Cmd: argv[0], Err: err}
	}
	return cmd, nil
}

func isExecFailure(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe) && (errors.Is(pe.Err, unix.ENOENT) || errors.Is(pe.Err, unix.EACCES) ||
		errors.Is(pe.Err, unix.ENOEXEC) || errors.Is(pe.Err, unix.ENOTDIR))
}

// attachEnv builds the command's environment: the caller's (or only
// LXC's PATH with --clear-env plus --keep-var variables), container=lxc,
// then -v settings.
func attachEnv(o *AttachOptions) []string {
	var env []string
	if o.ClearEnv {
		env = []string{"PATH=" + defaultPath}
		for _, k := range o.KeepVars {
			if v, ok := os.LookupEnv(k); ok {
				env = setEnv(env, k+"="+v)
			}
		}
	} else {
		env = os.Environ()
	}
	env = setEnv(env, "container=lxc")
	for _, kv := range o.SetVars {
		if !strings.Contains(kv, "=") {
			if v, ok := os.LookupEnv(kv); ok {
				kv += "=" + v
			} else {
				continue
			}
		}
		env = setEnv(env, kv)
	}
	return env
}

// loginShell returns the shell of uid in /etc/passwd (read in the
// container's mount namespace), /bin/sh when there is none.
func loginShell(uid int) string {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return "/bin/sh"
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 4<<20))
	for sc.Scan() {
		fs := strings.Split(sc.Text(), ":")
		if len(fs) >= 7 && fs[2] == strconv.Itoa(uid) && fs[6] != "" {
			return fs[6]
		}
	}
	return "/bin/sh"
}

// personalityOf maps lxc-attach -a to a personality(2) value.
func personalityOf(arch string) (int, error) {
	switch arch {
	case "x86", "i386", "i486", "i586", "i686", "linux32", "armhf", "armel", "arm", "ppc", "powerpc":
		return 0x0008, nil // PER_LINUX32
	case "x86_64", "amd64", "linux64", "aarch64", "arm64", "ppc64", "ppc64le", "s390x":
		return 0, nil // PER_LINUX
	}
	return 0, fmt.Errorf("invalid architecture %q", arch)
}

// remountProcSys (-R) gives the thread a new mount namespace (a slave of
// the container's) with a fresh sysfs of the joined network namespace and
// a procfs of the joined pid namespace (fsconfig "pidns", Linux 6.15;
// without it the proc of our own pid namespace would be shown).
func remountProcSys(nss []attachNS) error {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("-R: unshare mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("-R: making / a slave: %w", err)
	}
	_ = unix.Unmount("/sys", unix.MNT_DETACH)
	if err := unix.Mount("sysfs", "/sys", "sysfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("-R: mounting /sys: %w", err)
	}
	fsfd, err := unix.Fsopen("proc", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("-R: fsopen proc: %w", err)
	}
	defer unix.Close(fsfd)
	for _, n := range nss {
		if n.flag == unix.CLONE_NEWPID {
			if err := unix.FsconfigSetFd(fsfd, "pidns", n.fd); err != nil {
				return fmt.Errorf("-R: this kernel cannot mount a procfs of another pid namespace: %w", err)
			}
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fmt.Errorf("-R: creating proc: %w", err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return fmt.Errorf("-R: fsmount proc: %w", err)
	}
	defer unix.Close(mfd)
	_ = unix.Unmount("/proc", unix.MNT_DETACH)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, "/proc", unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("-R: mounting /proc: %w", err)
	}
	return nil
}

// proxyAndWait copies between the caller's terminal and the pty (when
// there is one), forwards signals, and returns the command's status.
func proxyAndWait(proc *os.Process, master *os.File, isTTY [3]bool, ptyLog string) (int, error) {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH)
	defer signal.Stop(sigs)
	outDone := make(chan struct{})
	if master != nil {
		termFd := -1
		for i := range isTTY {
			if isTTY[i] {
				termFd = i
				break
			}
		}
		var out io.Writer = os.Stdout
		if !isTTY[1] {
			out = os.Stderr
		}
		if ptyLog != "" {
			if f, err := os.OpenFile(ptyLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600); err == nil {
				defer f.Close()
				out = io.MultiWriter(out, f)
			}
		}
		if isTTY[0] {
			restore := makeRaw(0)
			defer restore()
			go func() {
				_, _ = io.Copy(master, os.Stdin)
			}()
		}
		go func() {
			_, _ = io.Copy(out, master)
			close(outDone)
		}()
		go func() {
			for s := range sigs {
				if s == unix.SIGWINCH {
					copyWinsize(termFd, int(master.Fd()))
					continue
				}
				_ = proc.Signal(s)
			}
		}()
	} else {
		close(outDone)
		go func() {
			for s := range sigs {
				if s != unix.SIGWINCH {
					_ = proc.Signal(s)
				}
			}
		}()
	}
	ps, err := proc.Wait()
	// Drain what the command wrote before it exited; a background
	// process keeping the pty open must not hold us forever.
	select {
	case <-outDone:
	case <-time.After(time.Second):
	}
	if ps == nil {
		return 1, err
	}
	ws := ps.Sys().(syscall.WaitStatus)
	switch {
	case ws.Exited():
		return ws.ExitStatus(), nil
	case ws.Signaled():
		return 128 + int(ws.Signal()), nil
	}
	return 1, nil
}
