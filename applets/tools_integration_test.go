package applets

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// toolsConfigDir holds the private system config; TestMain removes it.
var toolsConfigDir string

// The tools tests run the applets in-process through run(), with a
// private system config so the host's /etc/lxc/default.conf (a veth on a
// bridge that may not exist) is never used.
func init() {
	if os.Getenv("_LXC_SYSTEM_CONFIG") != "" {
		return
	}
	dir, err := os.MkdirTemp("", "lxc-go-tools-test")
	if err != nil {
		return
	}
	toolsConfigDir = dir
	def := filepath.Join(dir, "default.conf")
	sys := filepath.Join(dir, "lxc.conf")
	os.WriteFile(def, []byte("lxc.net.0.type = empty\n"), 0o644)
	os.WriteFile(sys, []byte("lxc.lxcpath = "+filepath.Join(dir, "never-used")+"\nlxc.default_config = "+def+"\n"), 0o644)
	os.Setenv("_LXC_SYSTEM_CONFIG", sys)
}

// toolsRun runs one tool in-process and returns its output and status.
func toolsRun(args ...string) (string, string, int) {
	var o, e bytes.Buffer
	rc := run(args, &o, &e)
	return o.String(), e.String(), rc
}

func toolsNeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("root required (CI=true)")
		}
		t.Skip("needs root")
	}
}

// toolsSetup gives a test its own lxcpath and lock directory.
func toolsSetup(t *testing.T) string {
	t.Helper()
	t.Setenv("_LXC_LOCK_DIR", t.TempDir())
	p := t.TempDir()
	toolsCleanLXCLocks(t, p)
	return p
}

// toolsCleanLXCLocks removes the lock directory LXC's own tools make for
// lxcpath p under /run/lxc/lock when the test ends.
func toolsCleanLXCLocks(t *testing.T, p string) {
	t.Cleanup(func() {
		os.RemoveAll(filepath.Join("/run/lxc/lock", p))
		// t.TempDir() paths are TMP/TestName<random>/NNN: the
		// per-test parent is ours too.
		if parent := filepath.Dir(p); strings.HasPrefix(filepath.Base(parent), "TestTools") {
			os.Remove(filepath.Join("/run/lxc/lock", parent))
		}
	})
}

