package core

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lxc-go/lxc/cgroupfs"
	"github.com/lxc-go/lxc/netcfg"
)

// StartOptions describe one lxc-start or lxc-execute run.
type StartOptions struct {
	Name       string   `json:"name"`
	LXCPath    string   `json:"lxcpath"`
	Config     *Config  `json:"config"`
	ConfigFile string   `json:"config_file"`
	Cmd        []string `json:"cmd"`
	// Execute: lxc-execute (init stays pid 1 and reaps; stdio passed
	// through).
	Execute bool `json:"execute"`
	// Daemon: run the monitor in the background (lxc-start -d).
	Daemon bool `json:"daemon"`
	// Foreground: the console is proxied to our terminal (lxc-start -F).
	Foreground bool   `json:"foreground"`
	PidFile    string `json:"pid_file"`
	UID        int    `json:"uid"`
	GID        int    `json:"gid"`
	LogFile    string `json:"log_file"`
	LogLevel   int    `json:"log_level"`
	ConsoleLog string `json:"console_log"`
	ConsoleDev string `json:"console_dev"`
	// Share maps a namespace (net, ipc, uts, pid) to a container name or
	// pid whose namespace to join.
	Share map[string]string `json:"share"`
	// CreatedDir: the container directory was made for this run (a
	// volatile container) and is removed when it stops.
	CreatedDir bool `json:"created_dir"`
	// MonitorPlaced: lxc-start -d started the monitor in its monitor
	// cgroups (spawnMonitor).
	MonitorPlaced bool `json:"monitor_placed,omitempty"`
	// Restore: the init is not cloned but restored by criu
	// (lxc-checkpoint -r, restore.go).
	Restore *RestoreOptions `json:"restore,omitempty"`
}

// monitor supervises one container: it owns the init process, the
// command socket, the console and the state.
type monitor struct {
	st   *Store
	o    *StartOptions
	cfg  *Config
	dir  string
	name string

	mu       sync.Mutex
	state    State
	watchers map[*net.UnixConn]bool
	initPID  int
	pidfd    int
	stopping bool // a stop was requested: no reboot
	reboot   bool // a reboot was requested
	lastExit int

	ln      *net.UnixListener
	console *os.File // pty master of /dev/console
	ttys    []*os.File
	self    *os.File // sealed copy of our binary
	cg      cgroupfs.Manager
	// scavenge returns idle heap to the kernel (scheduleScavenge).
	scavenge *time.Timer
	// cgPlaced: the init was born in its cgroups (spawnInit).
	cgPlaced bool
	// monitorMoved: a daemon monitor sits in its monitor cgroup.
	monitorMoved bool
	// monitorCg: the cgroups whose monitor cgroup is removed once the
	// monitor has exited (removeMonitorCgroup).
	monitorCg cgroupfs.Manager
	// linger: connections (state watchers such as lxc-stop) that stay
	// open until the monitor cgroup is removed (removeMonitorCgroup).
	linger []*net.UnixConn
	net    *netcfg.Record
	exited chan unix.WaitStatus
	rec    *stateRecord
	// report tells the starting CLI about RUNNING or a failure, once.
	report func(State, error)
	// seccompNotify answers seccomp notify rules (seccomp_notify.go).
	seccompNotify *seccompNotifier
}

