package applets

// Root integration tests of the container runtime (issue "Running
// containers"): lxc-start/-stop/-execute on busybox containers made by
// our own lxc-create, checked from the host side (/proc of the init and
// the monitor, the host's mount table, cgroups).

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rtState is lxc-info -sH.
func (e *testEnv) rtState(name string) string {
	e.t.Helper()
	return strings.TrimSpace(e.lxc("info", "-n", name, "-sH").Stdout)
}

// rtWaitState polls lxc-info until the container is in state.
func (e *testEnv) rtWaitState(name, state string, timeout time.Duration) {
	e.t.Helper()
	waitFor(e.t, timeout, name+" "+state, func() bool { return e.rtState(name) == state })
}

// rtInitPID is lxc-info -pH of a running container.
func (e *testEnv) rtInitPID(name string) int {
	e.t.Helper()
	r := e.must("info", "-n", name, "-pH")
	pid, err := strconv.Atoi(strings.TrimSpace(r.Stdout))
	if err != nil || pid <= 1 {
		e.t.Fatalf("lxc-info -pH: %v", r)
	}
	return pid
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// A zombie is as good as dead for our purposes.
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && len(b) > i+2 && b[i+2] != 'Z'
}

// procStatusField reads one field of /proc/PID/status.
func procStatusField(t *testing.T, pid int, field string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return ""
}

func hostMountinfo(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	// Named network namespaces (nsfs mounts under /run/netns) come and
	// go with other tests running meanwhile; they are not ours to judge.
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, " - nsfs ") && !strings.Contains(l, "/run/netns") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// rtLongInit is an init that stays up (and ignores nothing special).
var rtLongInit = []string{"--", "/bin/sh", "-c", "exec sleep 1000"}

func TestRuntimeStartStop(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rs")
	e.createBusybox(name)
	pidfile := filepath.Join(t.TempDir(), "pid")

	// lxc-start without -d daemonizes and returns once RUNNING.
	e.must("start", "-n", name, "-p", pidfile)
	if s := e.rtState(name); s != "RUNNING" {
		t.Fatalf("state after start: %q", s)
	}
	rec := e.record(name)
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	mpid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if mpid != rec.MonitorPID || mpid <= 0 {
		t.Fatalf("pidfile has %d, monitor is %d", mpid, rec.MonitorPID)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", mpid))
	if want := "[lxc monitor] " + e.P + " " + name; !strings.HasPrefix(string(cmdline), want) {
		t.Fatalf("monitor cmdline %q, want prefix %q", cmdline, want)
	}
	init1 := e.rtInitPID(name)
	if init1 != rec.InitPID {
		t.Fatalf("info -pH %d, record %d", init1, rec.InitPID)
	}

	// A second start is refused (rc 0 as LXC, with a message) and leaves
	// the container alone.
	r := e.lxc("start", "-n", name)
	if r.RC != 0 || !strings.Contains(r.Stderr, "is already running") {
		t.Fatalf("second start: %v", r)
	}
	if e.rtInitPID(name) != init1 {
		t.Fatal("second start disturbed the container")
	}

	// Reboot: the same monitor, a new init, RUNNING again.
	e.must("stop", "-n", name, "-r")
	if s := e.rtState(name); s != "RUNNING" {
		t.Fatalf("state after reboot: %q", s)
	}
	if e.record(name).MonitorPID != mpid {
		t.Fatalf("reboot changed the monitor: %d -> %d", mpid, e.record(name).MonitorPID)
	}
	if p := e.rtInitPID(name); p == init1 || alive(init1) {
		t.Fatalf("reboot kept init %d (now %d)", init1, p)
	}

	// Clean halt through lxc.signal.halt (busybox: SIGUSR1, ~2 s).
	t0 := time.Now()
	e.must("stop", "-n", name)
	if d := time.Since(t0); d > 15*time.Second {
		t.Fatalf("halt took %v", d)
	}
	if s := e.rtState(name); s != "STOPPED" {
		t.Fatalf("state after stop: %q", s)
	}
	if alive(mpid) {
		t.Fatal("monitor still alive after stop")
	}
	// LXC unlinks the pidfile when the container stops.
	if _, err := os.Stat(pidfile); err == nil {
		b, _ := os.ReadFile(pidfile)
		t.Errorf("pidfile left after stop: %q", b)
	}
	if cg := payloadCgroups(name); len(cg) != 0 {
		t.Fatalf("cgroups left after stop: %v", cg)
	}

	// -d and -k.
	e.must("start", "-n", name, "-d")
	e.must("stop", "-n", name, "-k")
	if s := e.rtState(name); s != "STOPPED" {
		t.Fatalf("state after stop -k: %q", s)
	}

	// Not running: rc 2.
	r = e.lxc("stop", "-n", name)
	if r.RC != 2 || !strings.Contains(r.Stderr, name+" is not running") {
		t.Fatalf("stop of a stopped container: %v", r)
	}
	r = e.lxc("stop", "-n", "never-created")
	if r.RC != 2 {
		t.Fatalf("stop of an unknown container: %v", r)
	}
	e.must("destroy", "-n", name)
}

func TestRuntimeStopArgChecks(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-k", "-t", "1"}, "-k doesn't allow timeouts"},
		{[]string{"-k", "-r"}, "-k can't be used with -r"},
		{[]string{"-k", "--nokill"}, "-k can't be used with --nokill"},
		{[]string{"--nolock"}, "--nolock may only be used with -k"},
	} {
		r := e.lxc("stop", append([]string{"-n", "x"}, tc.args...)...)
		if r.RC != 1 || !strings.Contains(r.Stderr, tc.msg) {
			t.Errorf("lxc-stop %v: %v, want rc 1 and %q", tc.args, r, tc.msg)
		}
	}
}

