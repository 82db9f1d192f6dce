package core

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lxc-checkpoint -r: a restore is a start whose init is not cloned but
// recreated by "criu restore" (LXC's do_restore in src/lxc/criu.c). The
// monitor runs as for lxc-start (-d daemonized, the default, or -F in
// the foreground): pre-start hooks, cgroups, console; then, instead of
// cloning the init (startOnce), restoreOnce runs criu:
//
//	monitor (child subreaper while criu runs)
//	 ├─ criu restore --root ROOTFS --restore-detached --restore-sibling ...
//	 │    (own mount namespace: / rslave, the rootfs bound on ROOTFS)
//	 └─ restored init  ← criu's CLONE_PARENT sibling: our child
//
// With --restore-sibling criu creates the restored tree's root with
// CLONE_PARENT, so that it is a child of criu's parent, the monitor;
// with --restore-detached criu exits once the tree runs. LXC then reads
// the pid from /proc/self/task/TID/children (liblxc 5.0.2 passes no
// --pidfile); so do we, over every thread, since a Go process forks from
// any of its threads. The monitor is also a child subreaper
// (PR_SET_CHILD_SUBREAPER) while criu runs: a tree that criu (or a
// wrapper around it) leaves behind detached from its parent then
// reparents to the monitor, not to the host's init, where the monitor
// could neither wait for it nor find it among its children. After that
// the init is handled as a cloned one: pidfd, wait4, cgroups, RUNNING,
// lxc-stop, teardown.

// RestoreOptions turn a start into a criu restore (StartOptions.Restore).
type RestoreOptions struct {
	// Dir holds the images (lxc-checkpoint -D).
	Dir          string `json:"dir"`
	Verbose      bool   `json:"verbose,omitempty"`
	ActionScript string `json:"action_script,omitempty"`
	// Criu is the criu binary that passed "criu check".
	Criu string `json:"criu"`
}

// restoreContainer is lxc-checkpoint -r: start a monitor in restore mode
// (daemonized unless o.Foreground, as LXC's default is -d).
func restoreContainer(st *Store, name string, cfg *Config, criu string, o CheckpointOptions) error {
	if os.Geteuid() != 0 {
		return errors.New("must be root to restore")
	}
	if _, ok, _ := ParseOverlayRootfs(cfg.RootfsPath); ok {
		return errors.New("restoring a container with an overlay rootfs is not supported")
	}
	level := LogError
	if cfg.LogLevel >= 0 {
		level = LogLevel(cfg.LogLevel)
	}
	logFile := cfg.LogFile
	if logFile == "" {
		logFile = DefaultLogFile(st, name)
	}
	so := &StartOptions{
		Name: name, Config: cfg, ConfigFile: st.ConfigPath(name),
		Daemon: !o.Foreground, Foreground: o.Foreground, UID: -1, GID: -1,
		LogFile: logFile, LogLevel: int(level),
		Restore: &RestoreOptions{Dir: o.Dir, Verbose: o.Verbose, ActionScript: o.ActionScript, Criu: criu},
	}
	// With -F, Start returns when the container stops; LXC's
	// lxc-checkpoint then succeeds whatever the init's status was.
	_, err := Start(st, so)
	if errors.Is(err, ErrRunning) {
		return fmt.Errorf("%s is running, not restoring", name)
	}
	return err
}

// restoreOnce is startOnce's alternative for a restore: pre-start hooks,
// cgroups and the console exist already; console is the slave of the new
// console pty (nil with lxc.console.path = none).
func (m *monitor) restoreOnce(console *os.File) error {
	a, err := m.restoreArgs(console)
	if err != nil {
		return err
	}
	pid, err := m.runCriuRestore(a, console)
	if err != nil {
		return err
	}
	m.initPID = pid
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		m.pidfd = fd
	}
	m.exited = make(chan unix.WaitStatus, 1)
	go func() { m.exited <- waitExit(pid) }()
	m.rec.InitPID, m.rec.InitStart = pid, procStartTime(pid)
	m.rec.MonitorPID, m.rec.MonitorStart = os.Getpid(), procStartTime(os.Getpid())
	m.rec.BootID = bootID()
	m.rec.Running = true
	m.saveRecord()
	// criu --manage-cgroups=full put the tree below --cgroup-root; move
	// the init only if it is not there (a real criu always does it; the
	// limits are written either way).
	m.cgPlaced = m.inPayload(pid)
	if err := m.attachCgroups(pid); err != nil {
		return err
	}
	if m.console != nil {
		go m.serveConsole()
	}
	m.setState(RUNNING)
	return nil
}

