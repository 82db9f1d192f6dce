package cgroupfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// requireRoot skips a test that needs root, but fails it under CI=true,
// where a skip would hide a broken test.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("root integration test run without root under CI=true")
		}
		t.Skip("needs root")
	}
}

func uniqueName(t *testing.T) string {
	return fmt.Sprintf("cgfs-%d-%d", os.Getpid(), time.Now().UnixNano()%1e9)
}

// startOwned starts a process the test owns and kills it at cleanup.
func startOwned(t *testing.T, cmd *exec.Cmd) *exec.Cmd {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// cleanupCgroups removes, deepest first, only the cgroups this manager
// names, whatever state the test left them in. It is registered before
// Create so that it also runs after a failure.
func cleanupCgroups(t *testing.T, m Manager) {
	t.Cleanup(func() {
		if err := m.Destroy(true); err != nil {
			t.Errorf("cleanup destroy: %v", err)
		}
		for _, p := range m.Placements() {
			for _, d := range []string{p.InitDir(), p.PayloadDir(), p.MonitorDir()} {
				_ = syscall.Rmdir(d)
			}
		}
	})
}

func procCgroup(t *testing.T, pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRealHierarchies(t *testing.T) {
	requireRoot(t)
	host, err := Detect()
	if err != nil {
		t.Fatal(err)
	}
	if len(host.Hierarchies) == 0 {
		t.Skip("no cgroup hierarchy mounted")
	}
	name := uniqueName(t)
	cfg := Config{Name: name}
	if !host.PureUnified() {
		cfg.V1 = []Setting{{"memory.limit_in_bytes", "67108864"}, {"pids.max", "100"}}
	} else {
		cfg.V2 = []Setting{{"pids.max", "100"}}
	}
	m, err := host.NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cleanupCgroups(t, m)
	if err := m.Create(); err != nil {
		t.Fatalf("create: %v", err)
	}
	for _, p := range m.Placements() {
		for _, d := range []string{p.PayloadDir(), p.MonitorDir()} {
			if _, err := os.Stat(d); err != nil {
				t.Errorf("after create: %v", err)
			}
		}
	}

	payload := startOwned(t, exec.Command("sleep", "100"))
	monitor := startOwned(t, exec.Command("sleep", "100"))
	if err := m.Attach(payload.Process.Pid); err != nil {
		t.Fatalf("attach: %v", err)
	}
	if err := m.AttachMonitor(monitor.Process.Pid); err != nil {
		t.Fatalf("attach monitor: %v", err)
	}
	cg := procCgroup(t, payload.Process.Pid)
	for _, line := range strings.Split(strings.TrimSpace(cg), "\n") {
		if !strings.HasSuffix(line, "/lxc.payload."+name) {
			t.Errorf("payload not attached everywhere: %q", line)
		}
	}
	if !strings.Contains(procCgroup(t, monitor.Process.Pid), "/lxc.monitor."+name) {
		t.Errorf("monitor not attached")
	}

	if err := m.ApplySettings(); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if !host.PureUnified() {
		if v, err := m.Get("memory.limit_in_bytes"); err != nil || v != "67108864\n" {
			t.Errorf("memory.limit_in_bytes = %q, %v", v, err)
		}
		if _, err := m.Get("cgroup.procs"); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("v1 Get(cgroup.procs) = %v, want ErrUnknownKey", err)
		}
	}
	if v, err := m.Get("pids.max"); err != nil || v != "100\n" {
		t.Errorf("pids.max = %q, %v", v, err)
	}
	if err := m.Set("pids.max", "bogus"); err == nil || !strings.Contains(err.Error(), `"bogus"`) || !strings.Contains(err.Error(), "pids.max") {
		t.Errorf("bad Set error = %v", err)
	}
	if err := m.Set("pids.max", "50"); err != nil {
		t.Errorf("set: %v", err)
	}
	if _, err := m.Get("bogus.key"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Get(bogus.key) = %v, want ErrUnknownKey", err)
	}

	start := time.Now()
	if err := m.Freeze(5 * time.Second); err != nil {
		t.Fatalf("freeze: %v", err)
	}
	t.Logf("freeze took %v", time.Since(start))
	if s, err := m.FreezerState(); err != nil || s != Frozen {
		t.Errorf("state after freeze = %q, %v", s, err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatalf("thaw: %v", err)
	}
	if s, err := m.FreezerState(); err != nil || s != Thawed {
		t.Errorf("state after thaw = %q, %v", s, err)
	}

	st := m.Stats()
	if !st.CPUNanos.OK || !st.Memory.OK || !st.CPUUser.OK {
		t.Errorf("stats not readable: %+v", st)
	}
	t.Logf("stats: %+v", st)

	if err := m.Destroy(true); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	for _, p := range m.Placements() {
		for _, d := range []string{p.PayloadDir(), p.MonitorDir()} {
			if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("after destroy %q: %v", d, err)
			}
		}
	}
	if err := m.Destroy(true); err != nil {
		t.Errorf("second destroy: %v", err)
	}
}

// TestRealStaleReuse simulates a crashed monitor: the cgroups exist with a
// process inside; Create must empty and recreate them, not add "-1".
func TestRealStaleReuse(t *testing.T) {
	requireRoot(t)
	m, err := New(Config{Name: uniqueName(t)})
	if err != nil {
		t.Fatal(err)
	}
	cleanupCgroups(t, m)
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	p := startOwned(t, exec.Command("sleep", "100"))
	if err := m.Attach(p.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Create(); err != nil {
		t.Fatalf("create over stale: %v", err)
	}
	if err := p.Wait(); err == nil {
		t.Errorf("stale process not killed")
	}
	entries, _ := filepath.Glob(m.Placements()[0].PayloadDir() + "-*")
	if len(entries) != 0 {
		t.Errorf("suffixed cgroups created: %v", entries)
	}
}

func TestRealDeviceProgram(t *testing.T) {
	requireRoot(t)
	host, err := Detect()
	if err != nil {
		t.Fatal(err)
	}
	if host.Unified() == nil {
		t.Skip("no cgroup2 hierarchy")
	}
	m, err := host.NewManager(Config{
		Name:              uniqueName(t),
		DirContainerInner: "inner",
		V2: []Setting{
			{"devices.allow", "a"},
			{"devices.deny", "c 1:3 rwm"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cleanupCgroups(t, m)
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	if err := m.ApplyDevices(); err != nil {
		t.Fatalf("kernel refused the device program: %v", err)
	}
	dir, err := os.Open(m.Unified().InitDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	var stderr bytes.Buffer
	cmd := exec.Command("/bin/sh", "-c", "exec 3</dev/zero || exit 3; exec 4</dev/null")
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(dir.Fd())}
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child in device-restricted cgroup: err = %v (stderr %q), want /dev/null refused", err, stderr.String())
	}
	if ee.ExitCode() == 3 {
		t.Fatalf("/dev/zero refused too: %q", stderr.String())
	}
	if !strings.Contains(stderr.String(), "ermission denied") && !strings.Contains(stderr.String(), "not permitted") {
		t.Errorf("stderr = %q, want EPERM", stderr.String())
	}
	t.Logf("child: %v: %s", err, strings.TrimSpace(stderr.String()))
	// The test process itself is outside and keeps access.
	f, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestRealKillAndBusyDestroy(t *testing.T) {
	requireRoot(t)
	m, err := New(Config{Name: uniqueName(t)})
	if err != nil {
		t.Fatal(err)
	}
	cleanupCgroups(t, m)
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	p := startOwned(t, exec.Command("sleep", "100"))
	if err := m.Attach(p.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(false); err == nil {
		t.Error("destroy without kill succeeded with a task inside")
	}
	if err := m.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	if err := p.Wait(); err == nil {
		t.Error("process survived Kill")
	}
	if err := m.Destroy(false); err != nil {
		t.Errorf("destroy after kill: %v", err)
	}
}
