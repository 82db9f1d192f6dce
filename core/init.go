package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// InitSpec is everything the container's init needs, sent by the monitor
// over the sync socket.
type InitSpec struct {
	Name       string  `json:"name"`
	LXCPath    string  `json:"lxcpath"`
	ConfigFile string  `json:"config_file"`
	Config     *Config `json:"config"`
	// Execute makes init stay pid 1 as a reaper and run Cmd as pid 2
	// (lxc-execute); otherwise init execs Cmd (lxc-start).
	Execute bool     `json:"execute"`
	Cmd     []string `json:"cmd"`
	// Env is the complete environment of Cmd.
	Env []string `json:"env"`
	// HasConsole: fd 4 is the slave of the console pty.
	HasConsole bool `json:"has_console"`
	// CgroupNS: unshare a cgroup namespace once attached to the payload.
	CgroupNS bool `json:"cgroup_ns"`
	// UID and GID override lxc.init.uid/gid (lxc-execute -u/-g); -1 unset.
	UID int `json:"uid"`
	GID int `json:"gid"`
	// HookEnv is the environment hooks run with.
	HookEnv []string `json:"hook_env"`
	// Shares are namespaces of other processes to join (share.go).
	Shares []SharedNS `json:"shares,omitempty"`
	// LoopbackUp: init brings lo up itself (a network of only "empty"
	// devices, for which the monitor does no netlink work).
	LoopbackUp bool `json:"loopback_up,omitempty"`
}

// HiddenEntry is called from package main's init() with os.Args. When the
// process was started as a container init or a monitor, it runs that role
// and exits; otherwise it returns and the CLI starts.
//
// Both roles are marked by an argument and a private environment variable,
// so that "lxc init ..." (the lxc-init applet) still reaches the CLI.
func HiddenEntry(args []string) {
	if len(args) == 2 && args[1] == "init" && os.Getenv("_LXC_INIT") == "1" {
		// Namespaces, capabilities and no_new_privs are per thread: all
		// of init's work happens on this, the startup thread.
		runtime.LockOSThread()
		os.Exit(initMain())
	}
	if len(args) == 2 && args[1] == "init" && os.Getenv("_LXC_INIT") == "reap" {
		hiddenMain = reaperStage
	}
	if len(args) == 2 && args[1] == "attach" && os.Getenv("_LXC_ATTACH") == "1" {
		os.Exit(AttachFinishMain()) // attach_userns.go
	}
	if len(args) == 1 && strings.HasPrefix(args[0], "[lxc monitor] ") && os.Getenv("_LXC_MONITOR") == "1" {
		hiddenMain = monitorMain
	}
}

// hiddenMain is a role HiddenEntry recognised that runs from main
// (RunHidden) rather than during package initialisation, which keeps the
// main goroutine wired to the startup thread: the reaper and the monitor
// need no particular thread, and with the main goroutine free to move,
// an idle monitor runs on fewer threads.
var hiddenMain func() int

// RunHidden runs the role HiddenEntry recognised, if any, and exits;
// otherwise it returns.
func RunHidden() {
	if hiddenMain != nil {
		os.Exit(hiddenMain())
	}
}

// initMain is pid 1 of a new container until it execs the container's
// command. Errors go back to the monitor over the sync socket.
func initMain() int {
	os.Clearenv()
	// Non-dumpable until exec: nothing in the container may ptrace us
	// or open our /proc files while host resources are in reach.
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	syncf := os.NewFile(3, "sync")
	m, files, err := recvMsg(syncf)
	if err != nil || m.Spec == nil {
		return 1
	}
	// lxc.rootfs.options = idmap=container: the monitor's idmapped
	// rootfs mount comes with the spec (attach_rootfs_idmap.go).
	var rootfsMnt *os.File
	if len(files) > 0 {
		rootfsMnt = files[0]
	}
	if err := runInit(m.Spec, syncf, rootfsMnt); err != nil {
		_ = sendMsg(syncf, &syncMsg{Type: "error", Error: err.Error()})
		return 1
	}
	return 0
}

