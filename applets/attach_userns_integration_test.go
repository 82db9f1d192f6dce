package applets

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nsPIDs returns the host pids of the processes whose pid namespace is
// ns ("pid:[N]").
func nsPIDs(ns string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, d := range ents {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)); err == nil && l == ns {
			out = append(out, pid)
		}
	}
	return out
}

// TestAttachUsernsIdmapped: lxc-attach into a container with lxc.idmap
// (raw fork path): every namespace of the init, root inside and the mapped
// uid on the host, exit codes, environment policy, the container's
// cgroup, seccomp, and nothing left behind by 20 attaches.
func TestAttachUsernsIdmapped(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("ua")
	profile := filepath.Join(e.P, name, "attach.seccomp")
	rootfs := createIdmapped(t, e, name, "lxc.seccomp.profile = "+profile)
	writeFile(t, profile, "2\ndenylist\nsethostname errno 38\n")
	e.must("start", "-n", name, "-d")
	waitFor(t, 10*time.Second, "the container's init", func() bool { return e.record(name).InitPID > 0 })
	init := e.record(name).InitPID
	want := nsLinks(t, init)

	r := e.attach("", name, "--", "/bin/sh", "-c",
		"id -u; id -g; for f in /proc/self/ns/*; do echo ${f##*/} $(readlink $f); done; touch /root/attached")
	if r.RC != 0 {
		t.Fatalf("attach: %v", r)
	}
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) < 3 || lines[0] != "0" || lines[1] != "0" {
		t.Fatalf("id -u/-g inside: %v", r)
	}
	got := map[string]string{}
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		if len(f) == 2 {
			got[f[0]] = f[1]
		}
	}
	for _, ns := range []string{"user", "mnt", "pid", "uts", "ipc", "net", "cgroup"} {
		if got[ns] == "" || got[ns] != want[ns] {
			t.Errorf("namespace %s: attached %q, init %q", ns, got[ns], want[ns])
		}
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(rootfs, "root", "attached"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid != 100000 || st.Gid != 100000 {
		t.Errorf("a file the attached process made is owned by %d:%d on the host, want 100000", st.Uid, st.Gid)
	}

	// The attached process runs as host uid 100000, in the container's
	// cgroup (its cgroup namespace shows it at the root, as init).
	r = e.attach("", name, "--", "/bin/sh", "-c", "cat /proc/self/cgroup; echo ==; cat /proc/1/cgroup")
	if parts := strings.SplitN(r.Stdout, "==\n", 2); r.RC != 0 || len(parts) != 2 || parts[0] != parts[1] {
		t.Errorf("cgroups of the attached process and of init differ: %v", r)
	}
	done := make(chan result, 1)
	go func() { done <- e.attach("", name, "--", "/bin/sleep", "3") }()
	var sleeper int
	waitFor(t, 5*time.Second, "the attached sleep", func() bool {
		for _, pid := range nsPIDs(want["pid"]) {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); string(b) == "/bin/sleep\x003\x00" {
				sleeper = pid
				return true
			}
		}
		return false
	})
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", sleeper)); err != nil || !strings.Contains(string(b), "\nUid:\t100000\t100000\t100000\t100000\n") {
		t.Errorf("attached process %d does not run as host uid 100000: %s", sleeper, b)
	}
	if r := <-done; r.RC != 0 {
		t.Errorf("attach sleep: %v", r)
	}

	// Exit codes: the command's, 127 when it cannot be run, 128+N.
	for _, c := range []struct {
		args []string
		rc   int
	}{
		{[]string{"/bin/true"}, 0},
		{[]string{"/bin/sh", "-c", "exit 5"}, 5},
		{[]string{"/does/not/exist"}, 127},
		{[]string{"nosuchcommand"}, 127},
		{[]string{"/bin/sh", "-c", "kill -9 $$"}, 137},
	} {
		if r := e.attach("", name, append([]string{"--"}, c.args...)...); r.RC != c.rc {
			t.Errorf("attach %v: %v, want rc %d", c.args, r, c.rc)
		}
	}
	if r := e.attach("", name, "--", "/does/not/exist"); !strings.Contains(r.Stderr, `Failed to exec "/does/not/exist"`) {
		t.Errorf("exec failure message: %v", r)
	}

	// Environment policy.
	e.ExtraEnv = []string{"UA_KEEP=kept", "UA_DROP=dropped"}
	r = e.attach("", name, "--", "/bin/env")
	if !strings.Contains(r.Stdout, "UA_KEEP=kept\n") || !strings.Contains(r.Stdout, "container=lxc\n") {
		t.Errorf("default environment: %v", r)
	}
	r = e.attach("", name, "--clear-env", "--keep-var", "UA_KEEP", "-v", "UA_SET=1", "--", "/bin/env")
	if r.RC != 0 || strings.Contains(r.Stdout, "UA_DROP") || !strings.Contains(r.Stdout, "UA_KEEP=kept\n") ||
		!strings.Contains(r.Stdout, "UA_SET=1\n") || !strings.Contains(r.Stdout, "PATH=/usr/local/sbin:") {
		t.Errorf("--clear-env --keep-var -v: %v", r)
	}
	e.ExtraEnv = nil

	// -u/-g, --cwd, stdin script, capabilities of the container.
	if r := e.attach("", name, "-u", "1000", "-g", "1000", "--", "/bin/sh", "-c", "id -u; id -g"); r.Stdout != "1000\n1000\n" {
		t.Errorf("-u/-g: %v", r)
	}
	if r := e.attach("", name, "--cwd", "/etc", "--", "/bin/pwd"); r.Stdout != "/etc\n" {
		t.Errorf("--cwd: %v", r)
	}
	if r := e.attach("echo piped $((6*7))\nexit 3\n", name, "--", "/bin/sh"); r.RC != 3 || r.Stdout != "piped 42\n" {
		t.Errorf("stdin script: %v", r)
	}
	r = e.attach("", name, "--", "/bin/sh", "-c", "grep CapBnd /proc/self/status")
	if v, ok := strings.CutPrefix(strings.TrimSpace(r.Stdout), "CapBnd:\t"); !ok {
		t.Errorf("CapBnd: %v", r)
	} else if bnd, _ := strconv.ParseUint(v, 16, 64); bnd&(1<<16) != 0 {
		t.Errorf("cap_sys_module is in the bounding set of the attached process: %v", r)
	}

	// seccomp of the container applies (not with -e).
	r = e.attach("", name, "--", "/bin/hostname", "x")
	if r.RC == 0 || !strings.Contains(r.Stderr, "not implemented") {
		t.Errorf("seccomp not applied to the attached process: %v", r)
	}
	if r := e.attach("", name, "-e", "--", "/bin/sh", "-c", "grep Seccomp: /proc/self/status"); !strings.Contains(r.Stdout, "\t0") {
		t.Errorf("-e keeps seccomp: %v", r)
	}

	// 20 attaches leave no process in the container and none of ours.
	before := len(nsPIDs(want["pid"]))
	for i := 0; i < 20; i++ {
		if r := e.attach("", name, "--", "/bin/true"); r.RC != 0 {
			t.Fatalf("attach %d: %v", i, r)
		}
	}
	waitFor(t, 5*time.Second, "no process left", func() bool { return len(nsPIDs(want["pid"])) == before })
	self, _ := os.ReadFile("/proc/self/task/" + strconv.Itoa(os.Getpid()) + "/children")
	for _, c := range strings.Fields(string(self)) {
		if b, _ := os.ReadFile("/proc/" + c + "/status"); strings.Contains(string(b), "State:\tZ") {
			t.Errorf("zombie child %s left", c)
		}
	}
}