// monitorMain is the daemonized monitor (lxc-start -d): fd 3 is a
// socketpair to the lxc-start that spawned it, which sends the options
// and waits for RUNNING or an error.
func monitorMain() int {
	if os.Getenv("_LXC_GOMAXPROCS") == "1" {
		// Ours, not the caller's (monitorEnv): keep it from the hooks.
		os.Unsetenv("GOMAXPROCS")
	}
	os.Unsetenv("_LXC_GOMAXPROCS")
	os.Unsetenv("_LXC_MONITOR")
	syncf := os.NewFile(3, "start-sync")
	// Inherited fds (other than our sync socket) never reach the
	// container: mark them close-on-exec.
	_ = unix.CloseRange(4, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	unix.CloseOnExec(3)
	m0, _, err := recvMsg(syncf)
	if err != nil || m0.Start == nil {
		return 1
	}
	o := m0.Start
	_ = os.Chdir("/")
	// A daemon has no terminal to hang up; never die of SIGHUP or
	// SIGPIPE (e.g. a console client going away).
	signal.Ignore(unix.SIGHUP, unix.SIGPIPE)
	st := &Store{Path: o.LXCPath}
	reported := false
	report := func(s State, err error) {
		if reported {
			return
		}
		reported = true
		if err != nil {
			// lxc-start waits for EOF after an error, so that it
			// returns once nothing of the start is left: the socket
			// stays open until the monitor cgroup is gone
			// (removeMonitorCgroup).
			_ = sendMsg(syncf, &syncMsg{Type: "error", Error: err.Error()})
			monitorSync = syncf
			return
		}
		_ = sendMsg(syncf, &syncMsg{Type: "running"})
		syncf.Close()
	}
	status, err := runMonitor(st, o, report)
	if err != nil {
		report(ABORTING, err)
		return 1
	}
	_ = status
	return 0
}

// monitorSync is a daemon monitor's sync socket to lxc-start once a start
// failed; see report in monitorMain.
var monitorSync *os.File

// runMonitor runs a container until it stops and returns its init's exit
// status (128+N when killed by signal N).
func runMonitor(st *Store, o *StartOptions, report func(State, error)) (int, error) {
	m := &monitor{
		st: st, o: o, cfg: o.Config, name: o.Name, dir: st.Dir(o.Name),
		watchers: map[*net.UnixConn]bool{}, pidfd: -1, lastExit: -1, report: report,
	}
	level, _ := ParseLogLevel(strconv.Itoa(o.LogLevel))
	if o.LogLevel < 0 {
		level = LogError
	}
	_ = SetupLog("lxc-start", o.Name, o.LogFile, level)
	return m.run()
}

func (m *monitor) run() (int, error) {
	var err error
	m.rec = loadRecord(m.dir)
	cleanupStale(m.st, m.name, m.rec)
	if m.o.Daemon {
		// Deferred first, so it runs last: after the socket is gone.
		defer m.removeMonitorCgroup()
	}
	m.ln, err = listenCommand(m.dir)
	if err != nil {
		return -1, err
	}
	defer m.closeSocket()
	go m.serve()
	sigs := make(chan os.Signal, 8)
	if !m.o.Daemon {
		signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGPWR)
		defer signal.Stop(sigs)
	}
	for {
		if err := m.startOnce(); err != nil {
			m.abort(err)
			m.report(ABORTING, err)
			return -1, err
		}
		m.report(RUNNING, nil)
		// The monitor now idles for the container's lifetime: give the
		// start-up garbage (config, JSON, cgroup and netlink buffers)
		// back to the kernel and keep the heap small from here on.
		if m.o.Daemon {
			m.moveMonitor()
			debug.SetGCPercent(25)
			debug.FreeOSMemory()
		}
		ws := m.wait(sigs)
		status := 0
		switch {
		case ws.Exited():
			status = ws.ExitStatus()
		case ws.Signaled():
			status = 128 + int(ws.Signal())
		}
		m.mu.Lock()
		// A reboot(2) inside the container kills its init with SIGHUP
		// (SIGINT is halt).
		reboot := m.reboot || (ws.Signaled() && ws.Signal() == unix.SIGHUP && !m.stopping)
		m.reboot = false
		m.lastExit = status
		m.mu.Unlock()
		// LXC publishes WEXITSTATUS of the init: 0 when a signal killed
		// it (lxc-stop -k prints "exited with status [0]"). The signal
		// itself rides along for --format=json.
		code, sig := 0, 0
		if ws.Exited() {
			code = ws.ExitStatus()
		} else if ws.Signaled() {
			sig = int(ws.Signal())
		}
		_ = publishEvent(m.st.Path, Event{Name: m.name, Exit: &code, Signal: sig})
		m.setState(STOPPING)
		m.teardown(reboot)
		m.setState(STOPPED)
		if !reboot {
			m.finish(status)
			if err := DestroyEphemeral(m.st, m.name); err != nil {
				logf(LogError, "%v", err)
			}
			return status, nil
		}
	}
}