func runInit(spec *InitSpec, syncf *os.File, rootfsMnt *os.File) error {
	cfg := spec.Config
	if cfg == nil {
		return errors.New("no config in init spec")
	}
	if err := joinShared(spec.Shares); err != nil {
		return err
	}
	if spec.LoopbackUp {
		if err := loopbackUp(); err != nil {
			return fmt.Errorf("bringing up lo: %w", err)
		}
	}
	if spec.CgroupNS {
		if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
			return fmt.Errorf("unsharing cgroup namespace: %w", err)
		}
	}
	if cfg.UTSName != "" && !hasString(cfg.NamespaceKeep, "uts") && !sharesNS(spec.Shares, "uts") {
		if err := unix.Sethostname([]byte(cfg.UTSName)); err != nil {
			return fmt.Errorf("setting hostname to %q: %w", cfg.UTSName, err)
		}
	}
	// sysctls and lxc.proc.* are written through the host's /proc before
	// pivot_root; /proc/sys entries of namespaced subsystems resolve to
	// the writer's namespaces.
	for _, kv := range cfg.Sysctl {
		p := "/proc/sys/" + strings.ReplaceAll(kv.Key, ".", "/")
		if err := writeProcFile(p, kv.Value); err != nil {
			return fmt.Errorf("lxc.sysctl.%s = %s: %w", kv.Key, kv.Value, err)
		}
	}
	for _, kv := range cfg.Proc {
		if strings.Contains(kv.Key, "/") || strings.Contains(kv.Key, "..") {
			return fmt.Errorf("lxc.proc.%s: invalid file name", kv.Key)
		}
		if err := writeProcFile("/proc/self/"+kv.Key, kv.Value); err != nil {
			return fmt.Errorf("lxc.proc.%s = %s: %w", kv.Key, kv.Value, err)
		}
	}
	if err := applyPrlimits(cfg.Prlimit); err != nil {
		return err
	}
	// lxc.seccomp.profile is a host path: read it before pivot_root.
	seccomp, scErr := LoadSeccomp(cfg)
	if scErr != nil {
		return scErr
	}
	// lxc-execute re-executes our sealed binary as the reaper once the
	// container is set up (see execReaper); both files are opened while
	// the host's /proc is still reachable.
	var self, lastPid *os.File
	var err error
	if spec.Execute {
		if self, err = os.Open("/proc/self/exe"); err != nil {
			return fmt.Errorf("opening our own binary: %w", err)
		}
		lastPid, _ = os.OpenFile("/proc/sys/kernel/ns_last_pid", os.O_WRONLY, 0)
	}

	var console *os.File
	if spec.HasConsole {
		console = os.NewFile(4, "console")
	}
	masters, err := PrepareRootfs(&RootfsSetup{
		Config:       cfg,
		Name:         spec.Name,
		LXCPath:      spec.LXCPath,
		ConsoleSlave: console,
		RunHook: func(typ string) error {
			return runHooks(cfg, typ, spec.HookEnv, nil)
		},
		RootfsMountFD: rootfsMnt,
	})
	if rootfsMnt != nil {
		rootfsMnt.Close()
	}
	if err != nil {
		return err
	}
	fds := make([]int, len(masters))
	for i, f := range masters {
		fds[i] = int(f.Fd())
	}
	if err := sendMsg(syncf, &syncMsg{Type: "ttys"}, fds...); err != nil {
		return fmt.Errorf("sending tty fds: %w", err)
	}
	for _, f := range masters {
		f.Close()
	}
	if err := sendMsg(syncf, &syncMsg{Type: "ready"}); err != nil {
		return err
	}
	m, _, err := recvMsg(syncf)
	if err != nil {
		return err
	}
	if m.Type != "exec" {
		return fmt.Errorf("unexpected sync message %q", m.Type)
	}
	if err := runHooks(cfg, "start", spec.HookEnv, nil); err != nil {
		return err
	}

	// Stdio of the command: the console for lxc-start, the caller's
	// for lxc-execute (inherited as fds 0-2).
	if !spec.Execute && console != nil {
		if _, err := unix.Setsid(); err == nil {
			_ = unix.IoctlSetInt(int(console.Fd()), unix.TIOCSCTTY, 0)
		}
		for fd := 0; fd < 3; fd++ {
			_ = unix.Dup2(int(console.Fd()), fd)
		}
	}
	if console != nil {
		console.Close()
	}
	if cfg.InitCwd != "" {
		if err := os.Chdir(cfg.InitCwd); err != nil {
			return fmt.Errorf("lxc.init.cwd %q: %w", cfg.InitCwd, err)
		}
		// A cwd outside the root has no name (CVE-2024-21626).
		if wd, err := os.Getwd(); err != nil || !strings.HasPrefix(wd, "/") {
			return fmt.Errorf("lxc.init.cwd %q is outside the container", cfg.InitCwd)
		}
	}
	// seccomp (lxc.seccomp.*): loaded while init still has CAP_SYS_ADMIN;
	// with notify rules its listener goes to the monitor (seccomp_notify.go).
	if err := applySeccomp(seccomp, syncf); err != nil {
		return err
	}
	if err := dropCapabilities(cfg); err != nil {
		return err
	}
	if !spec.Execute {
		if err := setIDs(cfg, spec.UID, spec.GID); err != nil {
			return err
		}
	} else if spec.UID < 0 && spec.GID < 0 {
		spec.UID, spec.GID = cfg.InitUID, cfg.InitGID
	}
	if cfg.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("setting no_new_privs: %w", err)
		}
	}
	// Nothing inherited from whoever started us may cross the exec:
	// every fd above 2 becomes close-on-exec (the sync socket too, so
	// the monitor reads EOF once exec succeeded).
	if err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("close_range: %w", err)
	}
	path, err := lookPath(spec.Cmd[0], spec.Env)
	if err != nil {
		return err
	}
	if spec.Execute {
		return execReaper(self, lastPid, &reapSpec{Path: path, Argv: spec.Cmd, Env: spec.Env,
			UID: spec.UID, GID: spec.GID}, syncf)
	}
	err = unix.Exec(path, spec.Cmd, spec.Env)
	return fmt.Errorf("failed to exec %q: %w", spec.Cmd[0], err)
}