func TestRuntimeForeground(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rf")
	e.createBusybox(name)
	r := e.lxc("start", "-n", name, "-F", "--", "/bin/sh", "-c", "echo hello from $(hostname); exit 3")
	if r.RC != 3 || !strings.Contains(r.Stdout, "hello from "+name) {
		t.Fatalf("start -F: %v", r)
	}
	if s := e.rtState(name); s != "STOPPED" {
		t.Fatalf("state after start -F: %q", s)
	}
	r = e.lxc("start", "-n", name, "-F", "--", "/bin/true")
	if r.RC != 0 {
		t.Fatalf("start -F true: %v", r)
	}
	if cg := payloadCgroups(name); len(cg) != 0 {
		t.Fatalf("cgroups left: %v", cg)
	}
}

func TestRuntimeExecute(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rx")
	e.createBusybox(name)

	r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "echo $$")
	if r.RC != 0 || r.Stdout != "2\n" {
		t.Fatalf("pid of the command: %v", r)
	}
	for _, tc := range []struct {
		cmd string
		rc  int
	}{{"exit 0", 0}, {"exit 7", 7}, {"kill -9 $$", 137}, {"kill -15 $$", 143}} {
		if r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", tc.cmd); r.RC != tc.rc {
			t.Errorf("execute %q: %v, want rc %d", tc.cmd, r, tc.rc)
		}
	}
	// A command that does not exist: LXC 5.0.2 exits 255.
	if r := e.lxc("execute", "-n", name, "--", "/nonexistent"); r.RC != 255 {
		t.Errorf("execute of a missing command: %v, want rc 255 as LXC", r)
	}
	if s := e.rtState(name); s != "STOPPED" {
		t.Fatalf("state after the missing command: %q", s)
	}
	// -s overrides the file.
	if r := e.lxc("execute", "-n", name, "-s", "lxc.uts.name=other", "--", "hostname"); r.RC != 0 || r.Stdout != "other\n" {
		t.Errorf("execute -s: %v", r)
	}
	// -u/-g.
	if r := e.lxc("execute", "-n", name, "-u", "1000", "-g", "1001", "--", "/bin/sh", "-c", "id -u; id -g"); r.RC != 0 || r.Stdout != "1000\n1001\n" {
		t.Errorf("execute -u -g: %v", r)
	}
	// Environment and lxc.execute.cmd.
	r = e.lxc("execute", "-n", name, "-s", "lxc.environment=FOO=bar", "-s", "lxc.execute.cmd=/bin/env")
	if r.RC != 0 || !strings.Contains(r.Stdout, "FOO=bar\n") || !strings.Contains(r.Stdout, "container=lxc\n") {
		t.Errorf("execute with lxc.execute.cmd: %v", r)
	}

	// Refused while running.
	e.must("start", "-n", name)
	r = e.lxc("execute", "-n", name, "--", "/bin/true")
	if r.RC != 1 || !strings.Contains(r.Stderr, `appears to be already running`) {
		t.Errorf("execute of a running container: %v", r)
	}
	e.must("stop", "-n", name, "-k")

	// A volatile container: -f with a name never created.
	conf := filepath.Join(t.TempDir(), "vol.conf")
	writeFile(t, conf, "lxc.net.0.type = empty\nlxc.rootfs.path = dir:"+filepath.Join(e.P, name, "rootfs")+"\nlxc.uts.name = vol\n")
	vol := uniqueName("vol")
	r = e.lxc("execute", "-n", vol, "-f", conf, "--", "/bin/sh", "-c", "hostname; echo $$")
	if r.RC != 0 || r.Stdout != "vol\n2\n" {
		t.Fatalf("volatile execute: %v", r)
	}
	if _, err := os.Stat(filepath.Join(e.P, vol)); !os.IsNotExist(err) {
		ents, _ := os.ReadDir(filepath.Join(e.P, vol))
		var names []string
		for _, d := range ents {
			names = append(names, d.Name())
		}
		t.Errorf("volatile container left %s behind: %v", filepath.Join(e.P, vol), names)
	}
	if cg := payloadCgroups(vol); len(cg) != 0 {
		t.Errorf("volatile container left cgroups: %v", cg)
	}
}