// setState records a state, publishes it and pushes it to watchers.
func (m *monitor) setState(s State) {
	m.mu.Lock()
	m.state = s
	ws := make([]*net.UnixConn, 0, len(m.watchers))
	for c := range m.watchers {
		ws = append(ws, c)
	}
	m.mu.Unlock()
	_ = publishEvent(m.st.Path, Event{Name: m.name, State: s.String()})
	for _, c := range ws {
		if err := writeResponse(c, &Response{Type: "state", State: s.String()}); err != nil {
			m.mu.Lock()
			delete(m.watchers, c)
			m.mu.Unlock()
		}
	}
	logf(LogInfo, "container %q changed state to %s", m.name, s)
}

func (m *monitor) getState() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

// hookEnv is the environment of every hook (LXC's names).
func (m *monitor) hookEnv() []string {
	env := []string{
		"PATH=" + defaultPath,
		"LXC_NAME=" + m.name,
		"LXC_CONFIG_FILE=" + m.o.ConfigFile,
		"LXC_ROOTFS_MOUNT=" + RootfsMountPoint(m.cfg),
		"LXC_ROOTFS_PATH=" + RootfsPathOnly(m.cfg.RootfsPath),
		"LXC_CGNS_AWARE=1",
		"LXC_LOG_LEVEL=" + LogLevel(max(m.o.LogLevel, 0)).String(),
		fmt.Sprintf("LXC_HOOK_VERSION=%d", m.cfg.HookVersion),
	}
	if m.cfg.ConsolePath != "" {
		env = append(env, "LXC_CONSOLE="+m.cfg.ConsolePath)
	}
	if m.cfg.ConsoleLogfile != "" {
		env = append(env, "LXC_CONSOLE_LOGPATH="+m.cfg.ConsoleLogfile)
	}
	if m.initPID > 0 {
		env = append(env, "LXC_PID="+strconv.Itoa(m.initPID))
	}
	return env
}

// rootfsHostPath is the host path of a dir: rootfs ("" when none).
func rootfsHostPath(cfg *Config) string {
	p := cfg.RootfsPath
	if v, ok := strings.CutPrefix(p, "dir:"); ok {
		return v
	}
	return p
}

// cloneFlags computes the namespaces of the container's init.
func (m *monitor) cloneFlags() (uintptr, bool) {
	ns := map[string]uintptr{
		"mount": unix.CLONE_NEWNS, "pid": unix.CLONE_NEWPID, "uts": unix.CLONE_NEWUTS,
		"ipc": unix.CLONE_NEWIPC, "net": unix.CLONE_NEWNET, "cgroup": unix.CLONE_NEWCGROUP,
		"user": unix.CLONE_NEWUSER, "time": unix.CLONE_NEWTIME,
	}
	var flags uintptr
	if len(m.cfg.NamespaceClone) > 0 {
		for _, n := range m.cfg.NamespaceClone {
			flags |= ns[n]
		}
	} else {
		flags = unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP
		if len(m.cfg.IDMap) > 0 {
			flags |= unix.CLONE_NEWUSER
		}
	}
	for _, n := range m.cfg.NamespaceKeep {
		flags &^= ns[n]
	}
	for n := range m.cfg.NamespaceShare {
		flags &^= ns[n]
	}
	for n := range m.o.Share {
		flags &^= ns[n]
	}
	// lxc.net.N.type = none shares the host's network namespace.
	for _, d := range m.cfg.Net {
		if d.Type == "none" {
			flags &^= unix.CLONE_NEWNET
		}
	}
	// The cgroup namespace is unshared by init once it sits in its
	// payload cgroup, so that the namespace is rooted there.
	cgns := flags&unix.CLONE_NEWCGROUP != 0
	flags &^= unix.CLONE_NEWCGROUP
	return flags, cgns
}

