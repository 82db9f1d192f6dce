package cgroupfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrUnknownKey is wrapped by Get and Set when no hierarchy carries the
// controller named by the key, or the cgroup has no such file.
var ErrUnknownKey = errors.New("unknown cgroup key")

// Freezer states, as v1 freezer.state spells them.
const (
	Thawed   = "THAWED"
	Freezing = "FREEZING"
	Frozen   = "FROZEN"
)

// Manager manages the payload and monitor cgroups of one container. New
// returns the v1 implementation on legacy and hybrid hosts and the v2
// implementation on pure cgroup2 hosts.
type Manager interface {
	// Version is 1 (legacy or hybrid host) or 2 (pure unified host).
	Version() int
	// Placements lists the container's cgroups in every hierarchy (v1
	// hierarchies first, then the unified one).
	Placements() []*Placement
	// Unified is the placement in the cgroup2 hierarchy, nil without one.
	// Its InitDir is what CLONE_INTO_CGROUP or a cgroup namespace wants.
	Unified() *Placement

	// Create makes the monitor and payload cgroups in every hierarchy.
	// Stale cgroups of the same name (a crashed monitor) are emptied and
	// removed first. On error everything created is removed again.
	Create() error
	// CreateMonitor makes only the monitor cgroups (existing ones are
	// kept), for a monitor to be born in them (SpawnIntoMonitor).
	CreateMonitor() error
	// CreatePivot makes the pivot cgroups (SpawnIntoPivot).
	CreatePivot() error
	// Attach moves pid (a whole thread group) into the Init cgroup of
	// every hierarchy.
	Attach(pid int) error
	// AttachMonitor moves pid into the monitor cgroup of every hierarchy.
	AttachMonitor(pid int) error
	// ApplySettings writes Config.V1 (not on a pure v2 host) then
	// Config.V2 (when a cgroup2 hierarchy exists), except devices rules.
	// Errors name the key and the value. On a hybrid host a V2 file the
	// unified hierarchy lacks is skipped with a warning, as LXC does.
	ApplySettings() error
	// ApplyDevices writes v1 devices.allow/deny in order, and compiles v2
	// devices.allow/deny into a cgroup device eBPF program attached to the
	// unified payload.
	ApplyDevices() error

	// Get returns the raw contents of a payload cgroup file; v1 picks the
	// hierarchy from the key's controller prefix.
	Get(key string) (string, error)
	// Set writes a payload cgroup file (same lookup as Get).
	Set(key, value string) error

	// Freeze freezes the payload and waits until it is frozen.
	Freeze(timeout time.Duration) error
	// Thaw unfreezes the payload.
	Thaw() error
	// FreezerState is Thawed, Freezing or Frozen.
	FreezerState() (string, error)
	// Kill sends SIGKILL to every process of the payload (v2 cgroup.kill
	// when present). It does not wait.
	Kill() error

	// Stats reads usage counters of the payload.
	Stats() Stats

	// Destroy removes the payload (children first) and monitor cgroups in
	// every hierarchy. With kill, processes still inside are killed and
	// waited for. Missing cgroups are not an error, so Destroy is
	// idempotent. The calling process leaves the monitor cgroup for the
	// pivot cgroup first if it is inside it.
	Destroy(kill bool) error
	// DestroyPayload is Destroy for the payload cgroups only: a monitor
	// inside its monitor cgroup keeps that one until it has exited.
	DestroyPayload(kill bool) error
}

// New detects the host's hierarchies and returns the Manager for cfg.
func New(cfg Config) (Manager, error) {
	h, err := Detect()
	if err != nil {
		return nil, err
	}
	return h.NewManager(cfg)
}

// NewManager returns the Manager for cfg on this host. It computes paths
// only; nothing is created until Create.
func (h *Host) NewManager(cfg Config) (Manager, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(h.Hierarchies) == 0 {
		return nil, errors.New("no cgroup hierarchy mounted")
	}
	b := &base{cfg: cfg, host: h}
	for _, hi := range h.Hierarchies {
		p := cfg.place(hi)
		b.places = append(b.places, p)
		if hi.Version == 2 {
			b.unified = p
		}
	}
	if h.PureUnified() {
		return &v2Manager{b}, nil
	}
	return &v1Manager{b}, nil
}