func toolsWrite(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestToolsCreateLsInfoDestroy(t *testing.T) {
	p := toolsSetup(t)
	conf := filepath.Join(t.TempDir(), "c.conf")
	toolsWrite(t, conf, "lxc.net.0.type = empty\nlxc.group = web\nlxc.start.auto = 1\n")

	for _, tc := range []struct {
		args   []string
		rc     int
		stdout string
		stderr string
	}{
		{[]string{"lxc-create", "-P", p, "-n", "c1", "-t", "none", "-f", conf}, 0, "", ""},
		{[]string{"lxc-create", "-P", p, "-n", "c1", "-t", "none"}, 1, "", "lxc-create: c1: Container already exists\n"},
		{[]string{"lxc-create", "-P", p, "-n", "c2"}, 1, "", "lxc-create: c2: A template must be specified\nlxc-create: c2: Use \"none\" if you really want a container without a rootfs\n"},
		{[]string{"lxc-create", "-P", p, "-n", "c2", "-t", "none", "-B", "bogus"}, 1, "", "lxc-create: c2: bogus is not a valid backing storage type.\n"},
		{[]string{"lxc-create", "-P", p, "-nlongername", "-t", "none"}, 0, "", ""},
		{[]string{"lxc-ls", "-P", p}, 0, "c1        \nlongername\n", ""},
		{[]string{"lxc-ls", "-P", p, "-1"}, 0, "c1\nlongername\n", ""},
		{[]string{"lxc-ls", "-P", p, "-f"}, 0, "NAME       STATE   AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED \n" +
			"c1         STOPPED 1         web    -    -    false        \n" +
			"longername STOPPED 0         -      -    -    false        \n", ""},
		{[]string{"lxc-ls", "-P", p, "-f", "-F", "name,PID,RAM,SWAP"}, 0, "NAME       PID RAM    SWAP   \n" +
			"c1         -   -      -      \nlongername -   -      -      \n", ""},
		{[]string{"lxc-ls", "-P", p, "-f", "-F", "NAME,BOGUS"}, 0, "", "Invalid key: BOGUS\n"},
		{[]string{"lxc-ls", "-P", p, "-g", "web"}, 0, "c1  \n", ""},
		{[]string{"lxc-ls", "-P", p, "--running"}, 0, "", ""},
		{[]string{"lxc-ls", "-P", p, "long"}, 0, "longername\n", ""},
		{[]string{"lxc-ls", "-P", filepath.Join(p, "missing")}, 0, "", ""},
		{[]string{"lxc-info", "-P", p, "-n", "c1"}, 0, "Name:           c1\nState:          STOPPED\n", ""},
		{[]string{"lxc-info", "-P", p, "-n", "c1", "-sH"}, 0, "STOPPED\n", ""},
		{[]string{"lxc-info", "-P", p, "-n", "c1", "-s", "-p", "-H"}, 0, "State:          STOPPED\n", ""},
		{[]string{"lxc-info", "-P", p, "-n", "c1", "-p", "-i", "-S"}, 0, "", ""},
		{[]string{"lxc-info", "-P", p, "-n", "c1", "-c", "lxc.group", "-c", "lxc.init.cmd"}, 0, "lxc.group = web\n\nlxc.init.cmd =\n", ""},
		{[]string{"lxc-info", "-P", p, "-n", "c1", "-c", "lxc.start.auto", "-H"}, 0, "1\n", ""},
		{[]string{"lxc-info", "-P", p, "-n", "c1", "-c", "lxc.bogus"}, 0, "", "lxc.bogus invalid\n"},
		{[]string{"lxc-info", "-P", p, "-n", "nope"}, 1, "", "nope doesn't exist\n"},
		{[]string{"lxc-destroy", "-P", p, "-n", "c1"}, 0, "", ""},
		{[]string{"lxc-destroy", "-P", p, "-n", "c1"}, 1, "", "lxc-destroy: c1: Container is not defined\n"},
		{[]string{"lxc-ls", "-P", p, "-1"}, 0, "longername\n", ""},
	} {
		o, e, rc := toolsRun(tc.args...)
		if rc != tc.rc || o != tc.stdout || e != tc.stderr {
			t.Errorf("%q:\nrc %d stdout %q stderr %q\nwant rc %d stdout %q stderr %q", tc.args, rc, o, e, tc.rc, tc.stdout, tc.stderr)
		}
	}
	data, _ := os.ReadFile(filepath.Join(p, "longername", "config"))
	if string(data) != "lxc.net.0.type = empty\n" {
		t.Errorf("default config not used: %q", data)
	}
}

func TestToolsUnloadableConfig(t *testing.T) {
	p := toolsSetup(t)
	toolsWrite(t, filepath.Join(p, "bad", "config"), "lxc.bogus = 1\n")
	toolsWrite(t, filepath.Join(p, "good", "config"), "lxc.uts.name = good\n")
	o, e, rc := toolsRun("lxc-ls", "-P", p)
	if rc != 0 || o != "good\n" || e != "Failed to load config for bad\n" {
		t.Errorf("ls: rc %d %q %q", rc, o, e)
	}
	o, e, rc = toolsRun("lxc-info", "-P", p, "-n", "bad")
	if rc != 1 || o != "" || e != "Failed to load config for bad\nFailure to retrieve information on "+p+":bad\n" {
		t.Errorf("info: rc %d %q %q", rc, o, e)
	}
}

func TestToolsBadNames(t *testing.T) {
	p := toolsSetup(t)
	for _, tool := range []string{"lxc-create", "lxc-destroy", "lxc-info"} {
		for _, n := range []string{"../x", "a/b", "..", "a\nb", "."} {
			_, e, rc := toolsRun(tool, "-P", p, "-n", n, "-t", "none")
			if tool != "lxc-create" {
				_, e, rc = toolsRun(tool, "-P", p, "-n", n)
			}
			if rc != 1 || !strings.Contains(e, "invalid container name") {
				t.Errorf("%s -n %q: rc %d stderr %q", tool, n, rc, e)
			}
		}
	}
	ents, _ := os.ReadDir(p)
	if len(ents) != 0 {
		t.Errorf("store touched: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(p), "x")); err == nil {
		t.Error("../x was created")
	}
}

// TestToolsBusyboxMatchesLXC creates a busybox container with our tool and
// one with LXC's, and compares the rootfs trees and the configs.
func TestToolsBusyboxMatchesLXC(t *testing.T) {
	toolsNeedRoot(t)
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("busybox not installed")
	}
	p := toolsSetup(t)
	conf := filepath.Join(t.TempDir(), "c.conf")
	toolsWrite(t, conf, "lxc.net.0.type = empty\n")
	if _, e, rc := toolsRun("lxc-create", "-P", p, "-n", "bb", "-t", "busybox", "-f", conf); rc != 0 {
		t.Fatalf("create: %s", e)
	}
	if _, err := exec.LookPath("/usr/bin/lxc-create"); err != nil {
		t.Skip("LXC not installed: no side-by-side comparison")
	}
	rp := t.TempDir()
	toolsCleanLXCLocks(t, rp)
	if out, err := exec.Command("/usr/bin/lxc-create", "-P", rp, "-n", "bb", "-t", "busybox", "-f", conf).CombinedOutput(); err != nil {
		t.Skipf("LXC's lxc-create failed: %v %s", err, out)
	}
	tree := func(root string) string {
		cmd := exec.Command("sh", "-c", "find . -printf '%M %n %u %g %s %p %l\\n' | sort")
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if a, b := tree(filepath.Join(p, "bb", "rootfs")), tree(filepath.Join(rp, "bb", "rootfs")); a != b {
		t.Errorf("rootfs trees differ:\nours:\n%s\nLXC:\n%s", a, b)
	}
	ours, _ := os.ReadFile(filepath.Join(p, "bb", "config"))
	theirs, _ := os.ReadFile(filepath.Join(rp, "bb", "config"))
	if strings.ReplaceAll(string(ours), p, rp) != string(theirs) {
		t.Errorf("configs differ:\nours:\n%s\nLXC:\n%s", ours, theirs)
	}
	// Both listers agree on both stores.
	for _, store := range []string{p, rp} {
		for _, args := range [][]string{{}, {"-1"}, {"-f"}, {"-f", "-F", "NAME,STATE,PID,RAM,SWAP,AUTOSTART,GROUPS,INTERFACE,IPV4,IPV6,UNPRIVILEGED"}} {
			toolsCompareWithLXC(t, "ls", append([]string{"-P", store}, args...))
		}
		for _, args := range [][]string{{}, {"-s"}, {"-sH"}, {"-S"}, {"-c", "lxc.cap.drop", "-c", "lxc.signal.halt", "-c", "lxc.mount.entry"}, {"-c", "lxc.uts.name", "-H"}} {
			toolsCompareWithLXC(t, "info", append([]string{"-P", store, "-n", "bb"}, args...))
		}
	}
	if _, e, rc := toolsRun("lxc-destroy", "-P", p, "-n", "bb"); rc != 0 {
		t.Fatalf("destroy: %s", e)
	}
	exec.Command("/usr/bin/lxc-destroy", "-P", rp, "-n", "bb").Run()
	if _, err := os.Stat(filepath.Join(p, "bb")); err == nil {
		t.Error("destroy left the container")
	}
}

// toolsCompareWithLXC runs LXC's tool and ours with the same arguments
// and wants the same stdout, stderr and status.
func toolsCompareWithLXC(t *testing.T, tool string, args []string) {
	t.Helper()
	real := "/usr/bin/lxc-" + tool
	if _, err := os.Stat(real); err != nil {
		t.Skipf("%s not installed", real)
	}
	cmd := exec.Command(real, args...)
	var ro, re bytes.Buffer
	cmd.Stdout, cmd.Stderr = &ro, &re
	err := cmd.Run()
	rrc := 0
	if ee, ok := err.(*exec.ExitError); ok {
		rrc = ee.ExitCode()
	}
	o, e, rc := toolsRun(append([]string{"lxc-" + tool}, args...)...)
	if o != ro.String() || e != re.String() || rc != rrc {
		t.Errorf("lxc-%s %q:\nours: rc %d\n%s%s\nLXC:  rc %d\n%s%s", tool, args, rc, o, e, rrc, ro.String(), re.String())
	}
}

func TestToolsLsMatchesLXC(t *testing.T) {
	p := toolsSetup(t)
	toolsWrite(t, filepath.Join(p, "alpha", "config"), "lxc.net.0.type = empty\n")
	toolsWrite(t, filepath.Join(p, "b", "config"), "lxc.net.0.type = empty\nlxc.group = web\nlxc.group = onboot\nlxc.start.auto = 1\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n")
	toolsWrite(t, filepath.Join(p, "longername_x", "config"), "lxc.uts.name = x\n")
	toolsWrite(t, filepath.Join(p, ".hidden", "config"), "lxc.uts.name = x\n")
	toolsWrite(t, filepath.Join(p, "bad", "config"), "lxc.bogus = 1\n")
	os.MkdirAll(filepath.Join(p, "noconf"), 0o755)
	for _, args := range [][]string{
		{}, {"-1"}, {"-f"}, {"-f", "-F", "NAME,PID,RAM,SWAP,INTERFACE,GROUPS"}, {"-f", "-F", "NAME,BOGUS"},
		{"-F", "NAME"}, {"-g", "web,onboot"}, {"-g", "web,x"}, {"a"}, {"--filter=^b$", "-1"},
		{"--stopped", "-1"}, {"--running"}, {"--active"}, {"--frozen", "-f"}, {"--defined"}, {"--nesting", "-f"},
		{"["}, {"a", "b"}, {"-g", "web", "-f"},
	} {
		toolsCompareWithLXC(t, "ls", append([]string{"-P", p}, args...))
	}
	for _, n := range []string{"alpha", "b", "nope", "bad"} {
		for _, args := range [][]string{{}, {"-s"}, {"-sH"}, {"-p", "-i", "-S"}, {"-c", "lxc.group", "-c", "lxc.idmap"}, {"-c", "lxc.bogus"}, {"-s", "-c", "lxc.start.auto", "-H"}} {
			toolsCompareWithLXC(t, "info", append([]string{"-P", p, "-n", n}, args...))
		}
	}
}

// toolsBinary builds the multicall binary (or uses $LXC_BINARY).
func toolsBinary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("LXC_BINARY"); b != "" {
		return b
	}
	b := filepath.Join(t.TempDir(), "lxc")
	cmd := exec.Command("go", "build", "-o", b, "github.com/lxc-go/lxc")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return b
}

// TestToolsConcurrentCreate starts ten lxc-create of one name at once:
// exactly one wins, the others report "Container already exists", and the
// config is complete.
func TestToolsConcurrentCreate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	p := toolsSetup(t)
	bin := toolsBinary(t)
	conf := filepath.Join(t.TempDir(), "c.conf")
	var want strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&want, "lxc.environment = V%d=%d\n", i, i)
	}
	toolsWrite(t, conf, want.String())
	// A slow template widens the window in which the racers wait.
	tpl := filepath.Join(t.TempDir(), "slow")
	toolsWrite(t, tpl, "#!/bin/sh\nsleep 0.2\n")
	os.Chmod(tpl, 0o755)
	var wg sync.WaitGroup
	rcs := make([]int, 10)
	errs := make([]string, 10)
	for i := range rcs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(bin, "create", "-P", p, "-n", "race", "-t", tpl, "-f", conf)
			var e bytes.Buffer
			cmd.Stderr = &e
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); ok {
				rcs[i] = ee.ExitCode()
			} else if err != nil {
				rcs[i] = -1
			}
			errs[i] = e.String()
		}(i)
	}
	wg.Wait()
	wins := 0
	for i, rc := range rcs {
		switch {
		case rc == 0:
			wins++
		case rc == 1 && errs[i] == "lxc-create: race: Container already exists\n":
		default:
			t.Errorf("racer %d: rc %d stderr %q", i, rc, errs[i])
		}
	}
	if wins != 1 {
		t.Fatalf("%d creates succeeded, want 1", wins)
	}
	data, err := os.ReadFile(filepath.Join(p, "race", "config"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), want.String()+"lxc.rootfs.path = dir:"+filepath.Join(p, "race", "rootfs")+"\n") {
		t.Fatalf("config damaged:\n%s", data)
	}
}
