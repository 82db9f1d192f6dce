package applets

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAutostartIntegration: selection and order side by side with
// LXC's -L, real starts in order with delays, groups, exit codes and the
// failure report.
func TestAutostartIntegration(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	a, b, c, d := uniqueName("asa"), uniqueName("asb"), uniqueName("asc"), uniqueName("asd")
	sleep := "lxc.init.cmd = /bin/sleep 1000"
	e.createBusybox(a, sleep, "lxc.start.auto = 1", "lxc.start.order = 2", "lxc.start.delay = 1")
	e.createBusybox(b, sleep, "lxc.start.auto = 1", "lxc.start.order = 1")
	e.createBusybox(c, sleep, "lxc.start.auto = 1", "lxc.group = g1")
	e.createBusybox(d, sleep, "lxc.start.auto = 0")
	lists := [][]string{{}, {"-g", "g1"}, {"-g", "g1,"}, {"-a"}, {"-A"}, {"-s"}, {"-k"}, {"-r"}}
	if _, err := os.Stat("/usr/bin/lxc-autostart"); err == nil {
		for _, args := range lists {
			out, _ := exec.Command("/usr/bin/lxc-autostart", append([]string{"-P", e.P, "-L"}, args...)...).Output()
			if ours := e.must("autostart", append([]string{"-L"}, args...)...).Stdout; ours != string(out) {
				t.Errorf("lxc-autostart -L %v:\nLXC:\n%s\nours:\n%s", args, out, ours)
			}
		}
	}
	if got := e.must("autostart", "-L").Stdout; got != b+" 0\n"+a+" 1\n" {
		t.Fatalf("-L: %q", got)
	}
	t0 := time.Now()
	e.must("autostart")
	if el := time.Since(t0); el < time.Second {
		t.Errorf("lxc.start.delay not honoured: %v", el)
	}
	ra, rb := e.record(a), e.record(b)
	if !ra.Running || !rb.Running || rb.MonitorStart > ra.MonitorStart {
		t.Fatalf("start order: %s %+v, %s %+v", a, ra, b, rb)
	}
	if e.record(c).Running || e.record(d).Running {
		t.Fatal("containers outside the selection were started")
	}
	if got := e.must("autostart", "-L").Stdout; got != "" {
		t.Fatalf("running containers are listed for start: %q", got)
	}
	if got := e.must("autostart", "-L", "-k").Stdout; got != b+"\n"+a+"\n" {
		t.Fatalf("-L -k: %q", got)
	}
	e.must("autostart", "-g", "g1")
	if !e.record(c).Running {
		t.Fatal("-g g1 did not start the group")
	}
	e.must("autostart", "-a", "-k")
	for _, n := range []string{a, b, c} {
		if s := e.must("info", "-n", n, "-s").Stdout; !strings.Contains(s, "STOPPED") {
			t.Fatalf("%s after -a -k: %q", n, s)
		}
	}
	// One of two fails: exit 2, and the failure is named.
	cfg := filepath.Join(e.P, a, "config")
	writeFile(t, cfg, readFileT(t, cfg)+"lxc.rootfs.path = dir:/nonexistent-rootfs\n")
	r := e.lxc("autostart")
	if r.RC != 2 || !strings.Contains(r.Stderr, a) {
		t.Fatalf("partial failure: %v", r)
	}
	e.must("autostart", "-k")
	writeFile(t, filepath.Join(e.P, b, "config"), readFileT(t, filepath.Join(e.P, b, "config"))+"lxc.rootfs.path = dir:/nonexistent-rootfs\n")
	if r := e.lxc("autostart"); r.RC != 1 {
		t.Fatalf("total failure: %v", r)
	}
}

// TestUnshareExitCodes: the command's status is propagated (LXC: 0/1).
func TestUnshareExitCodes(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	for _, tc := range []struct {
		args   []string
		rc     int
		stdout string
	}{
		{[]string{"-s", "UTSNAME|MOUNT", "--", "/bin/sh", "-c", "exit 3"}, 3, ""},
		{[]string{"-s", "UTSNAME", "-H", "unshared", "--", "/bin/hostname"}, 0, "unshared\n"},
		{[]string{"-s", "PID|MOUNT", "-M", "--", "/bin/sh", "-c", "echo $$; test -e /proc/1/status"}, 0, "1\n"},
		{[]string{"-s", "NETWORK", "--", "/bin/sh", "-c", "test $(grep -c : /proc/net/dev) -eq 1"}, 0, ""},
		{[]string{"-s", "IPC", "--", "/bin/sh", "-c", "kill -TERM $$"}, 128 + 15, ""},
		{[]string{"-s", "IPC", "--", "/nonexistent"}, 1, ""},
		{[]string{"-s", "PID", "-H", "x", "--", "/bin/true"}, 1, ""},
		{[]string{"-s", "BOGUS", "--", "/bin/true"}, 1, ""},
	} {
		r := e.runLXC("", append([]string{"unshare"}, tc.args...)...)
		if r.RC != tc.rc || (tc.stdout != "" && r.Stdout != tc.stdout) {
			t.Errorf("unshare %q: %v, want rc %d stdout %q", tc.args, r, tc.rc, tc.stdout)
		}
	}
	if h, _ := os.Hostname(); h == "unshared" {
		t.Fatal("hostname leaked to the host")
	}
}

// TestCheckpointCriu: a clear error when criu is missing or "criu check"
// fails; a real dump when it works.
func TestCheckpointCriu(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	n := uniqueName("ckp")
	e.createBusybox(n, "lxc.init.cmd = /bin/sleep 1000")
	if r := e.lxc("checkpoint", "-n", n); r.RC != 1 || !strings.Contains(r.Stderr, "checkpoint directory") {
		t.Fatalf("no -D: %v", r)
	}
	if r := e.lxc("checkpoint", "-n", n, "-D", t.TempDir(), "-r", "-s"); r.RC != 1 {
		t.Fatalf("-r -s: %v", r)
	}
	e.must("start", "-n", n, "-d")
	dir := filepath.Join(t.TempDir(), "ck")
	r := e.lxc("checkpoint", "-n", n, "-D", dir, "-s")
	criu, err := exec.LookPath("criu")
	if err != nil {
		if r.RC != 1 || !strings.Contains(r.Stderr, "criu is not installed") {
			t.Fatalf("without criu: %v", r)
		}
		t.Skip("criu is not installed")
	}
	if out, err := exec.Command(criu, "check").CombinedOutput(); err != nil {
		if r.RC != 1 || !strings.Contains(r.Stderr, `"criu check" failed`) {
			t.Fatalf("criu check fails but checkpoint said: %v", r)
		}
		t.Skipf("criu check fails here: %s", strings.TrimSpace(string(out)))
	}
	if r.RC != 0 {
		t.Fatalf("checkpoint: %v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.log")); err != nil {
		t.Fatalf("no dump log: %v", err)
	}
}