// TestRuntimeExecuteMissingVsLXC compares a missing command with real
// lxc-execute, when it is installed.
func TestRuntimeExecuteMissingVsLXC(t *testing.T) {
	requireRoot(t)
	if _, err := os.Stat("/usr/bin/lxc-execute"); err != nil {
		t.Skip("real LXC not installed")
	}
	e := newEnv(t)
	name := uniqueName("rm")
	e.createBusybox(name)
	ours := e.lxc("execute", "-n", name, "--", "/nonexistent")

	rp := filepath.Join(t.TempDir(), "real")
	if err := os.MkdirAll(rp, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "c.conf")
	writeFile(t, conf, "lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\nlxc.rootfs.path = dir:"+filepath.Join(e.P, name, "rootfs")+"\n")
	cmd := exec.Command("/usr/bin/lxc-execute", "-P", rp, "-n", name, "-f", conf, "--", "/nonexistent")
	out, _ := cmd.CombinedOutput()
	real := cmd.ProcessState.ExitCode()
	t.Cleanup(func() {
		_ = exec.Command("/usr/bin/lxc-stop", "-P", rp, "-n", name, "-k").Run()
		_ = exec.Command("/usr/bin/lxc-destroy", "-P", rp, "-n", name).Run()
	})
	if ours.RC != real {
		t.Errorf("missing command: ours %v, LXC rc %d output %q", ours, real, out)
	}
}

