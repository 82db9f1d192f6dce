package applets

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxc-go/lxc/core"
)

var testIDMap = []core.IDMap{
	{Kind: 'u', NSID: 0, HostID: 100000, Range: 65536},
	{Kind: 'g', NSID: 0, HostID: 100000, Range: 65536},
}

// createIdmapped creates a busybox container mapped to host ids
// 100000-165535, shifts its rootfs and makes the path to it searchable by
// the mapped root (t.TempDir directories are 0700).
func createIdmapped(t *testing.T, e *testEnv, name string, extra ...string) string {
	t.Helper()
	cfg := append([]string{"lxc.idmap = u 0 100000 65536", "lxc.idmap = g 0 100000 65536"}, extra...)
	e.createBusybox(name, cfg...)
	rootfs := filepath.Join(e.P, name, "rootfs")
	if err := core.ShiftRootfs(rootfs, testIDMap); err != nil {
		t.Fatal(err)
	}
	for p := filepath.Join(e.P, name); p != "/"; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(p, st.Mode().Perm()|0o001); err != nil {
				t.Fatal(err)
			}
		}
	}
	return rootfs
}

func TestUsernsIdmappedContainer(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("un")
	rootfs := createIdmapped(t, e, name, "lxc.no_new_privs = 1")

	// Inside: root, with the template's capability drops and no_new_privs.
	r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "id -u; id -g; grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status")
	if r.RC != 0 {
		t.Fatalf("execute: %v", r)
	}
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) < 4 || lines[0] != "0" || lines[1] != "0" {
		t.Fatalf("inside the container id -u/-g: %v", r)
	}
	if !strings.Contains(r.Stdout, "NoNewPrivs:\t1") {
		t.Fatalf("no_new_privs not set inside: %v", r)
	}
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "CapBnd:\t"); ok {
			bnd, _ := strconv.ParseUint(v, 16, 64)
			if bnd&(1<<16) != 0 { // the busybox template drops sys_module
				t.Fatalf("cap_sys_module still in the bounding set: %v", r)
			}
		}
	}

	// Files it creates are owned by the mapped ids on the host.
	r = e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "touch /root/made && chown 1000:1000 /root/made2 2>/dev/null; touch /root/made2 && chown 1000:1000 /root/made2")
	if r.RC != 0 {
		t.Fatalf("creating files inside: %v", r)
	}
	for f, want := range map[string]uint32{"made": 100000, "made2": 101000} {
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(rootfs, "root", f), &st); err != nil {
			t.Fatal(err)
		}
		if st.Uid != want || st.Gid != want {
			t.Fatalf("%s is owned by %d:%d on the host, want %d", f, st.Uid, st.Gid, want)
		}
	}

	// No new cgroup v1 hierarchy, no release_agent, no device nodes.
	r = e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "mkdir -p /tmp/m; mount -t cgroup -o none,name=lxcgotest cgroup /tmp/m && echo MOUNTED")
	if r.RC == 0 || strings.Contains(r.Stdout, "MOUNTED") {
		t.Fatalf("mounting a new cgroup v1 hierarchy succeeded: %v", r)
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory/release_agent"); err == nil {
		r = e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "mkdir -p /tmp/m; mount -t cgroup -o memory cgroup /tmp/m || exit 0; echo /bin/true > /tmp/m/release_agent && echo WROTE")
		if strings.Contains(r.Stdout, "WROTE") {
			t.Fatalf("the container wrote release_agent: %v", r)
		}
	}
	r = e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "mknod /tmp/sda b 8 0 && echo MADE")
	if strings.Contains(r.Stdout, "MADE") {
		t.Fatalf("mknod of a host block device succeeded: %v", r)
	}

	// A started container: init runs as host uid 100000, its cgroup is
	// delegated, lxc-ls says UNPRIVILEGED true, and stop leaves nothing.
	e.must("start", "-n", name, "-d")
	waitFor(t, 10*time.Second, "the container's init", func() bool { return e.record(name).InitPID > 0 })
	pid := e.record(name).InitPID
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\nUid:\t100000\t100000\t100000\t100000\n") || !strings.Contains(string(b), "\nGid:\t100000\t100000\t100000\t100000\n") {
		t.Fatalf("init %d does not run as 100000 on the host:\n%s", pid, b)
	}
	for _, dir := range payloadCgroups(name) {
		if !strings.Contains(filepath.Base(dir), "payload") {
			continue
		}
		var st syscall.Stat_t
		if err := syscall.Stat(dir, &st); err == nil && st.Uid != 100000 {
			t.Errorf("cgroup %s is owned by %d, want the container's root 100000", dir, st.Uid)
		}
	}
	if r := e.must("ls", "-f", "-F", "NAME,UNPRIVILEGED"); !strings.Contains(r.Stdout, "true") {
		t.Errorf("lxc-ls -f does not say UNPRIVILEGED true: %v", r)
	}
	e.must("stop", "-n", name, "-k")
	waitFor(t, 10*time.Second, "cgroups removed", func() bool { return len(payloadCgroups(name)) == 0 })
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil && startTime(pid) != 0 {
		t.Fatalf("init %d still exists after stop", pid)
	}
}