// startOnce brings the container from STARTING to RUNNING.
func (m *monitor) startOnce() error {
	m.setState(STARTING)
	m.initPID = 0
	if err := runHooks(m.cfg, "pre-start", m.hookEnv(), nil); err != nil {
		return err
	}
	if err := m.setupCgroups(); err != nil {
		return err
	}
	var consoleSlave *os.File
	if m.cfg.ConsolePath != "none" {
		master, slave, err := openPty()
		if err != nil {
			return fmt.Errorf("allocating the console: %w", err)
		}
		m.console = master
		consoleSlave = slave
		defer slave.Close()
	}
	if m.o.Restore != nil {
		return m.restoreOnce(consoleSlave)
	}
	if m.self == nil {
		self, err := sealedSelf()
		if err != nil {
			return err
		}
		m.self = self
	}
	parent, child, err := socketpair()
	if err != nil {
		return err
	}
	defer parent.Close()
	flags, cgns := m.cloneFlags()
	shares, err := ResolveShares(m.st, m.cfg, m.o.Share)
	if err != nil {
		return err
	}
	cmd := &exec.Cmd{
		Path:       fmt.Sprintf("/proc/self/fd/%d", m.self.Fd()),
		Args:       []string{"lxc", "init"},
		Env:        []string{"_LXC_INIT=1", "GOMAXPROCS=1"},
		ExtraFiles: []*os.File{child},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: flags,
			Pdeathsig:  m.pdeathSignal(),
		},
	}
	if consoleSlave != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, consoleSlave)
	}
	if m.o.Execute {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	}
	if err := m.idmapInto(cmd); err != nil {
		child.Close()
		return err
	}
	if err := m.spawnInit(cmd); err != nil {
		child.Close()
		return fmt.Errorf("cloning the container's init: %w", err)
	}
	child.Close()
	m.initPID = cmd.Process.Pid
	if fd, err := unix.PidfdOpen(m.initPID, 0); err == nil {
		m.pidfd = fd
	}
	m.exited = make(chan unix.WaitStatus, 1)
	go func(pid int) { m.exited <- waitExit(pid) }(m.initPID)
	m.rec.InitPID, m.rec.InitStart = m.initPID, procStartTime(m.initPID)
	m.rec.MonitorPID, m.rec.MonitorStart = os.Getpid(), procStartTime(os.Getpid())
	m.rec.BootID = bootID()
	m.rec.Running = true
	m.saveRecord()

	if err := m.attachCgroups(m.initPID); err != nil {
		return err
	}
	if err := m.setupNetwork(); err != nil {
		return err
	}
	spec := &InitSpec{
		Name: m.name, LXCPath: m.st.Path, ConfigFile: m.o.ConfigFile, Config: m.cfg,
		Execute: m.o.Execute, Cmd: m.o.Cmd, Env: m.initEnv(), HasConsole: consoleSlave != nil,
		CgroupNS: cgns, UID: m.o.UID, GID: m.o.GID, HookEnv: m.hookEnv(), Shares: shares,
		LoopbackUp: m.ownNetNS() && m.loopbackOnly(),
	}
	// lxc.rootfs.options = idmap=container: an idmapped mount of the
	// rootfs goes with the spec (attach_rootfs_idmap.go).
	var specFds []int
	rootfsMnt, err := idmappedRootfsFor(m.cfg, m.initPID)
	if err != nil {
		return err
	}
	if rootfsMnt != nil {
		defer rootfsMnt.Close()
		specFds = append(specFds, int(rootfsMnt.Fd()))
	}
	if err := sendMsg(parent, &syncMsg{Type: "spec", Spec: spec}, specFds...); err != nil {
		return fmt.Errorf("sending the config to init: %w", err)
	}
	for {
		msg, files, err := recvMsg(parent)
		if err == io.EOF {
			return fmt.Errorf("the container's init exited during setup")
		}
		if err != nil {
			return err
		}
		if msg.Type == "ttys" {
			m.ttys = files
			continue
		}
		if msg.Type == "ready" {
			break
		}
	}
	if err := runHooks(m.cfg, "start-host", m.hookEnv(), nil); err != nil {
		return err
	}
	if err := sendMsg(parent, &syncMsg{Type: "exec"}); err != nil {
		return err
	}
	for {
		msg, files, err := recvMsg(parent)
		if err == io.EOF {
			break // exec succeeded: the socket was close-on-exec
		}
		if err != nil {
			return err
		}
		if msg.Type == syncSeccompListener && len(files) == 1 {
			m.seccompNotify = startSeccompNotify(files[0], m.cfg, m.initPID)
			continue
		}
		if msg.Type == "running" {
			continue // lxc-execute: pid 2 started
		}
	}
	if m.console != nil {
		go m.serveConsole()
	}
	m.setState(RUNNING)
	return nil
}

// pdeathSignal is lxc.monitor.signal.pdeath (default SIGKILL; 0 none).
func (m *monitor) pdeathSignal() syscall.Signal {
	if m.cfg.SignalPdeath < 0 {
		return syscall.SIGKILL
	}
	return syscall.Signal(m.cfg.SignalPdeath)
}