func TestRuntimeIsolation(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("ri")
	hostDir := t.TempDir()
	writeFile(t, filepath.Join(hostDir, "marker"), "from host\n")
	before := hostMountinfo(t)
	e.createBusybox(name,
		"lxc.environment = GREETING=hi there",
		"lxc.mount.entry = "+hostDir+" mnt/rw none bind,create=dir 0 0",
		"lxc.mount.entry = "+hostDir+" mnt/ro none bind,ro,create=dir 0 0",
		"lxc.mount.entry = tmpfs mnt/tmp tmpfs size=1m,create=dir 0 0",
	)
	rootfs := filepath.Join(e.P, name, "rootfs")
	script := "hostname > /out.host; cat /proc/self/mountinfo > /out.mi; " +
		"cat /mnt/ro/marker > /out.ro; (echo x > /mnt/ro/f) 2>/dev/null && echo writable > /out.rowrite; " +
		"echo inside > /mnt/rw/written; exec sleep 1000"
	e.must("start", "-n", name, "-s", "lxc.uts.name=isohost", "--", "/bin/sh", "-c", script)
	waitFor(t, 10*time.Second, "init script", func() bool {
		_, err := os.Stat(filepath.Join(hostDir, "written"))
		return err == nil
	})
	pid := e.rtInitPID(name)

	// Namespaces differ from the host's.
	for _, ns := range []string{"mnt", "pid", "uts", "ipc", "net", "cgroup"} {
		h, _ := os.Readlink("/proc/self/ns/" + ns)
		c, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
		if err != nil || h == c {
			t.Errorf("namespace %s: host %q container %q (%v)", ns, h, c, err)
		}
	}
	if h, _ := os.Readlink("/proc/self/ns/user"); true {
		c, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid))
		if h != c {
			t.Errorf("user namespace created without lxc.idmap: %q vs %q", h, c)
		}
	}
	// Hostname.
	if b, _ := os.ReadFile(filepath.Join(rootfs, "out.host")); string(b) != "isohost\n" {
		t.Errorf("hostname %q", b)
	}
	// Environment of the init.
	env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	vars := strings.Split(string(env), "\x00")
	for _, want := range []string{"container=lxc", "container_ttys=pts/0 pts/1 pts/2 pts/3 pts/4", "GREETING=hi there"} {
		found := false
		for _, v := range vars {
			found = found || v == want
		}
		if !found {
			t.Errorf("init environment %q lacks %q", vars, want)
		}
	}
	for _, v := range vars {
		if strings.HasPrefix(v, "_LXC_") {
			t.Errorf("private variable %q reached the init", v)
		}
	}
	// Capabilities: the busybox template drops sys_module mac_admin
	// mac_override sys_time.
	bnd, err := strconv.ParseUint(procStatusField(t, pid, "CapBnd"), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		bit  uint
	}{{"sys_module", 16}, {"sys_time", 25}, {"mac_override", 32}, {"mac_admin", 33}} {
		if bnd&(1<<c.bit) != 0 {
			t.Errorf("CapBnd %x still has %s", bnd, c.name)
		}
	}
	for _, c := range []uint{0, 21} { // chown, sys_admin stay
		if bnd&(1<<c) == 0 {
			t.Errorf("CapBnd %x lost capability %d", bnd, c)
		}
	}
	if v := procStatusField(t, pid, "CapInh"); strings.Trim(v, "0") != "" {
		t.Errorf("CapInh = %s", v)
	}
	if v := procStatusField(t, pid, "CapAmb"); strings.Trim(v, "0") != "" {
		t.Errorf("CapAmb = %s", v)
	}
	// Mount entries inside.
	mi, _ := os.ReadFile(filepath.Join(rootfs, "out.mi"))
	var ro, rw, tmp bool
	for _, l := range strings.Split(string(mi), "\n") {
		f := strings.Fields(l)
		if len(f) < 6 {
			continue
		}
		opts := "," + f[5] + ","
		switch f[4] {
		case "/mnt/ro":
			ro = strings.Contains(opts, ",ro,")
		case "/mnt/rw":
			rw = strings.Contains(opts, ",rw,")
		case "/mnt/tmp":
			tmp = strings.Contains(l, " - tmpfs ")
		}
	}
	if !ro || !rw || !tmp {
		t.Errorf("mount entries inside (ro %v rw %v tmpfs %v):\n%s", ro, rw, tmp, mi)
	}
	if b, _ := os.ReadFile(filepath.Join(rootfs, "out.ro")); string(b) != "from host\n" {
		t.Errorf("ro bind content %q", b)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "out.rowrite")); err == nil {
		t.Error("the ro bind mount was writable")
	}
	// Nothing leaks into the host's mount table.
	during := hostMountinfo(t)
	if during != before {
		t.Errorf("host mountinfo changed while the container runs:\nbefore:\n%s\nduring:\n%s", before, during)
	}
	e.must("stop", "-n", name, "-k")
	if after := hostMountinfo(t); after != before {
		t.Errorf("host mountinfo changed after stop")
	}
}