// restoreArgs builds the criu restore command line from the config, the
// monitor's cgroups and the images' tty.info.
func (m *monitor) restoreArgs(console *os.File) (*CriuArgs, error) {
	r := m.o.Restore
	a := &CriuArgs{Action: "restore", Dir: r.Dir, Verbose: r.Verbose, ActionScript: r.ActionScript,
		ConsoleFD: -1, RootfsMount: m.cfg.RootfsMount, BindMounts: bindMountEntries(m.cfg)}
	if a.RootfsMount == "" {
		a.RootfsMount = DefaultRootfsMount
	}
	a.CgroupRoots = m.criuCgroupRoots()
	b, err := os.ReadFile(filepath.Join(r.Dir, "tty.info"))
	switch {
	case err == nil:
		a.ConsoleTTY = strings.TrimSpace(string(b))
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("reading the tty information: %w", err)
	}
	if console != nil {
		// The slave is the child's first extra file (runCriuRestore).
		a.ConsoleFD = 3
		// LXC's console.name: the slave's path (ttyname).
		a.ConsoleName = console.Name()
		if p, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", console.Fd())); err == nil {
			a.ConsoleName = p
		}
	}
	if a.ConsoleTTY != "" && console == nil {
		return nil, errors.New("lxc.console.path configured on source host but not target")
	}
	if p := m.cfg.AppArmorProfile; p != "" {
		a.LSMProfile = "apparmor:" + p
	}
	for n, i := range m.cfg.NetIndexes() {
		d := m.cfg.Net[i]
		name := d.Name
		if name == "" {
			name = "eth" + strconv.Itoa(n)
		}
		switch d.Type {
		case "veth":
			pair := d.VethPair
			if pair == "" {
				// LXC names an unnamed host side vethXXXXXX.
				pair = "veth" + randomAlnum(6)
			}
			a.Veths = append(a.Veths, CriuVeth{Name: name, Pair: pair, Link: d.Link})
		case "macvlan":
			if d.Link == "" {
				return nil, fmt.Errorf("no host interface for macvlan %q", name)
			}
			a.Veths = append(a.Veths, CriuVeth{Name: name, Link: d.Link, Macvlan: true})
		}
	}
	return a, nil
}

// randomAlnum returns n random characters of [a-zA-Z0-9].
func randomAlnum(n int) string {
	const set = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = set[int(b[i])%len(set)]
	}
	return string(b)
}

// criuCgroupRoots is one "--cgroup-root CTRLS:PAYLOAD" per v1 hierarchy
// (the payload cgroups this monitor created); on a pure cgroup2 host the
// unified payload alone.
func (m *monitor) criuCgroupRoots() []string {
	if m.cg == nil {
		return nil
	}
	var roots []string
	for _, p := range m.cg.Placements() {
		if p.Version == 1 && len(p.Controllers) > 0 {
			roots = append(roots, strings.Join(p.Controllers, ",")+":"+p.Payload)
		}
	}
	if len(roots) == 0 {
		if u := m.cg.Unified(); u != nil {
			roots = append(roots, u.Payload)
		}
	}
	return roots
}

// inPayload reports whether pid already sits in (or below) the payload
// cgroup of every hierarchy.
func (m *monitor) inPayload(pid int) bool {
	if m.cg == nil {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return false
	}
	cur := map[string]string{} // sorted controllers ("" unified) -> path
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) == 3 {
			cur[sortedCtrls(strings.Split(f[1], ","))] = f[2]
		}
	}
	for _, p := range m.cg.Placements() {
		key := ""
		if p.Version == 1 {
			key = sortedCtrls(p.Controllers)
		}
		c, ok := cur[key]
		if !ok || (c != p.Payload && !strings.HasPrefix(c, strings.TrimSuffix(p.Payload, "/")+"/")) {
			return false
		}
	}
	return true
}

func sortedCtrls(c []string) string {
	c = append([]string(nil), c...)
	sort.Strings(c)
	return strings.Join(c, ",")
}

// runCriuRestore runs criu restore and returns the restored init's pid.
//
// criu wants the rootfs to be the root of a mount: as LXC, criu runs in
// a mount namespace of its own where / is rslave and the rootfs is bound
// on lxc.rootfs.mount. That namespace is made on a locked thread that
// forks criu and then returns to the host's namespace: the thread must
// live on, as it is the parent of the restored init (CLONE_PARENT), and
// a parent thread's exit would fire the init's parent-death signal.
func (m *monitor) runCriuRestore(a *CriuArgs, console *os.File) (int, error) {
	rootfs := rootfsHostPath(m.cfg)
	type result struct {
		pid int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		pid, back, err := m.criuOnThread(a, console, rootfs)
		if back {
			runtime.UnlockOSThread()
		} // else the thread, stuck in criu's namespace, dies with us
		ch <- result{pid, err}
	}()
	r := <-ch
	return r.pid, r.err
}