// base holds what both implementations share.
type base struct {
	cfg     Config
	host    *Host
	places  []*Placement
	unified *Placement
}

func (b *base) Placements() []*Placement { return b.places }
func (b *base) Unified() *Placement      { return b.unified }

// legacy returns the v1 placement carrying controller c.
func (b *base) legacy(c string) *Placement {
	for _, p := range b.places {
		if p.Version == 1 && p.Has(c) {
			return p
		}
	}
	return nil
}

func (b *base) Create() (err error) {
	var created []string
	defer func() {
		if err != nil {
			for i := len(created) - 1; i >= 0; i-- {
				_ = unix.Rmdir(created[i])
			}
		}
	}()
	self := os.Getpid()
	b.killPayloads()
	for _, p := range b.places {
		// A stale monitor cgroup holding us (a reboot in the same
		// monitor) is reused; anything else stale is emptied and removed.
		if !cgroupHasPid(p.MonitorDir(), self) {
			if err := removeTree(p.MonitorDir(), true); err != nil {
				return fmt.Errorf("remove stale cgroup: %w", err)
			}
		}
		if err := removeTree(p.PayloadDir(), true); err != nil {
			return fmt.Errorf("remove stale cgroup: %w", err)
		}
		for _, cg := range []string{p.Monitor, p.Payload, p.Init} {
			if cg == p.Monitor && b.cfg.NoMonitor {
				continue
			}
			if err := b.mkdirChain(p, cg, &created); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *base) CreateMonitor() error {
	return b.createEach(func(p *Placement) string { return p.Monitor })
}

func (b *base) CreatePivot() error { return b.createEach(func(p *Placement) string { return p.Pivot }) }

// createEach makes cgroup which(p) in every hierarchy; on error the
// levels it made are removed again.
func (b *base) createEach(which func(*Placement) string) (err error) {
	var created []string
	defer func() {
		if err != nil {
			for i := len(created) - 1; i >= 0; i-- {
				_ = unix.Rmdir(created[i])
			}
		}
	}()
	for _, p := range b.places {
		if err := b.mkdirChain(p, which(p), &created); err != nil {
			return err
		}
	}
	return nil
}

// mkdirChain creates every missing level of cgroup cg, preparing each
// level so that tasks can be attached below it: v1 cpuset copies cpus/mems
// from the parent (a fresh cpuset is empty and refuses tasks); v2 enables
// the parent's controllers in its subtree_control where the kernel allows.
func (b *base) mkdirChain(p *Placement, cg string, created *[]string) error {
	parts := strings.Split(strings.Trim(cg, "/"), "/")
	cur := "/"
	for _, part := range parts {
		parent := p.Dir(cur)
		cur = cur + part + "/"
		dir := p.Dir(cur)
		if _, err := os.Stat(dir); err == nil {
			continue
		}
		if p.Version == 2 {
			enableControllers(parent)
		}
		if err := os.Mkdir(dir, 0o755); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return fmt.Errorf("create cgroup: %w", err)
		}
		*created = append(*created, dir)
		if p.Version == 1 && p.Has("cpuset") {
			if err := initCpuset(parent, dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// enableControllers writes "+c" for every controller available in dir into
// its cgroup.subtree_control. Failures are ignored: the root of a hybrid
// hierarchy has none, and a cgroup holding processes refuses (the v2
// "no internal processes" rule); limits on missing controllers then fail
// with a clear error when written.
func enableControllers(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return
	}
	for _, c := range strings.Fields(string(b)) {
		_ = writeFile(filepath.Join(dir, "cgroup.subtree_control"), "+"+c)
	}
}

// initCpuset copies cpuset.cpus and cpuset.mems from parent when the new
// cgroup's are empty, which is what clone_children would do without
// changing the flag on a cgroup we do not own.
func initCpuset(parent, dir string) error {
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		cur, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("initialise cpuset: %w", err)
		}
		if strings.TrimSpace(string(cur)) != "" {
			continue
		}
		v, err := os.ReadFile(filepath.Join(parent, f))
		if err != nil {
			return fmt.Errorf("initialise cpuset: %w", err)
		}
		if err := writeFile(filepath.Join(dir, f), strings.TrimSpace(string(v))); err != nil {
			return fmt.Errorf("initialise cpuset: %w", err)
		}
	}
	return nil
}

func (b *base) Attach(pid int) error {
	for _, p := range b.places {
		if err := writeFile(filepath.Join(p.InitDir(), "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("attach pid %d: %w", pid, err)
		}
	}
	return nil
}

func (b *base) AttachMonitor(pid int) error {
	for _, p := range b.places {
		if err := writeFile(filepath.Join(p.MonitorDir(), "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("attach monitor pid %d: %w", pid, err)
		}
	}
	return nil
}

func isDevicesKey(k string) bool { return k == "devices.allow" || k == "devices.deny" }

// applyV1 writes v1 settings; devices selects the devices.* keys or the rest.
func (b *base) applyV1(devices bool) error {
	if b.host.PureUnified() {
		return nil
	}
	for _, s := range orderV1(b.cfg.V1) {
		k, err := settingKey(s.Key)
		if err != nil {
			return fmt.Errorf("lxc.cgroup.%s = %q: %w", s.Key, s.Value, err)
		}
		if isDevicesKey(k) != devices {
			continue
		}
		ctrl, _, _ := strings.Cut(k, ".")
		p := b.legacy(ctrl)
		if p == nil {
			return fmt.Errorf("lxc.cgroup.%s = %q: no cgroup v1 hierarchy for controller %q", k, s.Value, ctrl)
		}
		if err := writeFile(filepath.Join(p.PayloadDir(), k), s.Value); err != nil {
			return fmt.Errorf("lxc.cgroup.%s = %q: %w", k, s.Value, err)
		}
	}
	return nil
}

func (b *base) ApplySettings() error {
	if err := b.applyV1(false); err != nil {
		return err
	}
	if b.unified == nil {
		return nil
	}
	for _, s := range b.cfg.V2 {
		k, err := settingKey(s.Key)
		if err != nil {
			return fmt.Errorf("lxc.cgroup2.%s = %q: %w", s.Key, s.Value, err)
		}
		if isDevicesKey(k) {
			continue
		}
		err = writeFile(filepath.Join(b.unified.PayloadDir(), k), s.Value)
		if errors.Is(err, fs.ErrNotExist) && !b.host.PureUnified() {
			// LXC 5.0 ignores cgroup2 limits on a legacy or hybrid host
			// ("Ignoring cgroup2 limits on legacy cgroup system"), so
			// configs written for v2 hosts still start here. A file the
			// unified hierarchy does have (cgroup.max.depth, ...) is
			// written, and a bad value there still fails.
			if b.cfg.Warnf != nil {
				b.cfg.Warnf("ignoring lxc.cgroup2.%s = %q: the controller is not in the unified hierarchy of this hybrid host", k, s.Value)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("lxc.cgroup2.%s = %q: %w", k, s.Value, err)
		}
	}
	return nil
}

func (b *base) ApplyDevices() error {
	if err := b.applyV1(true); err != nil {
		return err
	}
	if b.unified == nil {
		return nil
	}
	var rules []Setting
	for _, s := range b.cfg.V2 {
		if k, err := settingKey(s.Key); err == nil && isDevicesKey(k) {
			rules = append(rules, Setting{Key: k, Value: s.Value})
		}
	}
	if len(rules) == 0 {
		return nil
	}
	prog, err := CompileDeviceRules(rules)
	if err != nil {
		return err
	}
	if err := AttachDeviceProgram(b.unified.PayloadDir(), prog); err != nil {
		return fmt.Errorf("lxc.cgroup2.devices: %w", err)
	}
	return nil
}

// getSet implements Get and Set once a directory has been chosen.
func getFile(dir, key, k string) (string, error) {
	v, err := os.ReadFile(filepath.Join(dir, k))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w %q", ErrUnknownKey, key)
		}
		return "", fmt.Errorf("get %q: %w", key, err)
	}
	return string(v), nil
}

func setFile(dir, key, k, value string) error {
	if err := writeFile(filepath.Join(dir, k), value); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w %q", ErrUnknownKey, key)
		}
		return fmt.Errorf("set %q = %q: %w", key, value, err)
	}
	return nil
}

// freezeV1 writes FROZEN and polls freezer.state (LXC polls every second;
// we start at 1ms and grow to 10ms so a freeze returns as soon as the
// kernel is done).
func freezeV1(dir string, timeout time.Duration) error {
	f := filepath.Join(dir, "freezer.state")
	if err := writeFile(f, Frozen); err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	state := ""
	ok, err := pollUntil(timeout, func() (bool, error) {
		v, err := readSmall(f)
		if err != nil {
			return false, err
		}
		state = strings.TrimSpace(string(v))
		if state == Frozen {
			return true, nil
		}
		// Ask again while FREEZING. A task that was running when the
		// freeze was requested and then went to sleep where it never
		// checks for freezing (a vfork parent waiting for its frozen
		// child: busybox init does that all the time) keeps the cgroup
		// FREEZING forever; a new request freezes it where it sleeps.
		// LXC rewrites FROZEN once a second for the same reason.
		return false, writeFile(f, Frozen)
	})
	if err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	if !ok {
		return fmt.Errorf("freeze: %q still %s after %s", dir, state, timeout)
	}
	return nil
}

func thawV1(dir string) error {
	if err := writeFile(filepath.Join(dir, "freezer.state"), Thawed); err != nil {
		return fmt.Errorf("thaw: %w", err)
	}
	return nil
}

func stateV1(dir string) (string, error) {
	v, err := os.ReadFile(filepath.Join(dir, "freezer.state"))
	if err != nil {
		return "", fmt.Errorf("freezer state: %w", err)
	}
	return strings.TrimSpace(string(v)), nil
}

// freezeV2 writes cgroup.freeze and waits for "frozen want" in
// cgroup.events, woken by inotify (the kernel signals a modification of
// cgroup.events on every change).
func freezeV2(dir, want string, timeout time.Duration) error {
	if err := writeFile(filepath.Join(dir, "cgroup.freeze"), want); err != nil {
		return err
	}
	return waitEvent(dir, "frozen", want, timeout)
}

func stateV2(dir string) (string, error) {
	v, err := os.ReadFile(filepath.Join(dir, "cgroup.freeze"))
	if err != nil {
		return "", fmt.Errorf("freezer state: %w", err)
	}
	if strings.TrimSpace(string(v)) == "0" {
		return Thawed, nil
	}
	ev, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	if err != nil {
		return "", fmt.Errorf("freezer state: %w", err)
	}
	if flatKeyed(string(ev))["frozen"] == "1" {
		return Frozen, nil
	}
	return Freezing, nil
}

// waitEvent waits until cgroup.events in dir has "key want".
func waitEvent(dir, key, want string, timeout time.Duration) error {
	f := filepath.Join(dir, "cgroup.events")
	// Usually the freezer is done at once: answer without an inotify
	// instance, whose close waits for an SRCU grace period in the
	// kernel (fsnotify_destroy_group), 4-20 ms.
	if v, err := os.ReadFile(f); err != nil {
		return err
	} else if flatKeyed(string(v))[key] == want {
		return nil
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("inotify: %w", err)
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, f, unix.IN_MODIFY); err != nil {
		return fmt.Errorf("watch %q: %w", f, err)
	}
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 4096)
	for {
		v, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if flatKeyed(string(v))[key] == want {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("%q: %s did not become %s within %s", f, key, want, timeout)
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, int(left/time.Millisecond)+1); err != nil && err != unix.EINTR {
			return fmt.Errorf("poll inotify: %w", err)
		}
		for {
			if _, err := unix.Read(fd, buf); err != nil {
				break
			}
		}
	}
}