// hookScript writes a hook that appends its type, name and environment
// to log.
func hookScript(t *testing.T, dir, log string) string {
	p := filepath.Join(dir, "hook.sh")
	writeFile(t, p, "#!/bin/sh\necho \"$3 $1 $2 name=$LXC_NAME rootfs=$LXC_ROOTFS_PATH mount=$LXC_ROOTFS_MOUNT conf=$LXC_CONFIG_FILE target=$LXC_TARGET\" >> "+log+"\n")
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRuntimeHooks(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rh")
	dir := t.TempDir()
	log := filepath.Join(dir, "hooks.log")
	h := hookScript(t, dir, log)
	var lines []string
	for _, k := range []string{"pre-start", "pre-mount", "mount", "start-host", "stop", "post-stop"} {
		lines = append(lines, "lxc.hook."+k+" = "+h)
	}
	lines = append(lines, "lxc.hook.start = /hook-in.sh")
	e.createBusybox(name, lines...)
	rootfs := filepath.Join(e.P, name, "rootfs")
	writeFile(t, filepath.Join(rootfs, "hook-in.sh"), "#!/bin/sh\necho \"$3 $LXC_NAME $(hostname)\" > /hook-in.out\n")
	if err := os.Chmod(filepath.Join(rootfs, "hook-in.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	e.must("start", "-n", name, "--", "/bin/sh", "-c", "exec sleep 1000")
	e.must("stop", "-n", name, "-k")
	b, _ := os.ReadFile(log)
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) < 4 {
			t.Fatalf("hook log line %q", l)
		}
		got = append(got, f[0])
		if f[1] != name || f[2] != "lxc" || f[3] != "name="+name {
			t.Errorf("hook line %q: want args %q lxc and LXC_NAME", l, name)
		}
		if !strings.Contains(l, "conf="+filepath.Join(e.P, name, "config")) {
			t.Errorf("hook line %q: LXC_CONFIG_FILE", l)
		}
		if !strings.Contains(l, "rootfs="+rootfs+" ") {
			t.Errorf("hook line %q: LXC_ROOTFS_PATH", l)
		}
		if (f[0] == "stop" || f[0] == "post-stop") && !strings.Contains(l, "target=stop") {
			t.Errorf("hook line %q: LXC_TARGET", l)
		}
	}
	want := []string{"pre-start", "pre-mount", "mount", "start-host", "stop", "post-stop"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("hooks ran %v, want %v\n%s", got, want, b)
	}
	if b, _ := os.ReadFile(filepath.Join(rootfs, "hook-in.out")); string(b) != "start "+name+" "+name+"\n" {
		t.Errorf("start hook inside the container wrote %q", b)
	}

	// A failing pre-start hook aborts the start cleanly.
	bad := uniqueName("rhb")
	e.createBusybox(bad, "lxc.hook.pre-start = /bin/false")
	r := e.lxc("start", "-n", bad)
	if r.RC != 1 || !strings.Contains(r.Stderr, "The container failed to start") {
		t.Fatalf("start with a failing pre-start hook: %v", r)
	}
	if s := e.rtState(bad); s != "STOPPED" {
		t.Fatalf("state %q", s)
	}
	if cg := payloadCgroups(bad); len(cg) != 0 {
		t.Fatalf("cgroups left: %v", cg)
	}
	if r := e.lxc("execute", "-n", bad, "--", "/bin/true"); r.RC != 1 {
		t.Fatalf("execute with a failing pre-start hook: %v", r)
	}
}

func TestRuntimeStopEscalation(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("re")
	e.createBusybox(name)
	stubborn := []string{"--", "/bin/sh", "-c", `trap "" USR1 PWR TERM; while :; do sleep 1; done`}

	e.must("start", append([]string{"-n", name}, stubborn...)...)
	t0 := time.Now()
	r := e.lxc("stop", "-n", name, "--nokill", "-t", "1")
	if r.RC != 1 {
		t.Fatalf("stop --nokill -t 1: %v", r)
	}
	if d := time.Since(t0); d < 900*time.Millisecond || d > 5*time.Second {
		t.Errorf("stop --nokill -t 1 took %v", d)
	}
	if s := e.rtState(name); s != "RUNNING" {
		t.Fatalf("state after --nokill: %q", s)
	}
	t0 = time.Now()
	e.must("stop", "-n", name, "-t", "1")
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("stop -t 1 took %v", d)
	}
	if s := e.rtState(name); s != "STOPPED" {
		t.Fatalf("state after stop -t 1: %q", s)
	}
	// -W returns at once.
	e.must("start", "-n", name)
	e.must("stop", "-n", name, "-W")
	e.rtWaitState(name, "STOPPED", 15*time.Second)
}