// reap is lxc-init: the command runs as pid 2 in its own session (with
// the terminal on stdin as its controlling terminal, if any); pid 1
// forwards signals, reaps every orphan and exits when no process is left,
// with the command's status (128+N when killed by signal N).
// reapSpec is what the reaper stage of lxc-execute runs.
type reapSpec struct {
	Path string   `json:"path"`
	Argv []string `json:"argv"`
	Env  []string `json:"env"`
	UID  int      `json:"uid"`
	GID  int      `json:"gid"`
}

// execReaper replaces init by a fresh copy of our sealed binary that runs
// the command as pid 2 and reaps (lxc-init).
//
// Why a second exec: in a new pid namespace the Go runtime's own threads
// (sysmon, GC workers) take pids 2, 3, ... before any of our code runs,
// so a command forked by this process could never be pid 2. exec ends
// those threads and frees their pids; the new image then sets the
// namespace's ns_last_pid to 1 right before it forks, so the command gets
// pid 2, as with LXC's C init.
//
//	fd 3: sync socket (the reaper reports "running" on it)
//	fd 4: pipe holding the reapSpec as JSON
//	fd 5: /proc/sys/kernel/ns_last_pid opened for writing (optional)
func execReaper(self, lastPid *os.File, rs *reapSpec, syncf *os.File) error {
	b, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	if len(b) > 60000 {
		return fmt.Errorf("command line too long")
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	w.Close()
	// self may sit on 3, 4 or 5 itself: keep it above them.
	selfFD, err := unix.FcntlInt(self.Fd(), unix.F_DUPFD_CLOEXEC, 10)
	if err != nil {
		return err
	}
	fds := []int{int(syncf.Fd()), int(r.Fd()), -1}
	if lastPid != nil {
		fds[2] = int(lastPid.Fd())
	}
	// Move the fds to 3, 4, 5 without clobbering each other.
	tmp := make([]int, len(fds))
	for i, fd := range fds {
		tmp[i] = -1
		if fd >= 0 {
			if tmp[i], err = unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 10); err != nil {
				return err
			}
		}
	}
	for i, fd := range tmp {
		if fd >= 0 {
			if err := unix.Dup3(fd, 3+i, 0); err != nil {
				return err
			}
		}
	}
	err = unix.Exec(fmt.Sprintf("/proc/self/fd/%d", selfFD), []string{"lxc", "init"}, []string{"_LXC_INIT=reap", "GOMAXPROCS=1"})
	if err != nil {
		// Without /proc in the container, exec from the fd directly.
		err = execveat(selfFD, []string{"lxc", "init"}, []string{"_LXC_INIT=reap", "GOMAXPROCS=1"})
	}
	return fmt.Errorf("re-executing as lxc-init: %w", err)
}