// killTree sends SIGKILL to every process in dir and its descendants,
// sparing the caller, and uses cgroup.kill when the kernel has it (v2,
// Linux 5.14) because it also catches processes forking meanwhile.
func killTree(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err == nil && !cgroupHasPid(dir, os.Getpid()) {
		if err := writeFile(filepath.Join(dir, "cgroup.kill"), "1"); err != nil {
			return fmt.Errorf("kill: %w", err)
		}
	}
	self := os.Getpid()
	pids, err := treePids(dir)
	if err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	for _, pid := range pids {
		if pid != self {
			if err := unix.Kill(pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
				return fmt.Errorf("kill pid %d: %w", pid, err)
			}
		}
	}
	return nil
}

// treePids lists cgroup.procs of dir and all its descendants.
func treePids(dir string) ([]int, error) {
	var pids []int
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		ps, err := readPids(filepath.Join(p, "cgroup.procs"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		pids = append(pids, ps...)
		return nil
	})
	return pids, err
}

func readPids(file string) ([]int, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

func cgroupHasPid(dir string, pid int) bool {
	pids, _ := readPids(filepath.Join(dir, "cgroup.procs"))
	for _, p := range pids {
		if p == pid {
			return true
		}
	}
	return false
}

// removeTree removes cgroup dir and its descendants, deepest first. With
// kill, processes found inside are killed and waited for (up to 10s).
// A missing dir is not an error.
func removeTree(dir string, kill bool) error {
	// Fast path, the usual case at stop: an empty cgroup without
	// children goes with one rmdir. The kernel refuses (EBUSY) while a
	// task or a child cgroup is inside, so nothing is skipped.
	if err := unix.Rmdir(dir); err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if kill {
		if err := killTree(dir); err != nil {
			return err
		}
		self := os.Getpid()
		ok, err := pollUntil(10*time.Second, func() (bool, error) {
			pids, err := treePids(dir)
			if err != nil {
				return false, err
			}
			for _, p := range pids {
				if p != self {
					_ = unix.Kill(p, unix.SIGKILL)
					return false, nil
				}
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("cgroup %q: processes did not exit", dir)
		}
	}
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := rmdirCgroup(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

// rmdirCgroup removes one cgroup directory. On a cgroup filesystem the
// control files vanish with rmdir; on anything else (the fake trees of the
// tests) the regular files are removed first.
func rmdirCgroup(dir string) error {
	err := unix.Rmdir(dir)
	if err == nil || err == unix.ENOENT {
		return nil
	}
	if err == unix.ENOTEMPTY {
		var st unix.Statfs_t
		if unix.Statfs(dir, &st) == nil && st.Type != unix.CGROUP_SUPER_MAGIC && st.Type != unix.CGROUP2_SUPER_MAGIC {
			return os.RemoveAll(dir)
		}
	}
	// rmdir right after the last task exited can see EBUSY briefly; with
	// tasks still listed it will not get better.
	if pids, _ := readPids(filepath.Join(dir, "cgroup.procs")); err == unix.EBUSY && len(pids) == 0 {
		ok, _ := pollUntil(time.Second, func() (bool, error) {
			e := unix.Rmdir(dir)
			return e == nil || e == unix.ENOENT, nil
		})
		if ok {
			return nil
		}
	}
	return fmt.Errorf("remove cgroup %q: %w", dir, err)
}

func (b *base) Destroy(kill bool) error {
	var errs []error
	self := os.Getpid()
	for _, p := range b.places {
		if cgroupHasPid(p.MonitorDir(), self) {
			pivot := p.PivotDir()
			var created []string
			if err := b.mkdirChain(p, p.Pivot, &created); err != nil {
				errs = append(errs, err)
				continue
			}
			if err := writeFile(filepath.Join(pivot, "cgroup.procs"), strconv.Itoa(self)); err != nil {
				errs = append(errs, fmt.Errorf("leave monitor cgroup: %w", err))
				continue
			}
		}
	}
	if err := b.DestroyPayload(kill); err != nil {
		errs = append(errs, err)
	}
	for _, p := range b.places {
		if err := removeTree(p.MonitorDir(), kill); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (b *base) DestroyPayload(kill bool) error {
	if kill && !b.payloadsGone() {
		b.killPayloads()
	}
	var errs []error
	for _, p := range b.places {
		if err := removeTree(p.PayloadDir(), kill); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// payloadsGone removes every payload cgroup that is empty with a single
// rmdir each and reports whether none is left. That is the usual case at
// stop: the container's pid namespace died with its init, and the kernel
// killed everything in it. Reading every cgroup.procs to kill processes
// first would cost more than the whole teardown otherwise does.
func (b *base) payloadsGone() bool {
	gone := true
	for _, p := range b.places {
		if err := unix.Rmdir(p.PayloadDir()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			gone = false
		}
	}
	return gone
}

// killPayloads sends SIGKILL to every process of the payload in every
// hierarchy, then thaws the payload everywhere. The order matters: a task
// frozen by the v1 freezer does not act on SIGKILL until it is thawed, and
// removeTree waits per hierarchy, so a frozen payload (a monitor killed
// while the container was frozen) must be thawed before any waiting; the
// kill comes first so that thawed tasks die before running user code.
func (b *base) killPayloads() {
	for _, p := range b.places {
		_ = killTree(p.PayloadDir())
	}
	for _, p := range b.places {
		thawDir(p.PayloadDir())
	}
}

// thawDir unfreezes cgroup dir where it has a freezer (v1 freezer.state,
// v2 cgroup.freeze); a missing cgroup or freezer is not an error.
func thawDir(dir string) {
	if _, err := os.Stat(filepath.Join(dir, "freezer.state")); err == nil {
		_ = writeFile(filepath.Join(dir, "freezer.state"), Thawed)
	}
	if _, err := os.Stat(filepath.Join(dir, "cgroup.freeze")); err == nil {
		_ = writeFile(filepath.Join(dir, "cgroup.freeze"), "0")
	}
}

// pollUntil calls f with sleeps growing from 100µs to 10ms until it
// returns true, an error, or timeout passes. The short first sleeps matter:
// a v1 freeze usually reads FREEZING once and FROZEN a few hundred
// microseconds later, and killed tasks leave a cgroup about as fast.
func pollUntil(timeout time.Duration, f func() (bool, error)) (bool, error) {
	deadline := time.Now().Add(timeout)
	d := 100 * time.Microsecond
	for {
		ok, err := f()
		if err != nil || ok {
			return ok, err
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		time.Sleep(d)
		if d < 10*time.Millisecond {
			d *= 2
			if d > 10*time.Millisecond {
				d = 10 * time.Millisecond
			}
		}
	}
}

// readSmall reads a cgroup file of a few bytes (freezer.state) with one
// read(2) and plain system calls (see writeFile).
func readSmall(file string) ([]byte, error) {
	fd, err := unix.Open(file, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: file, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 64)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return nil, &os.PathError{Op: "read", Path: file, Err: err}
	}
	return buf[:n], nil
}

// writeFile writes value to an existing cgroup file in one write(2), as the
// kernel parses each write separately. The path is in the error.
func writeFile(file, value string) error {
	// Plain system calls: os.OpenFile would also register the cgroup
	// file with the runtime's poller (kernfs files are pollable) and
	// remove it again, four calls more per write.
	fd, err := unix.Open(file, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(file, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: file, Err: err}
	}
	var n int
	for {
		n, err = unix.Write(fd, []byte(value))
		if err != unix.EINTR {
			break
		}
	}
	cerr := unix.Close(fd)
	switch {
	case err != nil:
		return &os.PathError{Op: "write", Path: file, Err: err}
	case n < len(value):
		return &os.PathError{Op: "write", Path: file, Err: io.ErrShortWrite}
	case cerr != nil:
		return &os.PathError{Op: "close", Path: file, Err: cerr}
	}
	return nil
}