// TestConsoleUsernsIdmapped: the ttys and console of an idmapped
// container belong to its root, and lxc-console reaches the getty.
func TestConsoleUsernsIdmapped(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("uc")
	createIdmapped(t, e, name)
	e.must("start", "-n", name, "-d")
	waitFor(t, 30*time.Second, "getty in the container", func() bool {
		return e.lxc("attach", "-n", name, "--", "pidof", "getty").RC == 0
	})
	r := e.must("attach", "-n", name, "--", "/bin/sh", "-c", "stat -c '%n %u %g' /dev/console /dev/tty1 /dev/pts/ptmx")
	for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 || f[1] != "0" || (f[0] != "/dev/tty1" && f[2] != "0") {
			t.Errorf("not owned by the container's root: %q (%v)", l, r)
		}
	}
	init := e.record(name).InitPID
	var st syscall.Stat_t
	if err := syscall.Stat(fmt.Sprintf("/proc/%d/root/dev/tty1", init), &st); err != nil || st.Uid != 100000 {
		t.Errorf("/dev/tty1 is owned by host uid %d (%v), want 100000", st.Uid, err)
	}

	p := newTestPty(t)
	cmd := e.startOnPty(p, nil, "console", "-P", e.P, "-n", name, "-t", "1")
	p.waitOutput(strings.Replace(consoleBanner, "%s", "1", 1), "", 10*time.Second)
	p.waitOutput(name+" login:", "\r", 20*time.Second)
	p.write("\x01q")
	if rc := waitExit(t, cmd, 10*time.Second); rc != 0 {
		t.Fatalf("escape: rc=%d output %q", rc, p.output())
	}

	// An attach on a terminal gets a pty of the container, owned by its
	// root.
	p2 := newTestPty(t)
	at := e.startOnPty(p2, nil, "attach", "-P", e.P, "-n", name, "--", "/bin/sh", "-c", "stat -c 'PTY %n %u' $(tty)")
	if rc := waitExit(t, at, 10*time.Second); rc != 0 {
		t.Fatalf("attach on a pty: rc=%d %q", rc, p2.output())
	}
	p2.waitOutput("PTY /dev/pts/", "", 5*time.Second)
	if out := p2.output(); !strings.Contains(out, " 0\r\n") {
		t.Errorf("the attach pty is not owned by the container's root: %q", out)
	}
}

