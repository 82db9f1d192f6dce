package applets

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func (e *testEnv) attach(stdin string, name string, args ...string) result {
	e.t.Helper()
	return e.runLXC(stdin, append([]string{"attach", "-P", e.P, "-n", name}, args...)...)
}

// nsLinks returns "type:[inode]" of every namespace of pid, read on the
// host.
func nsLinks(t *testing.T, pid int) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/ns", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ents {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[d.Name()] = l
	}
	return out
}

// TestAttachNamespacesAndCgroup: the attached process is in every
// namespace and every cgroup of the init, seen from the host and from
// inside.
func TestAttachNamespacesAndCgroup(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	init := e.record(name).InitPID
	want := nsLinks(t, init)

	// From inside: readlink of its own links.
	r := e.attach("", name, "--", "/bin/sh", "-c", "for f in /proc/self/ns/*; do echo ${f##*/} $(readlink $f); done")
	if r.RC != 0 {
		t.Fatalf("attach: %v", r)
	}
	for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 {
			t.Fatalf("bad line %q", l)
		}
		if f[0] == "pid_for_children" || f[0] == "time_for_children" {
			continue
		}
		if want[f[0]] != f[1] {
			t.Errorf("namespace %s: attached %s, init %s", f[0], f[1], want[f[0]])
		}
	}

	// From the host: a long-running attached process.
	cmd := exec.Command(lxcBin, "attach", "-P", e.P, "-n", name, "--", "/bin/sleep", "30")
	cmd.Env = append(os.Environ(), "_LXC_SYSTEM_CONFIG="+e.SysConf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var pid int
	waitFor(t, 10*time.Second, "the attached sleep", func() bool {
		pid = childSleep(init)
		return pid > 0
	})
	got := nsLinks(t, pid)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("namespace %s: attached %s, init %s", k, got[k], v)
		}
	}
	ci, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", init))
	ca, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if string(ci) != string(ca) {
		t.Errorf("cgroups differ:\ninit:\n%s\nattached:\n%s", ci, ca)
	}
	st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	si, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", init))
	if capLine(string(st), "CapBnd") != capLine(string(si), "CapBnd") || capLine(string(st), "CapInh") != "0000000000000000" {
		t.Errorf("capabilities: attached %q/%q, init %q", capLine(string(st), "CapBnd"), capLine(string(st), "CapInh"), capLine(string(si), "CapBnd"))
	}
	_ = cmd.Process.Kill()
}

func capLine(status, key string) string {
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// childSleep finds a "sleep 30" process in the pid namespace of init.
func childSleep(init int) int {
	want, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", init))
	if err != nil {
		return 0
	}
	ents, _ := os.ReadDir("/proc")
	for _, d := range ents {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if string(cl) != "/bin/sleep\x0030\x00" {
			continue
		}
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)); l == want {
			return pid
		}
	}
	return 0
}

// TestAttachExitCodes: the command's status, 127 when it cannot be
// executed, 128+N when killed by signal N; 1 when not running.
func TestAttachExitCodes(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	for _, tc := range []struct {
		args []string
		rc   int
		err  string
	}{
		{[]string{"--", "/bin/true"}, 0, ""},
		{[]string{"--", "/bin/sh", "-c", "exit 5"}, 5, ""},
		{[]string{"--", "/nonexistent"}, 127, `Failed to exec "/nonexistent"`},
		{[]string{"--", "/bin/sh", "-c", "kill -9 $$"}, 137, ""},
	} {
		r := e.attach("", name, tc.args...)
		if r.RC != tc.rc || !strings.Contains(r.Stderr, tc.err) {
			t.Errorf("%v: %v, want rc %d", tc.args, r, tc.rc)
		}
	}
	stopped := uniqueName("con")
	e.createBusybox(stopped)
	if r := e.attach("", stopped, "--", "/bin/true"); r.RC != 1 || !strings.Contains(r.Stderr, "Failed to get init pid") {
		t.Errorf("not running: %v", r)
	}
}

// TestAttachEnv: --keep-env (default), --clear-env, -v, --keep-var.
func TestAttachEnv(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	e.ExtraEnv = []string{"ATTACHTEST_A=alpha", "ATTACHTEST_B=beta"}
	envOf := func(args ...string) []string {
		t.Helper()
		r := e.attach("", name, append(args, "--", "env")...)
		if r.RC != 0 {
			t.Fatalf("%v: %v", args, r)
		}
		l := strings.Split(strings.TrimSpace(r.Stdout), "\n")
		sort.Strings(l)
		return l
	}
	has := func(env []string, kv string) bool {
		for _, e := range env {
			if e == kv {
				return true
			}
		}
		return false
	}
	def := envOf()
	for _, kv := range []string{"ATTACHTEST_A=alpha", "container=lxc", "PATH=" + os.Getenv("PATH")} {
		if !has(def, kv) {
			t.Errorf("default env lacks %q: %v", kv, def)
		}
	}
	clear := envOf("--clear-env")
	if want := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "container=lxc"}; strings.Join(clear, "\n") != strings.Join(want, "\n") {
		t.Errorf("--clear-env: %q, want %q", clear, want)
	}
	v := envOf("--clear-env", "-v", "FOO=bar", "--keep-var", "ATTACHTEST_B")
	if !has(v, "FOO=bar") || !has(v, "ATTACHTEST_B=beta") || has(v, "ATTACHTEST_A=alpha") || len(v) != 4 {
		t.Errorf("--clear-env -v --keep-var: %q", v)
	}
	if v := envOf("-v", "container=other"); !has(v, "container=other") {
		t.Errorf("-v overrides: %q", v)
	}
}