// initEnv is the environment of the container's command.
func (m *monitor) initEnv() []string {
	env := []string{"container=lxc"}
	if m.o.Execute {
		env = append(env, "PATH="+defaultPath)
	}
	if m.cfg.TTYMax > 0 {
		var ttys []string
		for i := 0; i < m.cfg.TTYMax; i++ {
			ttys = append(ttys, fmt.Sprintf("pts/%d", i))
		}
		env = append(env, "container_ttys="+strings.Join(ttys, " "))
	}
	for _, e := range m.cfg.Environment {
		if !strings.Contains(e, "=") {
			// A bare name inherits the value from lxc-start's
			// environment.
			if v, ok := os.LookupEnv(e); ok {
				e = e + "=" + v
			} else {
				continue
			}
		}
		env = setEnv(env, e)
	}
	return env
}

func setEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}

// wait waits for the init to exit, forwarding signals in the foreground.
func (m *monitor) wait(sigs chan os.Signal) unix.WaitStatus {
	for {
		select {
		case ws := <-m.exited:
			return ws
		case s := <-sigs:
			sig := s.(syscall.Signal)
			if sig == unix.SIGHUP {
				sig = unix.SIGTERM
			}
			m.signalInit(sig)
		}
	}
}

// signalInit sends a signal to the init through its pidfd, so a reused
// pid is never hit.
func (m *monitor) signalInit(sig syscall.Signal) error {
	m.mu.Lock()
	fd := m.pidfd
	m.mu.Unlock()
	if fd < 0 {
		return ErrNotRunning
	}
	return unix.PidfdSendSignal(fd, sig, nil, 0)
}

// abort undoes a failed start: ABORTING, kill the init, teardown,
// STOPPING, STOPPED.
func (m *monitor) abort(err error) {
	logf(LogError, "%v", err)
	// LXC publishes ABORTING twice (its abort path and its teardown).
	m.setState(ABORTING)
	m.setState(ABORTING)
	if m.initPID > 0 {
		_ = m.signalInit(unix.SIGKILL)
		select {
		case <-m.exited:
		case <-time.After(10 * time.Second):
		}
	}
	m.setState(STOPPING)
	m.teardown(false)
	m.setState(STOPPED)
	m.finish(-1)
	if err := DestroyEphemeral(m.st, m.name); err != nil {
		logf(LogError, "%v", err)
	}
}

// teardown releases everything of one run of the container.
func (m *monitor) teardown(reboot bool) {
	env := m.hookEnv()
	target := "stop"
	if reboot {
		target = "reboot"
	}
	env = append(env, "LXC_TARGET="+target)
	if err := runHooks(m.cfg, "stop", env, nil); err != nil {
		logf(LogError, "%v", err)
	}
	m.mu.Lock()
	if m.pidfd >= 0 {
		unix.Close(m.pidfd)
		m.pidfd = -1
	}
	m.mu.Unlock()
	for _, t := range m.ttys {
		t.Close()
	}
	m.ttys = nil
	m.seccompNotify.stop()
	m.seccompNotify = nil
	if m.console != nil {
		m.console.Close()
		m.console = nil
	}
	m.teardownNetwork()
	m.teardownCgroups()
	if err := runHooks(m.cfg, "post-stop", env, nil); err != nil {
		logf(LogError, "%v", err)
	}
	m.initPID = 0
}

// finish records the final state of a run.
func (m *monitor) finish(status int) {
	m.rec.Running = false
	m.rec.InitPID, m.rec.InitStart = 0, 0
	m.rec.MonitorPID, m.rec.MonitorStart = 0, 0
	if status >= 0 {
		s := status
		m.rec.LastExit = &s
	}
	m.saveRecord()
}

func (m *monitor) closeSocket() {
	// The -p pidfile goes when the container stops, as with LXC; before
	// the socket closes, so it is gone when lxc-stop returns.
	if m.o.PidFile != "" {
		_ = os.Remove(m.o.PidFile)
	}
	if m.ln != nil {
		m.ln.Close()
	}
	_ = os.Remove(filepath.Join(m.dir, commandSocket))
	m.mu.Lock()
	for c := range m.watchers {
		if m.removerPending() {
			// Handed to the cgroup remover, which closes them once
			// the monitor cgroup is gone: lxc-stop returns on EOF.
			m.linger = append(m.linger, c)
			continue
		}
		c.Close()
	}
	m.watchers = map[*net.UnixConn]bool{}
	m.mu.Unlock()
	if m.o.CreatedDir {
		removeVolatileDir(m.dir)
	}
}

