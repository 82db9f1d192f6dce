package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lxc-go/lxc/cgroupfs"
	"golang.org/x/sys/unix"
)

// cgroupConfig translates the container config for cgroupfs.
func cgroupConfig(name string, cfg *Config) cgroupfs.Config {
	c := cgroupfs.Config{
		Name: name, Relative: cfg.CgroupRelative, Dir: cfg.CgroupDir,
		DirContainer: cfg.CgroupDirContainer, DirMonitor: cfg.CgroupDirMonitor,
		DirMonitorPivot: cfg.CgroupDirMonitorPivot, DirContainerInner: cfg.CgroupDirInner,
	}
	for _, kv := range cfg.Cgroup {
		c.V1 = append(c.V1, cgroupfs.Setting{Key: kv.Key, Value: kv.Value})
	}
	for _, kv := range cfg.Cgroup2 {
		c.V2 = append(c.V2, cgroupfs.Setting{Key: kv.Key, Value: kv.Value})
	}
	return c
}

// setupCgroups creates the payload and monitor cgroups and moves the
// monitor into its own. The cgroup config is recorded first, so that a
// crash at any later point can be cleaned up.
func (m *monitor) setupCgroups() error {
	cc := cgroupConfig(m.name, m.cfg)
	// Only a daemonized monitor moves into lxc.monitor.<name>
	// (moveMonitor); a foreground one needs none.
	cc.NoMonitor = !m.o.Daemon
	cc.Warnf = func(format string, args ...any) { logf(LogWarn, format, args...) }
	mgr, err := cgroupfs.New(cc)
	if err != nil {
		return fmt.Errorf("cgroups: %w", err)
	}
	// Our own leftovers were removed by cleanupStale from the record;
	// a payload that still holds processes belongs to someone else, such
	// as a container of the same name in another lxcpath. Create would
	// kill them as stale, so refuse instead.
	for _, p := range mgr.Placements() {
		if pid := firstPid(p.PayloadDir()); pid > 0 {
			return fmt.Errorf("cgroup %q is in use by process %d (a container of the same name in another lxcpath?)", p.PayloadDir(), pid)
		}
	}
	m.rec.Cgroups = mustJSON(cc)
	m.saveRecord()
	if err := mgr.Create(); err != nil {
		return fmt.Errorf("creating cgroups: %w", err)
	}
	m.cg = mgr
	if m.o.MonitorPlaced {
		// lxc-start started us in our monitor cgroup (spawnMonitor),
		// which Create kept; a reboot never leaves it.
		m.monitorMoved = true
	}
	return nil
}

// startInCgroup is the start function of cgroupfs.SpawnInto and its
// variants for cmd: the child is born in the unified cgroup fd
// (CLONE_INTO_CGROUP) when there is one, and started plainly when the
// kernel refuses that (e.g. a unified cgroup that cannot take processes).
// *intoFD tells whether the child was born in the fd's cgroup.
func startInCgroup(cmd *exec.Cmd, intoFD *bool) func(fd int) error {
	return func(fd int) error {
		*intoFD = false
		if fd < 0 {
			return cmd.Start()
		}
		attr := *cmd.SysProcAttr
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, fd
		err := cmd.Start()
		if err != nil && cmd.Process == nil {
			// An exec.Cmd starts once, even after a failed Start:
			// retry with a fresh one, without the fd.
			*cmd = exec.Cmd{
				Path: cmd.Path, Args: cmd.Args, Env: cmd.Env, Dir: cmd.Dir,
				Stdin: cmd.Stdin, Stdout: cmd.Stdout, Stderr: cmd.Stderr,
				ExtraFiles: cmd.ExtraFiles, SysProcAttr: &attr,
			}
			return cmd.Start()
		}
		*intoFD = true
		return err
	}
}

// spawnPlaced runs spawn (cgroupfs.SpawnInto or a variant) with
// startInCgroup and reports whether cmd's child is in its cgroup in every
// hierarchy: SpawnInto cannot see a start that had to give up
// CLONE_INTO_CGROUP, and such a child must still be moved into the
// unified cgroup the usual way.
func spawnPlaced(mgr cgroupfs.Manager, cmd *exec.Cmd, spawn func(cgroupfs.Manager, func(int) error) (bool, error)) (bool, error) {
	var intoFD bool
	placed, err := spawn(mgr, startInCgroup(cmd, &intoFD))
	return placed && (intoFD || mgr.Unified() == nil), err
}