// criuOnThread does runCriuRestore's work on the locked thread; back
// reports that the thread is in the host's mount namespace again.
func (m *monitor) criuOnThread(a *CriuArgs, console *os.File, rootfs string) (pid int, back bool, err error) {
	host, err := os.Open("/proc/thread-self/ns/mnt")
	if err != nil {
		return 0, true, err
	}
	defer host.Close()
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return 0, true, fmt.Errorf("unsharing the mount namespace for criu: %w", err)
	}
	defer func() {
		back = unix.Setns(int(host.Fd()), unix.CLONE_NEWNS) == nil
	}()
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return 0, true, fmt.Errorf("making / rslave for criu: %w", err)
	}
	if rootfs != "" {
		if err := os.MkdirAll(a.RootfsMount, 0o755); err != nil {
			return 0, true, err
		}
		if err := unix.Mount(rootfs, a.RootfsMount, "", unix.MS_BIND, ""); err != nil {
			return 0, true, fmt.Errorf("binding the rootfs %q on %q for criu: %w", rootfs, a.RootfsMount, err)
		}
	}
	// criu's stdout and stderr go to a file, not a pipe: a restored
	// tree that kept them would keep a pipe open, and us waiting.
	fd, err := unix.MemfdCreate("criu-output", unix.MFD_CLOEXEC)
	if err != nil {
		return 0, true, err
	}
	out := os.NewFile(uintptr(fd), "criu-output")
	defer out.Close()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return 0, true, fmt.Errorf("becoming a child subreaper: %w", err)
	}
	defer func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) }()
	criu := m.o.Restore.Criu
	if criu == "" {
		criu = "criu"
	}
	cmd := exec.Command(criu, a.Build()...)
	cmd.Stdout, cmd.Stderr = out, out
	if console != nil {
		cmd.ExtraFiles = []*os.File{console}
	}
	cmd.Dir = "/"
	logf(LogInfo, "executing: %s %s", cmd.Path, strings.Join(cmd.Args[1:], " "))
	runErr := cmd.Run()
	if runErr != nil {
		return 0, true, m.criuFailure(a, runErr, out)
	}
	pid, err = restoredChild()
	return pid, true, err
}

// criuFailure is the error of a failed criu restore: its exit, its
// output and the end of its log.
func (m *monitor) criuFailure(a *CriuArgs, runErr error, out *os.File) error {
	var msg []string
	if _, err := out.Seek(0, io.SeekStart); err == nil {
		b, _ := io.ReadAll(io.LimitReader(out, 4096))
		if s := strings.TrimSpace(string(b)); s != "" {
			msg = append(msg, "output: "+s)
		}
	}
	logPath := filepath.Join(a.Dir, "restore.log")
	if b, err := os.ReadFile(logPath); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 8 {
			lines = lines[len(lines)-8:]
		}
		if s := strings.TrimSpace(strings.Join(lines, "\n")); s != "" {
			msg = append(msg, fmt.Sprintf("end of %s:\n%s", logPath, s))
		}
	}
	how := runErr.Error()
	var ee *exec.ExitError
	if errors.As(runErr, &ee) && ee.Exited() {
		how = "exited " + strconv.Itoa(ee.ExitCode())
	}
	if len(msg) == 0 {
		return fmt.Errorf("criu restore failed (%s)", how)
	}
	return fmt.Errorf("criu restore failed (%s), %s", how, strings.Join(msg, "\n"))
}

// restoredChild finds the restored init among our children (every
// thread's /proc/self/task/TID/children) and checks that it is one:
// waitid without reaping.
func restoredChild() (int, error) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0, err
	}
	var pids []int
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join("/proc/self/task", t.Name(), "children"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	if len(pids) == 0 {
		return 0, errors.New("criu restore succeeded but no restored process is a child of the monitor")
	}
	if len(pids) > 1 {
		return 0, fmt.Errorf("criu restore left more than one child of the monitor (%v): which is the init?", pids)
	}
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pids[0], &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil); err != nil {
		return 0, fmt.Errorf("the restored init %d: %w", pids[0], err)
	}
	return pids[0], nil
}
