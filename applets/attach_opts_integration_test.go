package applets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAttachRCFile: -f replaces the container's running config for the
// attached process (here: which capabilities its bounding set keeps).
func TestAttachRCFile(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	capBnd := func(r result) string {
		for _, l := range strings.Split(r.Stdout, "\n") {
			if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
				return strings.TrimSpace(v)
			}
		}
		t.Fatalf("no CapBnd in %v", r)
		return ""
	}
	// The busybox template drops sys_module (16) and sys_time (25).
	def := e.attach("", name, "--", "/bin/cat", "/proc/self/status")
	if def.RC != 0 {
		t.Fatalf("attach: %v", def)
	}
	rc := filepath.Join(t.TempDir(), "rc.conf")
	cfg, err := os.ReadFile(filepath.Join(e.P, name, "config"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(cfg), "\n") {
		if !strings.HasPrefix(l, "lxc.cap.drop") {
			lines = append(lines, l)
		}
	}
	lines = append(lines, "lxc.cap.drop = sys_time")
	writeFile(t, rc, strings.Join(lines, "\n")+"\n")
	withRC := e.attach("", name, "-f", rc, "--", "/bin/cat", "/proc/self/status")
	if withRC.RC != 0 {
		t.Fatalf("attach -f: %v", withRC)
	}
	bit := func(mask string, n uint) bool {
		var v uint64
		for _, c := range mask {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= uint64(c - '0')
			case c >= 'a' && c <= 'f':
				v |= uint64(c-'a') + 10
			}
		}
		return v&(1<<n) != 0
	}
	if d := capBnd(def); bit(d, 16) || bit(d, 25) {
		t.Errorf("default attach keeps sys_module or sys_time: CapBnd %s", d)
	}
	if w := capBnd(withRC); !bit(w, 16) || bit(w, 25) {
		t.Errorf("attach -f (drop only sys_time): CapBnd %s", w)
	}
}

// TestAttachArch: -a runs the command with another personality, as
// LXC's (-a i686 on x86_64 shows i686 in uname).
func TestAttachArch(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	r := e.attach("", name, "-a", "i686", "--", "/bin/uname", "-m")
	if r.RC != 0 || strings.TrimSpace(r.Stdout) != "i686" {
		t.Fatalf("attach -a i686 uname -m: %v", r)
	}
	r = e.attach("", name, "--", "/bin/uname", "-m")
	if r.RC != 0 || strings.TrimSpace(r.Stdout) != "x86_64" {
		t.Fatalf("attach uname -m: %v", r)
	}
}

// TestAttachPtyLog: with a terminal on stdin, -L logs what the attached
// command wrote to its pty.
func TestAttachPtyLog(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	p := newTestPty(t)
	logf := filepath.Join(t.TempDir(), "pty.log")
	cmd := e.startOnPty(p, nil, "attach", "-P", e.P, "-n", name, "-L", logf, "--",
		"/bin/sh", "-c", "echo hello-from-the-pty; exit 3")
	if rc := waitExit(t, cmd, 30*time.Second); rc != 3 {
		t.Fatalf("attach on a pty: rc %d, output %q", rc, p.output())
	}
	b, err := os.ReadFile(logf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "hello-from-the-pty") {
		t.Fatalf("pty log %q lacks the command's output", b)
	}
}

// TestAttachUIDGID: -u and -g set the attached command's ids.
func TestAttachUIDGID(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	r := e.attach("", name, "-u", "1000", "-g", "1001", "--", "/bin/sh", "-c", "id -u; id -g")
	if r.RC != 0 || r.Stdout != "1000\n1001\n" {
		t.Fatalf("attach -u 1000 -g 1001: %v", r)
	}
}

// TestAttachRemount: -R gives the attached command a fresh /proc and /sys
// in a mount namespace of its own: proc:mixed's read-only /proc/sys
// mount of the container is not there.
func TestAttachRemount(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	check := "if grep -q ' /proc/sys ' /proc/self/mountinfo; then echo ro-proc-sys; fi; cat /proc/1/comm"
	r := e.attach("", name, "--", "/bin/sh", "-c", check)
	if r.RC != 0 || !strings.Contains(r.Stdout, "ro-proc-sys") {
		t.Fatalf("without -R: %v", r)
	}
	r = e.attach("", name, "-R", "--", "/bin/sh", "-c", check)
	if r.RC != 0 || strings.Contains(r.Stdout, "ro-proc-sys") || !strings.Contains(r.Stdout, "init") {
		t.Fatalf("with -R: %v", r)
	}
}