// spawnMonitor starts a daemonized monitor (lxc-start -d) already inside
// its monitor cgroups: lxc-start makes them and forks the monitor from a
// thread that moved itself there (cgroupfs.SpawnIntoMonitor), so no
// cgroup.procs write (and no RCU grace period blocking every fork on the
// host, lxc-wait's included) is needed. Relative placement
// (lxc.cgroup.relative) depends on the monitor's own cgroup, and any
// failure here leaves the move to the monitor (moveMonitor).
func spawnMonitor(o *StartOptions, cmd *exec.Cmd) error {
	cc := cgroupConfig(o.Name, o.Config)
	if cc.Relative {
		return cmd.Start()
	}
	mgr, err := cgroupfs.New(cc)
	if err != nil {
		return cmd.Start()
	}
	if err := mgr.CreateMonitor(); err != nil {
		return cmd.Start()
	}
	placed, err := spawnPlaced(mgr, cmd, cgroupfs.SpawnIntoMonitor)
	if cmd.Process == nil {
		for _, p := range mgr.Placements() {
			_ = unix.Rmdir(p.MonitorDir())
		}
		return err
	}
	o.MonitorPlaced = placed
	return nil
}

// firstPid returns a process found in cgroup dir or below it, 0 if none
// (or the cgroup does not exist).
func firstPid(dir string) int {
	pid := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || pid > 0 {
			return nil
		}
		b, _ := os.ReadFile(filepath.Join(p, "cgroup.procs"))
		if f := strings.Fields(string(b)); len(f) > 0 {
			pid, _ = strconv.Atoi(f[0])
			return filepath.SkipAll
		}
		return nil
	})
	return pid
}

// spawnInit starts the container's init born in its cgroups (see
// cgroupfs.SpawnInto: no cgroup.procs write, hence no RCU grace period on
// the start path). When the kernel refuses CLONE_INTO_CGROUP the init is
// started plainly and attachCgroups moves it.
func (m *monitor) spawnInit(cmd *exec.Cmd) error {
	m.cgPlaced = false
	if m.cg == nil {
		return cmd.Start()
	}
	placed, err := spawnPlaced(m.cg, cmd, cgroupfs.SpawnInto)
	if err != nil && cmd.Process == nil {
		return err
	}
	if err != nil {
		logf(LogWarn, "%v", err)
	}
	m.cgPlaced = placed
	return nil
}

// attachCgroups puts the init into the payload and applies the limits.
func (m *monitor) attachCgroups(pid int) error {
	if m.cg == nil {
		return nil
	}
	if !m.cgPlaced {
		if err := m.cg.Attach(pid); err != nil {
			return fmt.Errorf("attaching init to its cgroup: %w", err)
		}
	}
	if err := m.cg.ApplySettings(); err != nil {
		return err
	}
	if err := m.cg.ApplyDevices(); err != nil {
		return err
	}
	return nil
}

func (m *monitor) teardownCgroups() {
	if m.cg == nil {
		return
	}
	if m.monitorMoved {
		// The monitor stays in its own cgroup, through a reboot too;
		// removeMonitorCgroup takes it away once the monitor is gone.
		if err := m.cg.DestroyPayload(true); err != nil {
			logf(LogError, "removing cgroups: %v", err)
			return
		}
		m.monitorCg = m.cg
	} else if err := m.cg.Destroy(true); err != nil {
		logf(LogError, "removing cgroups: %v", err)
		return
	}
	m.cg = nil
	// Saved by finish (or the next setupCgroups after a reboot); should
	// we die before, removing them again from the record is a no-op.
	m.rec.Cgroups = nil
}

// removerPending tells whether removeMonitorCgroup will start a remover.
func (m *monitor) removerPending() bool {
	return m.o.Daemon && (m.monitorCg != nil || m.o.MonitorPlaced)
}