func TestRuntimeKillMonitor(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rk")
	e.createBusybox(name)
	pidfile := filepath.Join(t.TempDir(), "pid")
	e.must("start", "-n", name, "-p", pidfile)
	rec := e.record(name)
	initPID := e.rtInitPID(name)
	if err := syscall.Kill(rec.MonitorPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "init to die with its monitor", func() bool { return !alive(initPID) })
	if s := e.rtState(name); s != "STOPPED" {
		t.Fatalf("state after killing the monitor: %q", s)
	}
	e.must("start", "-n", name)
	if s := e.rtState(name); s != "RUNNING" {
		t.Fatalf("state after restart: %q", s)
	}
	e.must("stop", "-n", name, "-k")
	if cg := payloadCgroups(name); len(cg) != 0 {
		t.Fatalf("cgroups left after restart and stop: %v", cg)
	}
	// Kill the monitor again, then destroy directly.
	e.must("start", "-n", name)
	rec = e.record(name)
	initPID = rec.InitPID
	_ = syscall.Kill(rec.MonitorPID, syscall.SIGKILL)
	waitFor(t, 5*time.Second, "init to die", func() bool { return !alive(initPID) })
	e.must("destroy", "-n", name)
	if cg := payloadCgroups(name); len(cg) != 0 {
		t.Fatalf("cgroups left after destroy: %v", cg)
	}
}

func TestRuntimeKillInit(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rki")
	e.createBusybox(name)
	e.must("start", "-n", name)
	mon := e.record(name).MonitorPID
	_ = syscall.Kill(e.rtInitPID(name), syscall.SIGKILL)
	e.rtWaitState(name, "STOPPED", 10*time.Second)
	waitFor(t, 5*time.Second, "monitor exit", func() bool { return !alive(mon) })
	// The monitor's own cgroup goes just after the monitor: a remover
	// it forked takes it away once the monitor has exited (see
	// core/rawrmdir_linux.go).
	waitFor(t, 2*time.Second, "cgroups removed", func() bool { return len(payloadCgroups(name)) == 0 })
	e.must("start", "-n", name)
	e.must("stop", "-n", name, "-k")
}

func TestRuntimeStaleRecord(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rsr")
	e.createBusybox(name)
	// A dead pid: a child we started and reaped.
	c := exec.Command("/bin/true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	dead := c.Process.Pid
	rec := fmt.Sprintf(`{"running":true,"monitor_pid":%d,"monitor_start":12345,"init_pid":%d,"init_start":12346}`, dead, dead)
	writeFile(t, filepath.Join(e.P, name, "state.json"), rec)
	if s := e.rtState(name); s != "STOPPED" {
		t.Fatalf("stale record reads %q", s)
	}
	r := e.lxc("info", "-n", name)
	if !strings.Contains(r.Stdout, "STOPPED") || strings.Contains(r.Stdout, "PID:") {
		t.Fatalf("info with a stale record: %v", r)
	}
	// The recorded pid is now our own pid 1 (alive, reused): never
	// signalled, still STOPPED.
	writeFile(t, filepath.Join(e.P, name, "state.json"),
		fmt.Sprintf(`{"running":true,"monitor_pid":%d,"monitor_start":1,"init_pid":%d,"init_start":1}`, os.Getpid(), os.Getpid()))
	if s := e.rtState(name); s != "STOPPED" {
		t.Fatalf("record with a reused pid reads %q", s)
	}
	if r := e.lxc("stop", "-n", name, "-k"); r.RC != 2 {
		t.Fatalf("stop with a reused pid in the record: %v", r)
	}
	e.must("start", "-n", name)
	e.must("stop", "-n", name, "-k")
}

func TestRuntimeConcurrentStart(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rc")
	e.createBusybox(name)
	var wg sync.WaitGroup
	res := make([]result, 10)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = e.lxc("start", "-n", name, "-d")
		}()
	}
	wg.Wait()
	refused := 0
	for _, r := range res {
		if r.RC != 0 {
			t.Errorf("concurrent start: %v", r)
		}
		if strings.Contains(r.Stderr, "is already running") {
			refused++
		} else if r.Stderr != "" {
			t.Errorf("concurrent start stderr: %v", r)
		}
	}
	if refused != 9 {
		t.Errorf("%d of 10 starts refused, want 9", refused)
	}
	if s := e.rtState(name); s != "RUNNING" {
		t.Fatalf("state %q", s)
	}
	// Exactly one monitor for this container.
	mons := 0
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, _ := os.ReadFile(p)
		if strings.HasPrefix(string(b), "[lxc monitor] "+e.P+" "+name+"\x00") || string(b) == "[lxc monitor] "+e.P+" "+name {
			mons++
		}
	}
	if mons != 1 {
		t.Errorf("%d monitors running", mons)
	}
	e.must("stop", "-n", name, "-k")
}

