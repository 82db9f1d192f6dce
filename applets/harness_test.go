package applets

// Shared harness of the integration tests: they run our built binary by
// its path (never an lxc-* name through PATH, where real LXC may live),
// each in a private lxcpath with a private system config, and clean up
// after themselves even when they fail.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// lxcBin is our binary: $LXC_BINARY, or built once by TestMain.
var lxcBin string

func TestMain(m *testing.M) {
	flag.Parse()
	lxcBin = os.Getenv("LXC_BINARY")
	var tmp string
	if lxcBin == "" && !testing.Short() {
		var err error
		tmp, err = os.MkdirTemp("", "lxc-bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		lxcBin = filepath.Join(tmp, "lxc")
		cmd := exec.Command("go", "build", "-o", lxcBin, "github.com/lxc-go/lxc")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building lxc:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	if toolsConfigDir != "" {
		os.RemoveAll(toolsConfigDir)
	}
	os.Exit(code)
}

// requireRoot skips a test that needs root, except in CI (CI=true), where
// tests run as root and a skip would hide a broken test.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("integration test needs root, and CI runs as root")
		}
		t.Skip("needs root")
	}
	if testing.Short() {
		t.Skip("integration test skipped in -short mode")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("busybox-static is not installed")
		}
		t.Skip("needs /bin/busybox (busybox-static)")
	}
}

var nameSeq atomic.Int64

// uniqueName returns a container name unique in this test run.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s%d-%d", prefix, os.Getpid()%10000, nameSeq.Add(1))
}

// testEnv is a private lxcpath with its own system config whose
// lxc.default_config gives containers an empty network (never the host's
// /etc/lxc/default.conf and its lxcbr0).
type testEnv struct {
	t        *testing.T
	P        string // lxcpath
	SysConf  string
	Default  string // the default container config
	ExtraEnv []string
}

// newEnv makes a test environment and registers its cleanup: every
// container in it is killed (by the pids its records name), its cgroups
// and the directory removed.
func newEnv(t *testing.T) *testEnv {
	t.Helper()
	dir := t.TempDir()
	e := &testEnv{t: t, P: filepath.Join(dir, "lxcpath"), SysConf: filepath.Join(dir, "lxc.conf"),
		Default: filepath.Join(dir, "default.conf")}
	if err := os.MkdirAll(e.P, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, e.Default, "lxc.net.0.type = empty\n")
	writeFile(t, e.SysConf, fmt.Sprintf("lxc.lxcpath = %s\nlxc.default_config = %s\n", e.P, e.Default))
	t.Cleanup(e.cleanup)
	return e
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// result of one run of our binary.
type result struct {
	Stdout, Stderr string
	RC             int
}

func (r result) String() string {
	return fmt.Sprintf("rc=%d stdout=%q stderr=%q", r.RC, r.Stdout, r.Stderr)
}

// runLXC runs our binary with args (e.g. "info", "-n", "c") in the env,
// with a time limit so a hang fails the test instead of CI.
func (e *testEnv) runLXC(stdin string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(lxcBin, args...)
	cmd.Env = append(append(os.Environ(), "_LXC_SYSTEM_CONFIG="+e.SysConf), e.ExtraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("running %v: %v", args, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		e.t.Fatalf("lxc %v hung; stderr so far: %s", args, errb.String())
	}
	return result{Stdout: out.String(), Stderr: errb.String(), RC: cmd.ProcessState.ExitCode()}
}

// lxc runs tool with "-P lxcpath" prepended to args.
func (e *testEnv) lxc(tool string, args ...string) result {
	e.t.Helper()
	return e.runLXC("", append([]string{tool, "-P", e.P}, args...)...)
}

// must runs tool and fails the test on a non-zero exit.
func (e *testEnv) must(tool string, args ...string) result {
	e.t.Helper()
	r := e.lxc(tool, args...)
	if r.RC != 0 {
		e.t.Fatalf("lxc-%s %v: %v", tool, args, r)
	}
	return r
}

// createBusybox creates a busybox container with extra config lines.
func (e *testEnv) createBusybox(name string, extraConfig ...string) {
	e.t.Helper()
	args := []string{"-n", name, "-t", "busybox"}
	if len(extraConfig) > 0 {
		f := filepath.Join(e.t.TempDir(), "extra.conf")
		writeFile(e.t, f, strings.Join(extraConfig, "\n")+"\n")
		args = append(args, "-f", f)
	}
	e.must("create", args...)
}

// record is the part of a container's state.json the harness reads.
type record struct {
	Running      bool   `json:"running"`
	MonitorPID   int    `json:"monitor_pid"`
	MonitorStart uint64 `json:"monitor_start"`
	InitPID      int    `json:"init_pid"`
	InitStart    uint64 `json:"init_start"`
}

func (e *testEnv) record(name string) record {
	var r record
	b, err := os.ReadFile(filepath.Join(e.P, name, "state.json"))
	if err == nil {
		_ = json.Unmarshal(b, &r)
	}
	return r
}

// startTime is field 22 of /proc/PID/stat.
func startTime(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v
}

// killRecorded SIGKILLs a pid from a record only if it is still the same
// process (same start time), never a reused pid.
func killRecorded(pid int, start uint64) {
	if pid > 0 && start != 0 && startTime(pid) == start {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// cleanup kills and destroys every container of the env.
func (e *testEnv) cleanup() {
	ents, _ := os.ReadDir(e.P)
	for _, d := range ents {
		if !d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			continue
		}
		name := d.Name()
		e.runLXC("", "stop", "-P", e.P, "-n", name, "-k")
		r := e.record(name)
		killRecorded(r.InitPID, r.InitStart)
		killRecorded(r.MonitorPID, r.MonitorStart)
		e.runLXC("", "destroy", "-P", e.P, "-n", name, "-f")
		// Cgroups of a container that never had a config.
		for _, h := range []string{"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd", "unified"} {
			for _, kind := range []string{"lxc.payload.", "lxc.monitor."} {
				_ = os.Remove(filepath.Join("/sys/fs/cgroup", h, kind+name))
			}
		}
	}
}

// waitFor polls cond until it is true or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// payloadCgroups lists the lxc.payload.NAME and lxc.monitor.NAME dirs
// that exist in any hierarchy.
func payloadCgroups(name string) []string {
	var found []string
	roots, _ := filepath.Glob("/sys/fs/cgroup/*")
	roots = append(roots, "/sys/fs/cgroup")
	for _, r := range roots {
		for _, kind := range []string{"lxc.payload.", "lxc.monitor."} {
			p := filepath.Join(r, kind+name)
			if _, err := os.Stat(p); err == nil {
				found = append(found, p)
			}
		}
	}
	return found
}

// TestHarnessSmoke checks the harness itself: a busybox container can be
// created, executed in and destroyed.
func TestHarnessSmoke(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("smoke")
	e.createBusybox(name)
	r := e.lxc("execute", "-n", name, "--", "/bin/echo", "hello")
	if r.RC != 0 || r.Stdout != "hello\n" {
		t.Fatalf("execute: %v", r)
	}
	e.must("destroy", "-n", name)
	if _, err := os.Stat(filepath.Join(e.P, name)); !os.IsNotExist(err) {
		t.Fatalf("container dir still exists after destroy: %v", err)
	}
}