// removeMonitorCgroup arranges for a daemon monitor's own cgroups to be
// removed once it has exited (removeWhenGone), without moving the monitor
// out of them first. It runs as the monitor's last step. Where the
// remover cannot be started, the monitor moves out and removes them
// itself (the slow way: see rawrmdir_linux.go).
func (m *monitor) removeMonitorCgroup() {
	defer func() {
		for _, c := range m.linger {
			c.Close()
		}
		m.linger = nil
		if monitorSync != nil {
			monitorSync.Close()
			monitorSync = nil
		}
	}()
	mgr := m.monitorCg
	if mgr == nil && m.o.MonitorPlaced {
		// The start failed before setupCgroups: lxc-start made the
		// monitor cgroups.
		if m.cg != nil {
			mgr = m.cg
		} else if g, err := cgroupfs.New(cgroupConfig(m.name, m.cfg)); err == nil {
			mgr = g
		}
	}
	if mgr == nil {
		return
	}
	var dirs []string
	for _, p := range mgr.Placements() {
		dirs = append(dirs, p.MonitorDir())
	}
	err := mgr.CreatePivot()
	if err == nil {
		var placed bool
		// The remover holds the lingering connections until the
		// directories are gone.
		keep := make([]int, 0, len(m.linger)+1)
		for _, c := range m.linger {
			if f, err := c.File(); err == nil {
				keep = append(keep, int(f.Fd()))
				defer f.Close()
			}
		}
		if monitorSync != nil {
			keep = append(keep, int(monitorSync.Fd()))
		}
		placed, err = cgroupfs.SpawnIntoPivot(mgr, func(fd int) error {
			if fd < 0 && mgr.Unified() != nil {
				// Not placed: a remover inside the monitor cgroup
				// could never remove it.
				return errors.New("the remover could not be placed outside the monitor cgroup")
			}
			return removeWhenGone(dirs, keep, fd)
		})
		if err == nil && !placed {
			err = errors.New("the remover could not be started outside the monitor cgroup")
		}
	}
	if err != nil {
		logf(LogWarn, "%v; removing the monitor cgroup directly", err)
		if err := mgr.Destroy(false); err != nil {
			logf(LogError, "removing cgroups: %v", err)
		}
	}
}

// moveMonitor moves a daemonized monitor out of the caller's cgroup into
// its own (so that e.g. the end of a login session does not take it
// along). It runs once the container is RUNNING: the cgroup.procs write
// may wait for an RCU grace period, which lxc-start -d need not wait for.
// A foreground monitor (lxc-execute, lxc-start -F) is the user's own
// process and stays where it is, which also saves the move back out at
// teardown.
func (m *monitor) moveMonitor() {
	if m.cg == nil || !m.o.Daemon || m.monitorMoved {
		return
	}
	if err := m.cg.AttachMonitor(os.Getpid()); err != nil {
		logf(LogWarn, "moving the monitor into its cgroup: %v", err)
		return
	}
	m.monitorMoved = true
}

// thawForKill unfreezes the payload so that a kill reaches frozen tasks.
func (m *monitor) thawForKill() {
	if cg := m.cg; cg != nil {
		_ = cg.Thaw()
	}
}

// staleCgroups removes the cgroups a crashed monitor left behind.
func staleCgroups(st *Store, name string, r *stateRecord) error {
	if len(r.Cgroups) == 0 {
		return nil
	}
	var cc cgroupfs.Config
	if err := json.Unmarshal(r.Cgroups, &cc); err != nil {
		return nil // unreadable: nothing we could ever retry
	}
	mgr, err := cgroupfs.New(cc)
	if err != nil {
		return err
	}
	// Kill what is inside only while the recorded init still lives (the
	// monitor died, its container did not) or nothing lives there: once
	// the init is gone, processes in a cgroup of that name belong to a
	// container of the same name in another lxcpath, started meanwhile.
	kill := true
	if r.InitPID > 0 && procStartTime(r.InitPID) != r.InitStart {
		for _, p := range mgr.Placements() {
			if firstPid(p.PayloadDir()) > 0 {
				kill = false
			}
		}
	}
	if err := mgr.Destroy(kill); err != nil {
		logf(LogWarn, "removing stale cgroups of %q: %v", name, err)
		return err
	}
	return nil
}

// DestroyCgroups removes any empty cgroup left of a stopped container
// (lxc-destroy). Processes are not killed: a crashed monitor's container
// was already handled from its record (CleanupStale), so whatever still
// runs in a cgroup of that name is another container's.
func DestroyCgroups(st *Store, name string, cfg *Config) {
	if mgr, err := cgroupfs.New(cgroupConfig(name, cfg)); err == nil {
		_ = mgr.Destroy(false)
	}
}

// defaultFreezeTimeout bounds a freeze request that names no timeout.
const defaultFreezeTimeout = 5 * time.Minute

// freezeMu serialises freeze and unfreeze requests (one monitor per
// process, so a package variable is enough).
var freezeMu sync.Mutex