// rtSnapshot is what must not grow: processes, mounts, cgroups, files.
type rtSnapshot struct {
	procs  map[int]string
	mounts string
	cg     []string
	files  []string
}

func rtTake(t *testing.T, e *testEnv, name string) rtSnapshot {
	s := rtSnapshot{procs: map[int]string{}, mounts: hostMountinfo(t), cg: payloadCgroups(name)}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		pid, _ := strconv.Atoi(filepath.Base(p))
		if b, err := os.ReadFile(p + "/cmdline"); err == nil && alive(pid) {
			s.procs[pid] = string(b)
		}
	}
	_ = filepath.Walk(filepath.Join(e.P, name), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !strings.Contains(p, "/rootfs/") {
			s.files = append(s.files, p)
		}
		return nil
	})
	sort.Strings(s.files)
	return s
}

func TestRuntimeExecuteRepeat(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rr")
	e.createBusybox(name)
	e.must("execute", "-n", name, "--", "/bin/true") // the log file exists from now on
	before := rtTake(t, e, name)
	const n = 200
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if r := e.lxc("execute", "-n", name, "--", "/bin/true"); r.RC != 0 {
			t.Fatalf("execute %d: %v", i, r)
		}
	}
	d := time.Since(t0)
	t.Logf("%d executes of /bin/true: %v (%v each)", n, d, d/n)
	after := rtTake(t, e, name)
	for pid, cmd := range after.procs {
		if _, ok := before.procs[pid]; !ok && (strings.Contains(cmd, lxcBin) || strings.Contains(cmd, e.P)) {
			t.Errorf("process left: %d %q", pid, cmd)
		}
	}
	if after.mounts != before.mounts {
		t.Errorf("host mounts changed")
	}
	if len(after.cg) != 0 {
		t.Errorf("cgroups left: %v", after.cg)
	}
	if strings.Join(after.files, "\n") != strings.Join(before.files, "\n") {
		t.Errorf("files changed:\nbefore %v\nafter  %v", before.files, after.files)
	}
}

