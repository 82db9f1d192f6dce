package applets

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSeccompDenylistErrnoAndKill: a denylisted syscall returns the
// configured errno inside the container, and "kill" kills the caller with
// SIGSYS (lxc-execute returns 128+31).
func TestSeccompDenylistErrnoAndKill(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	prof := filepath.Join(t.TempDir(), "deny.seccomp")
	writeFile(t, prof, "2\ndenylist\n[all]\nmkdir errno 42\nchmod kill\n")
	name := uniqueName("sc")
	e.createBusybox(name, "lxc.seccomp.profile = "+prof)

	r := e.lxc("execute", "-n", name, "--", "/bin/mkdir", "/tmp/x")
	if r.RC != 1 || !strings.Contains(r.Stderr, "No message of desired type") { // ENOMSG = 42
		t.Fatalf("mkdir under the profile: %v", r)
	}
	r = e.lxc("execute", "-n", name, "--", "/bin/chmod", "700", "/tmp")
	if r.RC != 159 {
		t.Fatalf("chmod under a kill rule: want rc 159 (SIGSYS), got %v", r)
	}
	r = e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "grep ^Seccomp: /proc/self/status; touch /tmp/ok && echo fine")
	if r.RC != 0 || !strings.Contains(r.Stdout, "Seccomp:\t2") || !strings.Contains(r.Stdout, "fine") {
		t.Fatalf("other syscalls under the profile: %v", r)
	}
}

// TestSeccompAllowlistV1: a version 1 allowlist kills anything unlisted.
func TestSeccompAllowlistV1(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	prof := filepath.Join(t.TempDir(), "v1.seccomp")
	// Only exit_group: the command dies on its first other syscall.
	writeFile(t, prof, "1\nallowlist\n231\n")
	name := uniqueName("sc")
	e.createBusybox(name, "lxc.seccomp.profile = "+prof)
	r := e.lxc("execute", "-n", name, "--", "/bin/true")
	if r.RC != 159 {
		t.Fatalf("want rc 159 (SIGSYS), got %v", r)
	}
}

// TestSeccompLXCCommonProfile: LXC's shipped common.seccomp loads and a
// busybox container runs under it.
func TestSeccompLXCCommonProfile(t *testing.T) {
	requireRoot(t)
	const prof = "/usr/share/lxc/config/common.seccomp"
	if _, err := os.Stat(prof); err != nil {
		t.Skip("LXC's common.seccomp is not installed")
	}
	e := newEnv(t)
	name := uniqueName("sc")
	e.createBusybox(name, "lxc.seccomp.profile = "+prof)
	e.must("start", "-n", name, "-d")
	waitFor(t, 10*time.Second, "the container's init", func() bool { return e.record(name).InitPID > 0 })
	pid := e.record(name).InitPID
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil || !strings.Contains(string(b), "Seccomp:\t2") {
		t.Fatalf("init %d is not under a seccomp filter: %v\n%s", pid, err, b)
	}
	if r := e.lxc("info", "-n", name, "-s"); !strings.Contains(r.Stdout, "RUNNING") {
		t.Fatalf("info: %v", r)
	}
	e.must("stop", "-n", name, "-k")
	// umount -f is refused with EACCES by reject_force_umount.
	r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "mkdir /tmp/m && mount -t tmpfs t /tmp/m && umount -f /tmp/m; echo rc=$?")
	if !strings.Contains(r.Stdout+r.Stderr, "ermission denied") {
		t.Fatalf("umount -f under common.seccomp: %v", r)
	}
}