// reaperStage is the second stage of lxc-execute's init (see
// execReaper).
func reaperStage() int {
	syncf := os.NewFile(3, "sync")
	specf := os.NewFile(4, "spec")
	for fd := 3; fd <= 5; fd++ {
		unix.CloseOnExec(fd)
	}
	os.Clearenv()
	b, err := io.ReadAll(io.LimitReader(specf, 1<<20))
	specf.Close()
	rs := &reapSpec{}
	if err == nil {
		err = json.Unmarshal(b, rs)
	}
	if err != nil {
		_ = sendMsg(syncf, &syncMsg{Type: "error", Error: "lxc-init: bad command spec"})
		return 1
	}
	sigs := make(chan os.Signal, 32)
	// Registering a signal costs a round trip to the runtime's signal
	// thread, ~40 µs each: only the ones that would otherwise end pid 1
	// (and SIGCHLD) are registered before the command starts, the rest
	// right after the command started.
	signal.Notify(sigs, urgentSignals...)
	// os.StartProcess probes pidfd support once by forking a short-lived
	// child (os.checkClonePidfd); trigger that probe now so it does not
	// take pid 2.
	_, _ = os.FindProcess(os.Getpid())
	runtime.LockOSThread()
	if f := os.NewFile(5, "ns_last_pid"); f != nil {
		_, _ = f.WriteString("1")
		f.Close()
	}
	pid, err := startChildAs(rs.Path, rs.Argv, rs.Env, rs.UID, rs.GID)
	if err != nil {
		// As LXC 5.0.2: the container did start (RUNNING), only its
		// command failed, and lxc-execute exits 255. Unlike LXC we also
		// say why, on the command's stderr.
		fmt.Fprintf(os.Stderr, "lxc-init: failed to exec %q: %v\n", rs.Argv[0], err)
		syncf.Close()
		return 255
	}
	_ = sendMsg(syncf, &syncMsg{Type: "running", PID: pid})
	syncf.Close()
	go signal.Notify(sigs)
	return reapLoop(pid, sigs)
}

func execveat(fd int, argv, env []string) error {
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return err
	}
	empty, _ := unix.BytePtrFromString("")
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
	return errno
}

// startChild starts the command of lxc-init in its own session, with the
// terminal on stdin (if any) as its controlling terminal.
func startChild(path string, argv, env []string) (int, error) {
	return startChildAs(path, argv, env, -1, -1)
}

// startChildAs is startChild with the command's uid and gid (-1: keep).
func startChildAs(path string, argv, env []string, uid, gid int) (int, error) {
	cmd := exec.Command(path)
	cmd.Args = argv
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
		cmd.SysProcAttr.Setctty = true
		cmd.SysProcAttr.Ctty = 0
	}
	if uid >= 0 || gid >= 0 {
		cred := &syscall.Credential{Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid()), NoSetGroups: gid < 0}
		if uid >= 0 {
			cred.Uid = uint32(uid)
		}
		if gid >= 0 {
			cred.Gid = uint32(gid)
		}
		cmd.SysProcAttr.Credential = cred
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	return cmd.Process.Pid, nil
}

// startReaper runs argv under the reaper loop and returns its status.
func startReaper(path string, argv, env []string) int {
	// Orphans of the command are reparented to us, not to the host's
	// init, when we are not pid 1.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	pid, err := startChild(path, argv, env)
	if err != nil {
		fmt.Fprintf(os.Stderr, "failed to exec %q: %v\n", argv[0], err)
		return 127
	}
	return reapLoop(pid, sigs)
}