func TestRuntimeSecurity(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("rsec")
	e.createBusybox(name)

	// /proc/1/exe of lxc-execute's init is a sealed copy of our binary
	// (a detached read-only overlay, or a sealed memfd), never the host
	// file, and cannot be written.
	r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c",
		"readlink /proc/1/exe; if (echo x >> /proc/1/exe) 2>/dev/null; then echo WRITABLE; fi; "+
			"if (exec 3<>/proc/1/exe) 2>/dev/null; then echo OPENED-RW; fi")
	sealed := strings.HasPrefix(r.Stdout, "/memfd:") || strings.HasPrefix(r.Stdout, "/"+filepath.Base(lxcBin)+"\n")
	if r.RC != 0 || !sealed || strings.Contains(r.Stdout, "WRITABLE") || strings.Contains(r.Stdout, "OPENED-RW") {
		t.Errorf("/proc/1/exe inside: %v", r)
	}
	if strings.Contains(r.Stdout, lxcBin) {
		t.Errorf("/proc/1/exe is the host binary: %v", r)
	}

	// No host fd reaches the init: start with an extra inherited fd.
	leak, err := os.Open(e.P)
	if err != nil {
		t.Fatal(err)
	}
	defer leak.Close()
	cmd := exec.Command(lxcBin, "start", "-P", e.P, "-n", name, "--", "/bin/sh", "-c", "exec sleep 1000")
	cmd.Env = append(os.Environ(), "_LXC_SYSTEM_CONFIG="+e.SysConf)
	cmd.ExtraFiles = []*os.File{leak, leak, leak}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("start with inherited fds: %v %s", err, out)
	}
	pid := e.rtInitPID(name)
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	var fds []string
	for _, d := range ents {
		l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, d.Name()))
		fds = append(fds, d.Name()+" -> "+l)
		if n, _ := strconv.Atoi(d.Name()); n > 2 {
			t.Errorf("init holds fd %s -> %s", d.Name(), l)
		}
		if !strings.HasPrefix(l, "/dev/") {
			t.Errorf("init fd %s -> %s is not a console or /dev/null", d.Name(), l)
		}
	}
	t.Logf("init fds: %v", fds)
	// The monitor must not keep the caller's fds either.
	mon := e.record(name).MonitorPID
	ments, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", mon))
	for _, d := range ments {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", mon, d.Name())); l == e.P {
			t.Errorf("monitor keeps the caller's fd %s -> %s", d.Name(), l)
		}
	}
	e.must("stop", "-n", name, "-k")

	// Symlinks in the rootfs pointing out of it, as mount targets: each
	// entry either fails or lands inside the rootfs, never on the host.
	outside := t.TempDir()
	before := hostMountinfo(t)
	for _, entry := range []string{
		"tmpfs evil/sub tmpfs create=dir 0 0",
		"tmpfs evil tmpfs create=dir 0 0",
		"/etc/hostname evilfile none bind,create=file 0 0",
		"/etc/hostname evil/f none bind,create=file 0 0",
		"tmpfs rel/x tmpfs create=dir 0 0",
		"tmpfs rel tmpfs create=dir 0 0",
		"tmpfs /rel/y tmpfs create=dir 0 0",
		"tmpfs ./evil/../evil/z tmpfs create=dir 0 0",
	} {
		// Each entry in its own container (-s would split the options
		// at their commas, see the report).
		sym := uniqueName("rsym")
		e.createBusybox(sym, "lxc.mount.entry = "+entry)
		rootfs := filepath.Join(e.P, sym, "rootfs")
		for link, target := range map[string]string{
			"evil":     outside,
			"evilfile": filepath.Join(outside, "file"),
			"rel":      "../../../../../../../../../../.." + outside,
		} {
			if err := os.Symlink(target, filepath.Join(rootfs, link)); err != nil {
				t.Fatal(err)
			}
		}
		r := e.lxc("start", "-n", sym, "--", "/bin/sh", "-c", "exec sleep 1000")
		t.Logf("start with mount entry %q: rc %d %s", entry, r.RC, strings.SplitN(r.Stderr, "\n", 2)[0])
		if ents, _ := os.ReadDir(outside); len(ents) != 0 {
			t.Errorf("%q: files appeared on the host through a rootfs symlink: %v", entry, ents)
		}
		if strings.Contains(hostMountinfo(t), outside) || hostMountinfo(t) != before {
			t.Errorf("%q: a mount appeared on the host", entry)
		}
		e.lxc("stop", "-n", sym, "-k")
		e.lxc("destroy", "-n", sym)
	}
}

// rtReadLines reads lines from a pipe into a channel.
func rtReadLines(r *bufio.Reader) <-chan string {
	ch := make(chan string, 4096)
	go func() {
		defer close(ch)
		for {
			l, err := r.ReadString('\n')
			if l != "" {
				ch <- strings.TrimRight(l, "\n")
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}