// TestAttachStdinScript: a script piped into the default shell.
func TestAttachStdinScript(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	r := e.attach("echo $((6*7))\nhostname\nexit 4\n", name)
	if r.RC != 4 || r.Stdout != "42\n"+name+"\n" {
		t.Fatalf("piped script: %v", r)
	}
	r = e.attach("", name, "--cwd", "/etc", "--", "/bin/pwd")
	if r.RC != 0 || r.Stdout != "/etc\n" {
		t.Fatalf("--cwd: %v", r)
	}
}

// TestAttachHundred: 100 attaches in a row leave no process, fd or
// cgroup member behind.
func TestAttachHundred(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	rec := e.record(name)
	procs := func() string {
		b, _ := os.ReadFile(filepath.Join("/sys/fs/cgroup/pids", "lxc.payload."+name, "cgroup.procs"))
		return string(b)
	}
	fds := func() int {
		ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", rec.MonitorPID))
		return len(ents)
	}
	e.attach("", name, "--", "/bin/true") // warm up
	before, beforeFds := procs(), fds()
	for i := 0; i < 100; i++ {
		if r := e.attach("", name, "--", "/bin/true"); r.RC != 0 {
			t.Fatalf("attach %d: %v", i, r)
		}
	}
	// Count, not the exact list: busybox init may respawn a getty
	// meanwhile (a new pid, no leak).
	count := func(list string) int { return len(strings.Fields(list)) }
	waitFor(t, 5*time.Second, "the payload cgroup to settle", func() bool { return count(procs()) <= count(before) })
	// A connection may still be closing; a leak would be 100 fds.
	deadline := time.Now().Add(5 * time.Second)
	for fds() > beforeFds && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := fds(); after > beforeFds {
		t.Errorf("monitor fds: %d before, %d after", beforeFds, after)
	}
}

// tiocstiSource is a static helper run inside the container: it tries
// to push a command into every terminal it can reach with TIOCSTI.
const tiocstiSource = `package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func main() {
	cmd := "echo INJECTED-BY-CONTAINER\n"
	ok := 0
	fds := []uintptr{0, 1, 2}
	if f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		fds = append(fds, f.Fd())
	}
	for _, fd := range fds {
		for i := 0; i < len(cmd); i++ {
			c := cmd[i]
			_, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSTI, uintptr(unsafe.Pointer(&c)))
			if e == 0 {
				ok++
			}
		}
	}
	fmt.Fprintf(os.Stderr, "tiocsti: %d bytes pushed\n", ok)
}
`

// TestAttachTIOCSTI: an attached process that pushes input with
// TIOCSTI into its terminal must never reach the caller's terminal
// (CVE-2016-10124).
func TestAttachTIOCSTI(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "go.mod"), "module tiocsti\n\ngo 1.21\n")
	writeFile(t, filepath.Join(src, "main.go"), tiocstiSource)
	bin := filepath.Join(e.P, name, "rootfs", "bin", "tiocsti")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the helper: %v\n%s", err, out)
	}

	pending := func(p *testPty) string {
		// Any byte waiting in our slave's input queue was injected.
		_ = unix.SetNonblock(int(p.slave.Fd()), true)
		defer unix.SetNonblock(int(p.slave.Fd()), false)
		b := make([]byte, 4096)
		n, _ := unix.Read(int(p.slave.Fd()), b)
		if n < 0 {
			n = 0
		}
		return string(b[:n])
	}
	raw := func(p *testPty) {
		tio, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		tio.Lflag &^= unix.ICANON | unix.ECHO
		tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 0, 0
		_ = unix.IoctlSetTermios(int(p.slave.Fd()), unix.TCSETS, tio)
	}

	// The detector works: our own TIOCSTI on the slave is read back.
	p0 := newTestPty(t)
	raw(p0)
	c := byte('Z')
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, p0.slave.Fd(), unix.TIOCSTI, uintptr(unsafe.Pointer(&c))); errno != 0 {
		t.Skipf("TIOCSTI unavailable on this host (%v): the test cannot detect injection", errno)
	}
	if got := pending(p0); got != "Z" {
		t.Fatalf("detector: read back %q", got)
	}

	// stdin /dev/null, stdout/stderr our terminal: the client never
	// reads our terminal, so injected bytes would wait there.
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	p := newTestPty(t)
	raw(p)
	cmd := e.startOnPty(p, devnull, "attach", "-P", e.P, "-n", name, "--", "/bin/tiocsti")
	if rc := waitExit(t, cmd, 30*time.Second); rc != 0 {
		t.Fatalf("helper: rc %d, %q", rc, p.output())
	}
	p.waitOutput("bytes pushed", "", 5*time.Second)
	if got := pending(p); got != "" {
		t.Fatalf("the container injected %q into the caller's terminal", got)
	}

	// All three on our terminal: input goes through the client's pty.
	p2 := newTestPty(t)
	cmd = e.startOnPty(p2, nil, "attach", "-P", e.P, "-n", name, "--", "/bin/tiocsti")
	if rc := waitExit(t, cmd, 30*time.Second); rc != 0 {
		t.Fatalf("helper on a terminal: rc %d, %q", rc, p2.output())
	}
	raw(p2)
	time.Sleep(200 * time.Millisecond)
	if got := pending(p2); strings.Contains(got, "INJECTED") {
		t.Fatalf("the container injected %q into the caller's terminal", got)
	}
	if strings.Contains(p2.output(), "INJECTED-BY-CONTAINER\r\nINJECTED") {
		t.Fatalf("an injected command ran on the caller's side: %q", p2.output())
	}
}
