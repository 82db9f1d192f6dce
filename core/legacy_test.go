package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLegacyRewrite(t *testing.T) {
	in := `# old style
lxc.utsname = old
lxc.rootfs = /var/lib/lxc/old/rootfs
lxc.rootfs.backend = dir
lxc.network.type = veth
lxc.network.link = lxcbr0
lxc.network.ipv4 = 192.0.2.5/24
lxc.network.ipv4.gateway = 192.0.2.1
lxc.network.type = empty
lxc.network.flags = up
lxc.id_map = u 0 100000 65536
lxc.pts = 1024
lxc.tty = 4
lxc.devttydir = lxc
lxc.aa_profile = unconfined
lxc.aa_allow_incomplete = 1
lxc.se_context = x
lxc.mount = /etc/fstab.ct
lxc.seccomp = /x.seccomp
lxc.console = none
lxc.haltsignal = SIGPWR
lxc.rebootsignal = SIGINT
lxc.stopsignal = SIGKILL
lxc.syslog = daemon
lxc.loglevel = 1
lxc.logfile = /tmp/x.log
lxc.init_cmd = /sbin/init
lxc.init_uid = 0
lxc.init_gid = 0
lxc.limit.nofile = 1024
lxc.pivotdir = lxc_putold
lxc.kmsg = 0
#lxc.utsname = commented
  lxc.cap.drop = mknod
lxc.console.logfile = /tmp/c.log
`
	want := `# old style
lxc.uts.name = old
lxc.rootfs.path = dir:/var/lib/lxc/old/rootfs
lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.net.0.ipv4.address = 192.0.2.5/24
lxc.net.0.ipv4.gateway = 192.0.2.1
lxc.net.1.type = empty
lxc.net.1.flags = up
lxc.idmap = u 0 100000 65536
lxc.pty.max = 1024
lxc.tty.max = 4
lxc.tty.dir = lxc
lxc.apparmor.profile = unconfined
lxc.apparmor.allow_incomplete = 1
lxc.selinux.context = x
lxc.mount.fstab = /etc/fstab.ct
lxc.seccomp.profile = /x.seccomp
lxc.console.path = none
lxc.signal.halt = SIGPWR
lxc.signal.reboot = SIGINT
lxc.signal.stop = SIGKILL
lxc.log.syslog = daemon
lxc.log.level = 1
lxc.log.file = /tmp/x.log
lxc.init.cmd = /sbin/init
lxc.init.uid = 0
lxc.init.gid = 0
lxc.prlimit.nofile = 1024
#lxc.utsname = commented
  lxc.cap.drop = mknod
lxc.console.logfile = /tmp/c.log
`
	out, changed := RewriteLegacy(strings.Split(in, "\n"))
	if got := strings.Join(out, "\n"); got != want || !changed {
		t.Errorf("changed=%v, got:\n%s", changed, got)
	}
	c := NewConfig()
	if err := c.LoadString("new", want); err != nil {
		t.Errorf("rewritten config does not load: %v", err)
	}
	if _, changed := RewriteLegacy(strings.Split(want, "\n")); changed {
		t.Error("rewriting a current config changed it")
	}
}

func TestLegacyUpdateConfigFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config")
	orig := "lxc.utsname = a\nlxc.rootfs = /r\n"
	os.WriteFile(p, []byte(orig), 0o640)
	changed, err := UpdateLegacyConfig(p)
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	if b, _ := os.ReadFile(p + ".backup"); string(b) != orig {
		t.Errorf("backup = %q", b)
	}
	if b, _ := os.ReadFile(p); string(b) != "lxc.uts.name = a\nlxc.rootfs.path = /r\n" {
		t.Errorf("rewritten = %q", b)
	}
	if _, err := LoadConfig(p); err != nil {
		t.Error(err)
	}
}
