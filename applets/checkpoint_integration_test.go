package applets

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeCriu writes a fake criu into a private directory and returns that
// directory (to go first in PATH) and the file it logs its argv to.
// "criu check" passes; "criu restore" either fails with a log, or starts
// "sleep 1000" in the background and exits 0, so that the sleep is left
// behind as the restored init: criu's child reparented to the monitor
// (a child subreaper while criu runs), as a real criu's --restore-sibling
// tree is the monitor's child. It also notes whether fd 3 (the console
// passed with --inherit-fd) is a terminal.
func fakeCriu(t *testing.T, fail bool) (dir, argvLog string) {
	t.Helper()
	dir = t.TempDir()
	argvLog = filepath.Join(dir, "argv")
	restore := `sleep 1000 </dev/null >/dev/null 2>&1 &
exit 0`
	if fail {
		restore = `echo "Error (criu/cr-restore.c:2417): fake: cannot restore the tree" > "$D/restore.log"
echo "fake criu: restore refused" >&2
exit 1`
	}
	script := fmt.Sprintf(`#!/bin/sh
echo "$*" >> %q
case "$1" in
check) exit 0 ;;
restore)
	D=
	prev=
	for a in "$@"; do
		[ "$prev" = "-D" ] && D=$a
		prev=$a
	done
	if [ -t 3 ]; then echo "fd3-tty" >> %q; fi
	%s
	;;
esac
exit 0
`, argvLog, argvLog, restore)
	writeFile(t, filepath.Join(dir, "criu"), script)
	if err := os.Chmod(filepath.Join(dir, "criu"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, argvLog
}

// ppidOf is field 4 of /proc/PID/stat.
func ppidOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}

// TestCheckpointRestoreFakeCriu: lxc-checkpoint -r -d runs criu restore
// with LXC's options from a monitor, which then supervises the restored
// init (RUNNING with its pid, lxc-stop -k, no cgroups left).
func TestCheckpointRestoreFakeCriu(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	bin, argvLog := fakeCriu(t, false)
	e.ExtraEnv = append(e.ExtraEnv, "PATH="+bin+":"+os.Getenv("PATH"))
	n := uniqueName("rst")
	e.createBusybox(n)
	img := t.TempDir()
	writeFile(t, filepath.Join(img, "tty.info"), "tty[8800:d]")

	if r := e.lxc("checkpoint", "-n", n, "-D", img, "-d"); r.RC != 1 || !strings.Contains(r.Stderr, "only valid when restoring") {
		t.Fatalf("-d without -r: %v", r)
	}
	e.must("checkpoint", "-n", n, "-D", img, "-r", "-d")
	t.Cleanup(func() {
		r := e.record(n)
		killRecorded(r.InitPID, r.InitStart)
	})
	rec := e.record(n)
	if rec.InitPID <= 0 || rec.MonitorPID <= 0 {
		t.Fatalf("record after restore: %+v", rec)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", rec.InitPID))
	if got := strings.ReplaceAll(string(cmdline), "\x00", " "); got != "sleep 1000 " {
		t.Fatalf("init %d is %q, not the fake criu's sleep", rec.InitPID, got)
	}
	if pp := ppidOf(rec.InitPID); pp != rec.MonitorPID {
		t.Fatalf("restored init %d has parent %d, not the monitor %d", rec.InitPID, pp, rec.MonitorPID)
	}
	info := e.must("info", "-n", n).Stdout
	if !strings.Contains(info, "RUNNING") || !strings.Contains(info, strconv.Itoa(rec.InitPID)) {
		t.Fatalf("lxc-info after restore:\n%s", info)
	}
	if len(payloadCgroups(n)) == 0 {
		t.Fatalf("no cgroups for the restored container")
	}
	cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", rec.InitPID))
	if !strings.Contains(string(cg), "/lxc.payload."+n) {
		t.Fatalf("restored init not in its payload cgroup:\n%s", cg)
	}

	argv, _ := os.ReadFile(argvLog)
	var restoreLine string
	for _, l := range strings.Split(string(argv), "\n") {
		if strings.HasPrefix(l, "restore ") {
			restoreLine = l
		}
	}
	for _, want := range []string{
		"restore --tcp-established --file-locks --link-remap --manage-cgroups=full --ext-mount-map auto",
		" -D " + img + " -o " + img + "/restore.log ",
		"--cgroup-root ",
		":/lxc.payload." + n,
		" --root /usr/lib/x86_64-linux-gnu/lxc/rootfs --restore-detached --restore-sibling",
		" --inherit-fd fd[3]:tty[8800:d] --ext-mount-map console:/dev/pts/",
	} {
		if !strings.Contains(restoreLine, want) {
			t.Errorf("criu restore argv lacks %q:\n%s", want, restoreLine)
		}
	}
	if !strings.Contains(string(argv), "fd3-tty") {
		t.Errorf("criu's fd 3 is not the console pty:\n%s", argv)
	}

	e.must("stop", "-n", n, "-k")
	waitFor(t, 10*time.Second, "the restored init to go", func() bool { return startTime(rec.InitPID) != rec.InitStart })
	if info := e.must("info", "-n", n, "-s").Stdout; !strings.Contains(info, "STOPPED") {
		t.Fatalf("after lxc-stop -k: %s", info)
	}
	waitFor(t, 10*time.Second, "cgroups to go", func() bool { return len(payloadCgroups(n)) == 0 })
}

// TestCheckpointRestoreFakeCriuFails: a failing criu restore gives
// criu's own message and log and leaves nothing behind.
func TestCheckpointRestoreFakeCriuFails(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	bin, _ := fakeCriu(t, true)
	e.ExtraEnv = append(e.ExtraEnv, "PATH="+bin+":"+os.Getenv("PATH"))
	n := uniqueName("rsf")
	e.createBusybox(n)
	img := t.TempDir()
	r := e.lxc("checkpoint", "-n", n, "-D", img, "-r")
	if r.RC != 1 {
		t.Fatalf("failing restore: %v", r)
	}
	t.Logf("failing restore: %s", r.Stderr)
	for _, want := range []string{"criu restore failed (exited 1)", "fake criu: restore refused", "fake: cannot restore the tree", img + "/restore.log"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("error lacks %q: %s", want, r.Stderr)
		}
	}
	if info := e.must("info", "-n", n, "-s").Stdout; !strings.Contains(info, "STOPPED") {
		t.Fatalf("after a failed restore: %s", info)
	}
	if cg := payloadCgroups(n); len(cg) != 0 {
		t.Fatalf("cgroups left: %v", cg)
	}
	if rec := e.record(n); rec.Running || (rec.MonitorPID > 0 && startTime(rec.MonitorPID) == rec.MonitorStart) {
		t.Fatalf("monitor left: %+v", rec)
	}
	if _, err := os.Stat(filepath.Join(e.P, n, "command")); err == nil {
		t.Fatalf("command socket left")
	}
}

// TestCheckpointRestoreForeground: with -F lxc-checkpoint is the monitor
// and returns (0, as LXC) once the restored container is stopped; a
// second restore of the running container is refused.
func TestCheckpointRestoreForeground(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	bin, _ := fakeCriu(t, false)
	e.ExtraEnv = append(e.ExtraEnv, "PATH="+bin+":"+os.Getenv("PATH"))
	n := uniqueName("rfg")
	e.createBusybox(n, "lxc.console.path = none")
	img := t.TempDir()
	cmd := exec.Command(lxcBin, "checkpoint", "-P", e.P, "-n", n, "-D", img, "-r", "-F")
	cmd.Env = append(append(os.Environ(), "_LXC_SYSTEM_CONFIG="+e.SysConf), e.ExtraEnv...)
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	waitFor(t, 10*time.Second, "RUNNING", func() bool {
		return strings.Contains(e.lxc("info", "-n", n, "-s").Stdout, "RUNNING")
	})
	rec := e.record(n)
	if rec.MonitorPID != cmd.Process.Pid || ppidOf(rec.InitPID) != cmd.Process.Pid {
		t.Fatalf("lxc-checkpoint -F (%d) is not the monitor and parent: %+v", cmd.Process.Pid, rec)
	}
	if r := e.lxc("checkpoint", "-n", n, "-D", img, "-r"); r.RC != 1 || !strings.Contains(r.Stderr, "is running, not restoring") {
		t.Fatalf("second restore: %v", r)
	}
	e.must("stop", "-n", n, "-k")
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Fatalf("lxc-checkpoint -r -F: %v: %s", err, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("lxc-checkpoint -r -F did not return after lxc-stop -k")
	}
	waitFor(t, 10*time.Second, "cgroups to go", func() bool { return len(payloadCgroups(n)) == 0 })
}
