package applets

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSeccompDefault: without lxc.seccomp.profile the default filter
// (LXC's common.seccomp and more) is loaded; a profile of one's own
// replaces it.
func TestSeccompDefault(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("scd")
	e.createBusybox(name)
	r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "grep ^Seccomp: /proc/self/status")
	if r.RC != 0 || !strings.Contains(r.Stdout, "Seccomp:\t2") {
		t.Fatalf("no filter by default: %v", r)
	}
	// The default denies nothing a busybox system needs.
	r = e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "mkdir /tmp/d && mount -t tmpfs none /tmp/d && umount /tmp/d && echo ok")
	if r.RC != 0 || !strings.Contains(r.Stdout, "ok") {
		t.Fatalf("busybox under the default filter: %v", r)
	}
	// umount -f is refused (reject_force_umount, as common.seccomp).
	r = e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "mkdir /tmp/f && mount -t tmpfs none /tmp/f && umount -f /tmp/f")
	if r.RC == 0 {
		t.Fatalf("umount -f allowed under the default filter: %v", r)
	}
	allow := filepath.Join(t.TempDir(), "allow.seccomp")
	writeFile(t, allow, "2\ndenylist\n")
	r = e.lxc("execute", "-n", name, "-s", "lxc.seccomp.profile="+allow, "--", "/bin/sh", "-c",
		"mkdir /tmp/g && mount -t tmpfs none /tmp/g && umount -f /tmp/g && echo forced")
	if r.RC != 0 || !strings.Contains(r.Stdout, "forced") {
		t.Fatalf("own profile does not replace the default: %v", r)
	}
}
