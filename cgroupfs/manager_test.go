package cgroupfs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPlacement(t *testing.T) {
	h := &Hierarchy{Version: 1, Root: "/", Current: "/user/session"}
	tests := []struct {
		name                          string
		cfg                           Config
		payload, init, monitor, pivot string
	}{
		{"root", Config{Name: "c1"}, "/lxc.payload.c1", "/lxc.payload.c1", "/lxc.monitor.c1", "/lxc.pivot"},
		{"relative", Config{Name: "c1", Relative: true}, "/user/session/lxc.payload.c1", "/user/session/lxc.payload.c1", "/user/session/lxc.monitor.c1", "/user/session/lxc.pivot"},
		{"dir", Config{Name: "c1", Dir: "lxc/x"}, "/lxc/x/lxc.payload.c1", "/lxc/x/lxc.payload.c1", "/lxc/x/lxc.monitor.c1", "/lxc.pivot"},
		{"container+monitor dirs", Config{Name: "c1", DirContainer: "ct/c1", DirMonitor: "mon/c1", DirMonitorPivot: "piv", DirContainerInner: "inner"},
			"/ct/c1", "/ct/c1/inner", "/mon/c1", "/piv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.validate(); err != nil {
				t.Fatal(err)
			}
			p := tt.cfg.place(h)
			got := []string{p.Payload, p.Init, p.Monitor, p.Pivot}
			want := []string{tt.payload, tt.init, tt.monitor, tt.pivot}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	// A mount rooted at a sub-cgroup (cgroup namespace, bind mount).
	p := (&Config{Name: "c", Relative: true}).place(&Hierarchy{Root: "/user", Current: "/user/session"})
	if p.Payload != "/session/lxc.payload.c" {
		t.Errorf("mount root not stripped: %q", p.Payload)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Name: ""}, "invalid container name"},
		{Config{Name: "a/b"}, "invalid container name"},
		{Config{Name: ".."}, "invalid container name"},
		{Config{Name: "c", Dir: "../x"}, `lxc.cgroup.dir = "../x": must not contain ".."`},
		{Config{Name: "c", Dir: "/"}, "must name a cgroup"},
		{Config{Name: "c", DirContainer: "x"}, "must be set together"},
		{Config{Name: "c", Dir: "d", DirContainer: "x", DirMonitor: "y"}, "conflicts"},
		{Config{Name: "c", DirContainerInner: "a/../../b"}, `lxc.cgroup.dir.container.inner`},
	}
	for _, tt := range tests {
		err := tt.cfg.validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func TestOrderV1(t *testing.T) {
	in := []Setting{
		{"memory.memsw.limit_in_bytes", "2G"},
		{"cpu.shares", "512"},
		{"memory.limit_in_bytes", "1G"},
		{"pids.max", "10"},
	}
	want := []Setting{
		{"cpu.shares", "512"},
		{"memory.limit_in_bytes", "1G"},
		{"memory.memsw.limit_in_bytes", "2G"},
		{"pids.max", "10"},
	}
	if got := orderV1(in); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Already in order: unchanged.
	if got := orderV1(want); !reflect.DeepEqual(got, want) {
		t.Errorf("reordered an ordered list: %v", got)
	}
}

// touch creates cgroup files in a fake cgroup directory.
func touch(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func read(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFakeHybridLifecycle(t *testing.T) {
	h, root := fakeHost(t, hybridMountinfo, hybridSelf)
	touch(t, filepath.Join(root, "/sys/fs/cgroup/cpuset"), map[string]string{"cpuset.cpus": "0-1\n", "cpuset.mems": "0\n"})
	m, err := h.NewManager(Config{
		Name: "c1",
		V1: []Setting{
			{"lxc.cgroup.memory.memsw.limit_in_bytes", "2G"},
			{"memory.limit_in_bytes", "1G"},
			{"devices.deny", "a"},
			{"devices.allow", "c 1:3 rwm"},
		},
		V2: []Setting{{"pids.max", "5"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	mem := filepath.Join(root, "/sys/fs/cgroup/memory/lxc.payload.c1")
	uni := filepath.Join(root, "/sys/fs/cgroup/unified/lxc.payload.c1")
	for _, d := range []string{mem, uni, filepath.Join(root, "/sys/fs/cgroup/systemd/lxc.monitor.c1")} {
		if _, err := os.Stat(d); err != nil {
			t.Fatalf("not created: %v", err)
		}
	}
	if m.Unified().InitDir() != uni {
		t.Errorf("unified init dir %q", m.Unified().InitDir())
	}

	// Missing control files: the error names key, value and file.
	err = m.ApplySettings()
	if err == nil || !strings.HasPrefix(err.Error(), `lxc.cgroup.memory.limit_in_bytes = "1G": open `) {
		t.Fatalf("err = %v", err)
	}
	touch(t, mem, map[string]string{"memory.limit_in_bytes": "", "memory.memsw.limit_in_bytes": "", "memory.usage_in_bytes": "4096\n"})
	// A cgroup2 file the hybrid unified hierarchy lacks is skipped, as
	// LXC ignores cgroup2 limits there.
	if err := m.ApplySettings(); err != nil {
		t.Fatalf("missing cgroup2 file on hybrid: %v", err)
	}
	touch(t, uni, map[string]string{"pids.max": ""})
	if err := m.ApplySettings(); err != nil {
		t.Fatal(err)
	}
	if read(t, filepath.Join(mem, "memory.limit_in_bytes")) != "1G" || read(t, filepath.Join(uni, "pids.max")) != "5" {
		t.Error("settings not written")
	}
	dev := filepath.Join(root, "/sys/fs/cgroup/devices/lxc.payload.c1")
	touch(t, dev, map[string]string{"devices.allow": "", "devices.deny": ""})
	if err := m.ApplyDevices(); err != nil {
		t.Fatal(err)
	}
	if read(t, filepath.Join(dev, "devices.deny")) != "a" || read(t, filepath.Join(dev, "devices.allow")) != "c 1:3 rwm" {
		t.Error("device rules not written")
	}

	// Get/Set pick the hierarchy from the key.
	if v, err := m.Get("memory.usage_in_bytes"); err != nil || v != "4096\n" {
		t.Errorf("Get = %q, %v", v, err)
	}
	if err := m.Set("memory.limit_in_bytes", "2G"); err != nil || read(t, filepath.Join(mem, "memory.limit_in_bytes")) != "2G" {
		t.Errorf("Set: %v", err)
	}
	for _, k := range []string{"cgroup.procs", "bogus.x", "memory.nope", "../memory.limit_in_bytes"} {
		if _, err := m.Get(k); err == nil {
			t.Errorf("Get(%q) succeeded", k)
		}
	}
	if _, err := m.Get("cgroup.procs"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Get(cgroup.procs) = %v, want ErrUnknownKey", err)
	}

	// v1 freezer: a fake freezer.state reads back at once.
	fr := filepath.Join(root, "/sys/fs/cgroup/freezer/lxc.payload.c1")
	touch(t, fr, map[string]string{"freezer.state": "THAWED\n"})
	if err := m.Freeze(time.Second); err != nil {
		t.Fatal(err)
	}
	if s, _ := m.FreezerState(); s != Frozen {
		t.Errorf("state %q", s)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}

	st := m.Stats()
	if !st.Memory.OK || st.Memory.Value != 4096 || st.KMem.OK || st.CPUNanos.OK {
		t.Errorf("stats %+v", st)
	}

	for i := 0; i < 2; i++ {
		if err := m.Destroy(false); err != nil {
			t.Fatalf("destroy %d: %v", i, err)
		}
	}
	for _, p := range m.Placements() {
		for _, d := range []string{p.PayloadDir(), p.MonitorDir()} {
			if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("left behind: %q", d)
			}
		}
	}
	// A fresh manager (after a crash) destroys from the config alone.
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	m2, _ := h.NewManager(Config{Name: "c1"})
	if err := m2.Destroy(true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mem); !errors.Is(err, os.ErrNotExist) {
		t.Error("crash destroy left payload")
	}
}

func TestFakeCreateUndo(t *testing.T) {
	h, root := fakeHost(t, hybridMountinfo, hybridSelf)
	// A file where the pids payload would go makes Create fail midway.
	if err := os.WriteFile(filepath.Join(root, "/sys/fs/cgroup/pids/x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := h.NewManager(Config{Name: "c1", Dir: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err == nil {
		t.Fatal("create succeeded")
	}
	for _, p := range m.Placements() {
		if _, err := os.Stat(p.Dir("/x")); err == nil && p.Version == 1 && !p.Has("pids") {
			t.Errorf("not undone: %q", p.Dir("/x"))
		}
	}
}

func TestFakeUnifiedFreezeAndStats(t *testing.T) {
	h, root := fakeHost(t, unifiedMountinfo, "0::/\n")
	m, err := h.NewManager(Config{Name: "c2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "/sys/fs/cgroup/lxc.payload.c2")
	touch(t, dir, map[string]string{
		"cgroup.freeze":       "0\n",
		"cgroup.events":       "populated 1\nfrozen 0\n",
		"cpu.stat":            "usage_usec 1500\nuser_usec 120000\nsystem_usec 30000\n",
		"io.stat":             "8:0 rbytes=100 wbytes=20 rios=3 wios=4 dbytes=0 dios=0\n8:16 rbytes=1 wbytes=1 rios=1 wios=1\n",
		"memory.current":      "1000\n",
		"memory.swap.current": "24\n",
		"memory.stat":         "anon 1\nkernel_stack 16\nslab 8\n",
	})
	// The kernel flips "frozen" asynchronously; Freeze must wake on the
	// cgroup.events change, not on a timer.
	go func() {
		time.Sleep(50 * time.Millisecond)
		os.WriteFile(filepath.Join(dir, "cgroup.events"), []byte("populated 1\nfrozen 1\n"), 0o644)
	}()
	start := time.Now()
	if err := m.Freeze(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("freeze took %v", d)
	}
	if s, _ := m.FreezerState(); s != Frozen {
		t.Errorf("state %q", s)
	}
	os.WriteFile(filepath.Join(dir, "cgroup.events"), []byte("populated 1\nfrozen 1\n"), 0o644)
	if err := m.Freeze(20 * time.Millisecond); err != nil {
		t.Errorf("already frozen: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "cgroup.events"), []byte("populated 1\nfrozen 0\n"), 0o644)
	if s, _ := m.FreezerState(); s != Freezing {
		t.Errorf("state %q, want FREEZING", s)
	}
	if err := m.Freeze(20 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "frozen did not become 1") {
		t.Errorf("timeout err = %v", err)
	}
	want := Stats{
		CPUNanos: Stat{1500000, true}, CPUUser: Stat{12, true}, CPUSystem: Stat{3, true},
		BlkioBytes: Stat{122, true}, BlkioIOPS: Stat{9, true},
		Memory: Stat{1000, true}, MemSwap: Stat{1024, true}, KMem: Stat{24, true},
	}
	if got := m.Stats(); got != want {
		t.Errorf("stats\n got %+v\nwant %+v", got, want)
	}
	touch(t, dir, map[string]string{"memory.stat": "kernel 77\nkernel_stack 16\nslab 8\n"})
	if got := m.Stats().KMem; got != (Stat{77, true}) {
		t.Errorf("kmem %+v", got)
	}
	// v2 Get reads any file of the payload.
	if v, err := m.Get("lxc.cgroup2.memory.current"); err != nil || v != "1000\n" {
		t.Errorf("Get = %q, %v", v, err)
	}
	if err := m.Destroy(true); err != nil {
		t.Fatal(err)
	}
}

func TestV1StatsParsing(t *testing.T) {
	h, root := fakeHost(t, hybridMountinfo, hybridSelf)
	m, _ := h.NewManager(Config{Name: "s"})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	cg := func(c string) string { return filepath.Join(root, "/sys/fs/cgroup", c, "lxc.payload.s") }
	touch(t, cg("cpuacct"), map[string]string{"cpuacct.usage": "6728120\n", "cpuacct.stat": "user 5\nsystem 7\n"})
	touch(t, cg("blkio"), map[string]string{
		"blkio.throttle.io_service_bytes": "8:0 Read 4096\n8:0 Write 0\n8:0 Total 4096\nTotal 4096\n",
		"blkio.throttle.io_serviced":      "Total 0\n",
	})
	touch(t, cg("memory"), map[string]string{"memory.usage_in_bytes": "995328\n", "memory.memsw.usage_in_bytes": "1000000\n", "memory.kmem.usage_in_bytes": "385024\n"})
	want := Stats{
		CPUNanos: Stat{6728120, true}, CPUUser: Stat{5, true}, CPUSystem: Stat{7, true},
		BlkioBytes: Stat{4096, true}, BlkioIOPS: Stat{0, true},
		Memory: Stat{995328, true}, MemSwap: Stat{1000000, true}, KMem: Stat{385024, true},
	}
	if got := m.Stats(); got != want {
		t.Errorf("stats\n got %+v\nwant %+v", got, want)
	}
	if got := blkioTotal("8:0 Total 10\n8:16 Total 5\n"); got != (Stat{15, true}) {
		t.Errorf("per-device sum %+v", got)
	}
}