// reapLoop waits for all children and returns pid 1's exit status.
func reapLoop(child int, sigs chan os.Signal) int {
	status := 0
	childDone := false
	var killAt <-chan time.Time
	for {
		// Reap everything that has exited.
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if err == unix.EINTR {
				continue
			}
			if err == unix.ECHILD {
				if childDone {
					return status
				}
				return status
			}
			if err != nil || pid <= 0 {
				break
			}
			if pid == child {
				childDone = true
				switch {
				case ws.Exited():
					status = ws.ExitStatus()
				case ws.Signaled():
					status = 128 + int(ws.Signal())
				}
			}
		}
		select {
		case s := <-sigs:
			sig := s.(syscall.Signal)
			switch sig {
			case unix.SIGCHLD, unix.SIGURG:
				// SIGURG is the Go runtime's own preemption signal.
			case unix.SIGHUP:
			case unix.SIGTERM, unix.SIGPWR:
				killAll(child, unix.SIGTERM)
				if killAt == nil {
					killAt = time.After(time.Second)
				}
			default:
				if !childDone {
					_ = unix.Kill(child, sig)
				}
			}
		case <-killAt:
			killAll(child, unix.SIGKILL)
			killAt = nil
		case <-time.After(time.Second):
		}
	}
}

// loopbackUp sets IFF_UP on lo of our network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// urgentSignals are the signals whose default action would end a Go pid
// 1 (they must be handled from the start), plus SIGCHLD.
var urgentSignals = []os.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT,
	unix.SIGUSR1, unix.SIGUSR2, unix.SIGPWR, unix.SIGALRM, unix.SIGCHLD}

// killAll signals every process of the container when we are its pid 1,
// else (lxc-init run outside a pid namespace) only the child's session.
func killAll(child int, sig syscall.Signal) {
	if os.Getpid() == 1 {
		_ = unix.Kill(-1, sig)
		return
	}
	_ = unix.Kill(-child, sig)
}

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// lookPath resolves a command name with the PATH of env (or LXC's
// default PATH), inside the container's root.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path := defaultPath
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("failed to exec %q: no such file or directory", name)
}

// writeProcFile writes a value to a procfs file, checking that it is on
// procfs (CVE-2019-16884: never write through a fake /proc).
func writeProcFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &sfs); err != nil {
		return err
	}
	if sfs.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("%s is not on procfs", path)
	}
	_, err = io.WriteString(f, value)
	return err
}

// applyPrlimits sets lxc.prlimit.* on init; they are inherited by
// everything in the container.
func applyPrlimits(limits []Prlimit) error {
	for _, l := range limits {
		res, ok := rlimitByName[strings.ToLower(l.Name)]
		if !ok {
			return fmt.Errorf("lxc.prlimit.%s: unknown resource limit", l.Name)
		}
		rl := unix.Rlimit{Cur: l.Soft, Max: l.Hard}
		if err := unix.Prlimit(0, res, &rl, nil); err != nil {
			return fmt.Errorf("lxc.prlimit.%s = %s: %w", l.Name, l.Raw, err)
		}
	}
	return nil
}

var rlimitByName = map[string]int{
	"as": unix.RLIMIT_AS, "core": unix.RLIMIT_CORE, "cpu": unix.RLIMIT_CPU,
	"data": unix.RLIMIT_DATA, "fsize": unix.RLIMIT_FSIZE, "locks": unix.RLIMIT_LOCKS,
	"memlock": unix.RLIMIT_MEMLOCK, "msgqueue": unix.RLIMIT_MSGQUEUE, "nice": unix.RLIMIT_NICE,
	"nofile": unix.RLIMIT_NOFILE, "nproc": unix.RLIMIT_NPROC, "rss": unix.RLIMIT_RSS,
	"rtprio": unix.RLIMIT_RTPRIO, "rttime": unix.RLIMIT_RTTIME, "sigpending": unix.RLIMIT_SIGPENDING,
	"stack": unix.RLIMIT_STACK,
}

// setIDs switches to lxc.init.uid/gid/groups (or the -u/-g override).
func setIDs(cfg *Config, uid, gid int) error {
	if uid < 0 {
		uid = cfg.InitUID
	}
	if gid < 0 {
		gid = cfg.InitGID
	}
	if len(cfg.InitGroups) > 0 || gid >= 0 || uid >= 0 {
		if err := unix.Setgroups(cfg.InitGroups); err != nil {
			return fmt.Errorf("setgroups: %w", err)
		}
	}
	if gid >= 0 {
		if err := unix.Setresgid(gid, gid, gid); err != nil {
			return fmt.Errorf("setgid %d: %w", gid, err)
		}
	}
	if uid >= 0 {
		if err := unix.Setresuid(uid, uid, uid); err != nil {
			return fmt.Errorf("setuid %d: %w", uid, err)
		}
	}
	return nil
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