// cgroupCommand serves freeze, unfreeze and cgroup get/set.
func (m *monitor) cgroupCommand(r *Request) (*Response, bool) {
	if r.Cmd != "freeze" && r.Cmd != "unfreeze" && r.Cmd != "cgroup_get" && r.Cmd != "cgroup_set" {
		return nil, false
	}
	// One read of m.cg: teardown clears it concurrently at stop.
	cg := m.cg
	if cg == nil {
		return &Response{Error: "the container has no cgroups"}, true
	}
	if r.Cmd == "freeze" || r.Cmd == "unfreeze" {
		// One freezer transition at a time, so that the published state
		// sequence of two concurrent clients never interleaves.
		freezeMu.Lock()
		defer freezeMu.Unlock()
	}
	switch r.Cmd {
	case "freeze":
		if m.getState() == FROZEN {
			return &Response{State: "FROZEN"}, true
		}
		if m.getState() != RUNNING {
			return &Response{Error: fmt.Sprintf("cannot freeze a %s container", m.getState())}, true
		}
		m.setState(FREEZING)
		// LXC waits for the freezer without a limit; we stop waiting
		// after a long while so that a wedged freeze (tasks in D state)
		// cannot pin this handler forever.
		t := defaultFreezeTimeout
		if r.Timeout > 0 {
			t = time.Duration(r.Timeout) * time.Second
		}
		if err := cg.Freeze(t); err != nil {
			_ = cg.Thaw()
			m.setState(RUNNING)
			return &Response{Error: err.Error()}, true
		}
		// LXC 5.0 on a v1 freezer reports FROZEN twice (once from the
		// freezing client, once from the monitor); lxc-monitor users see
		// FREEZING, FROZEN, FROZEN and we publish the same sequence.
		m.setState(FROZEN)
		if cg.Version() == 1 {
			m.setState(FROZEN)
		}
		return &Response{State: "FROZEN"}, true
	case "unfreeze":
		st := m.getState()
		if err := cg.Thaw(); err != nil {
			return &Response{Error: err.Error()}, true
		}
		if st == FROZEN || st == FREEZING {
			// v1: THAWED, THAWED, RUNNING as LXC 5.0 reports it.
			m.setState(THAWED)
			if cg.Version() == 1 {
				m.setState(THAWED)
			}
			m.setState(RUNNING)
		}
		return &Response{State: "RUNNING"}, true
	case "cgroup_get":
		v, err := cg.Get(r.Key)
		if err != nil {
			return &Response{Error: err.Error()}, true
		}
		return &Response{Value: v}, true
	default:
		if err := cg.Set(r.Key, r.Value); err != nil {
			return &Response{Error: err.Error()}, true
		}
		return &Response{}, true
	}
}

// cgroupStats fills the statistics of lxc-info.
func (m *monitor) cgroupStats(ri *RuntimeInfo) {
	cg := m.cg
	if cg == nil {
		return
	}
	s := cg.Stats()
	conv := func(x cgroupfs.Stat) Stat { return Stat{Value: x.Value, OK: x.OK} }
	ri.CPU, ri.CPUUser, ri.CPUSys = conv(s.CPUNanos), conv(s.CPUUser), conv(s.CPUSystem)
	ri.BlkIO, ri.BlkIOOps = conv(s.BlkioBytes), conv(s.BlkioIOPS)
	ri.Mem, ri.MemSwap, ri.KMem = conv(s.Memory), conv(s.MemSwap), conv(s.KMem)
}

// Freeze freezes a running container (lxc-freeze).
func Freeze(st *Store, name string) error {
	_, _, err := command(st, name, &Request{Cmd: "freeze"})
	return err
}

// Unfreeze thaws a container (lxc-unfreeze).
func Unfreeze(st *Store, name string) error {
	_, _, err := command(st, name, &Request{Cmd: "unfreeze"})
	return err
}

// CgroupGet reads a cgroup file of a running container (lxc-cgroup).
func CgroupGet(st *Store, name, key string) (string, error) {
	r, _, err := command(st, name, &Request{Cmd: "cgroup_get", Key: strings.TrimSpace(key)})
	if err != nil {
		return "", err
	}
	return r.Value, nil
}

// CgroupSet writes a cgroup file of a running container (lxc-cgroup).
func CgroupSet(st *Store, name, key, value string) error {
	_, _, err := command(st, name, &Request{Cmd: "cgroup_set", Key: key, Value: value})
	return err
}