// TestUsernsIdmappedRootfsOption: lxc.rootfs.options = idmap=container
// with an UNshifted rootfs: root inside owns the rootfs, and what it
// creates is owned by 0 (the rootfs's own owner) on the host.
func TestUsernsIdmappedRootfsOption(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("ui")
	e.createBusybox(name) // no lxc.idmap yet: lxc-create does not shift
	dir := filepath.Join(e.P, name)
	f, err := os.OpenFile(filepath.Join(dir, "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString("lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\nlxc.rootfs.options = idmap=container\n")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for p := dir; p != "/"; p = filepath.Dir(p) {
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
	rootfs := filepath.Join(dir, "rootfs")
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(rootfs, "bin"), &st); err != nil || st.Uid != 0 {
		t.Fatalf("the rootfs is not unshifted: uid %d, %v", st.Uid, err)
	}
	e.must("start", "-n", name, "-d")
	waitFor(t, 10*time.Second, "the container's init", func() bool { return e.record(name).InitPID > 0 })
	init := e.record(name).InitPID
	mi, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", init))
	if err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(string(mi), "\n", 2)[0]; !strings.Contains(first, "idmapped") {
		t.Skipf("the rootfs is not idmapped (the kernel or filesystem refused; see the container log): %s", first)
	}
	if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", init)); !strings.Contains(string(b), "\nUid:\t100000\t100000\t100000\t100000\n") {
		t.Fatalf("init does not run as host uid 100000:\n%s", b)
	}
	r := e.must("attach", "-n", name, "--", "/bin/sh", "-c", "id -u; stat -c %u /bin/busybox; touch /root/made && chown 1000:1000 /root/made2 2>/dev/null; touch /root/made2 && chown 1000:1000 /root/made2")
	if r.Stdout != "0\n0\n" {
		t.Fatalf("inside: id -u and owner of /bin/busybox: %v", r)
	}
	for f, want := range map[string]uint32{"made": 0, "made2": 1000} {
		if err := syscall.Stat(filepath.Join(rootfs, "root", f), &st); err != nil {
			t.Fatal(err)
		}
		if st.Uid != want || st.Gid != want {
			t.Errorf("%s is owned by %d:%d on the host, want %d", f, st.Uid, st.Gid, want)
		}
	}
	e.must("stop", "-n", name, "-k")
}