// TestUsernsUnreachableRootfs: a rootfs the mapped root cannot reach
// gives a clear error, not an obscure failure inside.
func TestUsernsUnreachableRootfs(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("un")
	e.createBusybox(name, "lxc.idmap = u 0 100000 65536", "lxc.idmap = g 0 100000 65536")
	if err := os.Chmod(filepath.Join(e.P, name), 0o700); err != nil {
		t.Fatal(err)
	}
	r := e.lxc("execute", "-n", name, "--", "/bin/true")
	if r.RC == 0 || !strings.Contains(r.Stderr, "is not searchable") {
		t.Fatalf("want a reachability error, got %v", r)
	}
}

// TestUsernsSeccomp: seccomp loads inside a user namespace too.
func TestUsernsSeccomp(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("un")
	prof := filepath.Join(e.P, "deny.seccomp")
	writeFile(t, prof, "2\ndenylist\nmkdir errno 42\n")
	createIdmapped(t, e, name, "lxc.seccomp.profile = "+prof)
	r := e.lxc("execute", "-n", name, "--", "/bin/mkdir", "/tmp/x")
	if r.RC != 1 || !strings.Contains(r.Stderr, "No message of desired type") {
		t.Fatalf("mkdir under the profile: %v", r)
	}
}

// TestUsernsexec: lxc-usernsexec as root, side by side with LXC's
// behaviour for the forms that do not need /etc/subuid.
func TestUsernsexec(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	r := e.runLXC("", "usernsexec", "-m", "b:0:100000:65536", "--", "/bin/sh", "-c", "id -u; id -g; cat /proc/self/uid_map; exit 7")
	if r.RC != 7 || !strings.HasPrefix(r.Stdout, "0\n0\n") || !strings.Contains(r.Stdout, "100000") {
		t.Fatalf("usernsexec -m b:0:100000:65536: %v", r)
	}
	r = e.runLXC("", "usernsexec", "-m", "u:0:100000:1", "-m", "g:0:100000:1", "-s", "--", "/bin/cat", "/proc/self/uid_map")
	if r.RC != 0 || len(strings.Fields(r.Stdout)) != 6 || strings.Fields(r.Stdout)[3] != "1" {
		t.Fatalf("usernsexec -s: %v", r)
	}
	if r := e.runLXC("", "usernsexec", "-h"); r.RC != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("usernsexec -h: %v", r)
	}
	if r := e.runLXC("", "usernsexec", "-x"); r.RC != 1 || r.Stderr != "lxc-usernsexec: invalid option -- 'x'\n" {
		t.Fatalf("usernsexec -x: %v", r)
	}
	if r := e.runLXC("", "usernsexec", "-m", "q:1:2:3"); r.RC != 1 {
		t.Fatalf("usernsexec with a bad map: %v", r)
	}
	b, _ := os.ReadFile("/etc/subuid")
	if !strings.Contains("\n"+string(b), "\nroot:") {
		r := e.runLXC("", "usernsexec", "--", "/bin/true")
		if r.RC != 1 || r.Stderr != "Failed to find subuid or subgid allocation\n" {
			t.Fatalf("usernsexec without a subuid allocation: %v", r)
		}
	}
}