// serve answers command socket requests until the listener closes.
func (m *monitor) serve() {
	for {
		c, err := m.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if !peerAllowed(c) {
			c.Close()
			continue
		}
		go m.handle(c)
	}
}

func (m *monitor) handle(c *net.UnixConn) {
	keep := false
	bp := reqBufs.Get().(*[]byte)
	defer func() {
		reqBufs.Put(bp)
		if !keep {
			c.Close()
		}
		m.scheduleScavenge()
	}()
	buf := *bp
	for {
		n, err := c.Read(buf)
		if err != nil || n == 0 {
			return
		}
		req := &Request{}
		if err := jsonUnmarshal(buf[:n], req); err != nil {
			_ = writeResponse(c, &Response{Error: "bad request"})
			return
		}
		resp, files, watch := m.dispatch(req)
		if err := writeResponse(c, resp, files...); err != nil {
			return
		}
		for _, f := range files {
			f.Close()
		}
		if watch {
			m.mu.Lock()
			m.watchers[c] = true
			m.mu.Unlock()
			keep = true
			return
		}
	}
}

// reqBufs holds the request buffers of command connections: a monitor
// lives as long as its container, and a buffer per connection would be
// garbage that keeps its heap large.
var reqBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// scheduleScavenge returns the heap a burst of requests (lxc-ls -f over
// many containers, lxc-info in a loop) left behind once the monitor has
// been idle for a second: the Go runtime would keep it resident for
// minutes, and a daemon monitor lives as long as its container.
func (m *monitor) scheduleScavenge() {
	if !m.o.Daemon {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.scavenge == nil {
		m.scavenge = time.AfterFunc(time.Second, debug.FreeOSMemory)
		return
	}
	m.scavenge.Reset(time.Second)
}

func (m *monitor) dispatch(r *Request) (*Response, []*os.File, bool) {
	st := m.getState()
	base := &Response{State: st.String(), InitPID: m.initPID, MonitorPID: os.Getpid()}
	switch r.Cmd {
	case "state":
		return base, nil, false
	case "watch":
		return base, nil, true
	case "info":
		base.Info = m.runtimeInfo()
		return base, nil, false
	case "stop":
		m.mu.Lock()
		m.stopping = true
		m.mu.Unlock()
		sig := syscall.Signal(m.cfg.SignalStop)
		if sig == 0 {
			sig = unix.SIGKILL
		}
		if err := m.signalInit(sig); err != nil {
			return &Response{Error: err.Error()}, nil, false
		}
		m.thawForKill()
		return base, nil, true
	case "shutdown":
		m.mu.Lock()
		m.stopping = true
		m.mu.Unlock()
		if err := m.signalInit(m.haltSignal()); err != nil {
			return &Response{Error: err.Error()}, nil, false
		}
		return base, nil, true
	case "reboot":
		m.mu.Lock()
		m.reboot = true
		m.mu.Unlock()
		sig := syscall.Signal(m.cfg.SignalReboot)
		if sig == 0 {
			sig = unix.SIGINT
		}
		if err := m.signalInit(sig); err != nil {
			return &Response{Error: err.Error()}, nil, false
		}
		return base, nil, true
	}
	if resp, files, ok := m.dispatchExtra(r); ok {
		return resp, files, false
	}
	return &Response{Error: fmt.Sprintf("unknown command %q", r.Cmd)}, nil, false
}

// haltSignal is lxc.signal.halt, else SIGRTMIN+3 when the init blocks it
// (systemd), else SIGPWR.
func (m *monitor) haltSignal() syscall.Signal {
	if m.cfg.SignalHalt != 0 {
		return syscall.Signal(m.cfg.SignalHalt)
	}
	const sigrtmin3 = 34 + 3
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.initPID)); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "SigBlk:"); ok {
				mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				if err == nil && mask&(1<<(sigrtmin3-1)) != 0 {
					return syscall.Signal(sigrtmin3)
				}
			}
		}
	}
	return unix.SIGPWR
}
