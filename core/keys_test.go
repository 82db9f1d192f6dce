package core

import (
	"errors"
	"os"
	"sort"
	"strings"
	"testing"
)

// jumpTable502 is every key of LXC 5.0.2's config_jump_table
// (src/lxc/confile.c); prefix entries end in ".".
var jumpTable502 = []string{
	"lxc.arch", "lxc.apparmor.profile", "lxc.apparmor.allow_incomplete",
	"lxc.apparmor.allow_nesting", "lxc.apparmor.raw", "lxc.autodev.tmpfs.size",
	"lxc.autodev", "lxc.cap.drop", "lxc.cap.keep", "lxc.cgroup2",
	"lxc.cgroup.dir.monitor.pivot", "lxc.cgroup.dir.monitor",
	"lxc.cgroup.dir.container.inner", "lxc.cgroup.dir.container",
	"lxc.cgroup.dir", "lxc.cgroup.relative", "lxc.cgroup",
	"lxc.console.buffer.size", "lxc.console.logfile", "lxc.console.path",
	"lxc.console.rotate", "lxc.console.size", "lxc.sched.core",
	"lxc.environment", "lxc.ephemeral", "lxc.execute.cmd", "lxc.group",
	"lxc.hook.autodev", "lxc.hook.clone", "lxc.hook.destroy", "lxc.hook.mount",
	"lxc.hook.post-stop", "lxc.hook.pre-mount", "lxc.hook.pre-start",
	"lxc.hook.start", "lxc.hook.start-host", "lxc.hook.stop",
	"lxc.hook.version", "lxc.hook", "lxc.idmap", "lxc.include", "lxc.init.cmd",
	"lxc.init.gid", "lxc.init.groups", "lxc.init.uid", "lxc.init.cwd",
	"lxc.keyring.session", "lxc.log.file", "lxc.log.level", "lxc.log.syslog",
	"lxc.monitor.unshare", "lxc.monitor.signal.pdeath", "lxc.mount.auto",
	"lxc.mount.entry", "lxc.mount.fstab", "lxc.namespace.clone",
	"lxc.namespace.keep", "lxc.namespace.share.", "lxc.time.offset.boot",
	"lxc.time.offset.monotonic", "lxc.net.", "lxc.net", "lxc.no_new_privs",
	"lxc.prlimit", "lxc.pty.max", "lxc.rootfs.managed", "lxc.rootfs.mount",
	"lxc.rootfs.options", "lxc.rootfs.path", "lxc.seccomp.allow_nesting",
	"lxc.seccomp.notify.cookie", "lxc.seccomp.notify.proxy",
	"lxc.seccomp.profile", "lxc.selinux.context.keyring",
	"lxc.selinux.context", "lxc.signal.halt", "lxc.signal.reboot",
	"lxc.signal.stop", "lxc.start.auto", "lxc.start.delay", "lxc.start.order",
	"lxc.tty.dir", "lxc.tty.max", "lxc.uts.name", "lxc.sysctl", "lxc.proc",
}

// netJumpTable502 is config_jump_table_net.
var netJumpTable502 = []string{
	"flags", "hwaddr", "ipv4.address", "ipv4.gateway", "ipv6.address",
	"ipv6.gateway", "link", "l2proxy", "macvlan.mode", "ipvlan.mode",
	"ipvlan.isolation", "mtu", "name", "script.down", "script.up", "type",
	"vlan.id", "veth.mode", "veth.n_rxqueues", "veth.n_txqueues", "veth.pair",
	"veth.ipv4.route", "veth.ipv6.route", "veth.vlan.id", "veth.vlan.tagged.id",
}

func TestKeyTableCoversJumpTable(t *testing.T) {
	for _, k := range jumpTable502 {
		probe := k
		if strings.HasSuffix(k, ".") {
			probe = k + "x"
		}
		h := lookupKey(probe)
		if h == nil || h.set == nil || h.get == nil || h.clear == nil {
			t.Errorf("key %s: missing handler or set/get/clear", k)
		}
	}
	for _, prefix := range []string{"lxc.cgroup.", "lxc.cgroup2.", "lxc.prlimit.", "lxc.sysctl.", "lxc.proc."} {
		if h := lookupKey(prefix + "x"); h == nil || h.name != prefix {
			t.Errorf("family %s: not handled by its prefix entry", prefix)
		}
	}
	subs := NetSubkeys()
	sort.Strings(subs)
	want := append([]string(nil), netJumpTable502...)
	sort.Strings(want)
	if strings.Join(subs, " ") != strings.Join(want, " ") {
		t.Errorf("net subkeys = %v, want %v", subs, want)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	t.Setenv("LXCGO_TEST_ENV", "val")
	// Each case: config lines, the key to read, LXC 5.0.2's get_config_item
	// value (observed with lxc-info -c).
	cases := []struct {
		conf, key, want string
	}{
		{"lxc.uts.name = \"c1\"", "lxc.uts.name", "c1"},
		{"lxc.uts.name = 'a b'", "lxc.uts.name", "a b"},
		{"", "lxc.uts.name", ""},
		{"lxc.arch = amd64", "lxc.arch", "x86_64"},
		{"lxc.arch = i386", "lxc.arch", "i686"},
		{"lxc.arch = arm64", "lxc.arch", "x86_64"},
		{"", "lxc.arch", ""},
		{"lxc.cap.drop = sys_module mknod\nlxc.cap.drop = sys_time", "lxc.cap.drop", "sys_module\nmknod\nsys_time\n"},
		{"lxc.cap.drop = sys_module\nlxc.cap.drop =\nlxc.cap.drop = sys_time", "lxc.cap.drop", "sys_time\n"},
		{"lxc.cap.keep = sys_admin  net_admin", "lxc.cap.drop", "sys_admin\nnet_admin\n"},
		{"lxc.cap.keep = none", "lxc.cap.keep", ""},
		{"lxc.cap.drop = 12 mknod", "lxc.cap.drop", "12\nmknod\n"},
		{"lxc.signal.halt = SIGRTMIN+3", "lxc.signal.halt", "37"},
		{"lxc.signal.halt = SIGPWR", "lxc.signal.halt", "30"},
		{"lxc.signal.stop = sigkill", "lxc.signal.stop", "9"},
		{"lxc.signal.reboot = 15", "lxc.signal.reboot", "15"},
		{"lxc.signal.halt = SIGRTMAX-30", "lxc.signal.halt", "34"},
		{"lxc.signal.halt = SIGIOT", "lxc.signal.halt", "6"},
		{"", "lxc.signal.stop", "0"},
		{"", "lxc.monitor.signal.pdeath", "9"},
		{"lxc.monitor.signal.pdeath = SIGTERM", "lxc.monitor.signal.pdeath", "15"},
		{"lxc.monitor.signal.pdeath = 0", "lxc.monitor.signal.pdeath", "0"},
		{"lxc.mount.auto = proc:mixed sys:ro cgroup:mixed:force", "lxc.mount.auto", "proc:mixed sys:ro"},
		{"lxc.mount.auto = proc", "lxc.mount.auto", "proc:mixed"},
		{"lxc.mount.auto = cgroup:mixed sys proc:mixed", "lxc.mount.auto", "proc:mixed sys:mixed cgroup:mixed"},
		{"lxc.mount.auto = sys:rw proc:rw shmounts:/x", "lxc.mount.auto", "proc:rw sys:rw"},
		{"lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536", "lxc.idmap", "u 0 100000 65536\ng 0 100000 65536"},
		{"lxc.cgroup.memory.limit_in_bytes = 1G\nlxc.cgroup.cpu.shares = 512", "lxc.cgroup", "lxc.cgroup.memory.limit_in_bytes = 1G\nlxc.cgroup.cpu.shares = 512\n"},
		{"lxc.cgroup.memory.limit_in_bytes = 1G", "lxc.cgroup.memory.limit_in_bytes", "1G\n"},
		{"lxc.cgroup2.memory.max = 1G\nlxc.cgroup2.pids.max = 10", "lxc.cgroup2", "lxc.cgroup2.memory.max = 1G\nlxc.cgroup2.pids.max = 10\n"},
		{"lxc.cgroup2.memory.max = 1G", "lxc.cgroup", ""},
		{"", "lxc.cgroup.bogus", ""},
		{"lxc.prlimit.nofile = 1024:2048", "lxc.prlimit", "lxc.prlimit.nofile = 1024:2048\n"},
		{"lxc.prlimit.nofile = 1024:2048", "lxc.prlimit.nofile", "1024:2048"},
		{"lxc.prlimit.as = unlimited:unlimited", "lxc.prlimit.as", "unlimited"},
		{"lxc.prlimit.nofile = -1", "lxc.prlimit.nofile", "unlimited"},
		{"lxc.prlimit.core = 1:unlimited", "lxc.prlimit.core", "1:unlimited"},
		{"lxc.hook.pre-start = /bin/true", "lxc.hook.pre-start", "/bin/true\n"},
		{"lxc.hook.start = /b\nlxc.hook.start = /c", "lxc.hook.start", "/b\n/c\n"},
		{"lxc.environment = A=B", "lxc.environment", "A=B\n"},
		{"lxc.environment = LXCGO_TEST_ENV", "lxc.environment", "LXCGO_TEST_ENV=val\n"},
		{"lxc.environment = A=1\nlxc.environment =\nlxc.environment = B=2", "lxc.environment", "B=2\n"},
		{"lxc.console.buffer.size = auto", "lxc.console.buffer.size", "131072"},
		{"lxc.console.buffer.size = 1MB", "lxc.console.buffer.size", "1048576"},
		{"lxc.console.buffer.size = 1000", "lxc.console.buffer.size", "4096"},
		{"lxc.console.buffer.size = 5000", "lxc.console.buffer.size", "8192"},
		{"lxc.console.buffer.size = 4 KB", "lxc.console.buffer.size", "4096"},
		{"lxc.console.buffer.size = 2GB", "lxc.console.buffer.size", "2147483648"},
		{"lxc.console.size = 12KB", "lxc.console.size", "16384"},
		{"lxc.console.size = 0", "lxc.console.size", "4096"},
		{"", "lxc.console.size", "0"},
		{"lxc.time.offset.boot = 10s", "lxc.time.offset.boot", "10 s\n"},
		{"lxc.time.offset.boot = 5h", "lxc.time.offset.boot", "18000 s\n"},
		{"lxc.time.offset.boot = -5s", "lxc.time.offset.boot", "-5 s\n"},
		{"lxc.time.offset.boot = 100ms", "lxc.time.offset.boot", "100000000 ns\n"},
		{"", "lxc.time.offset.boot", "0 ns\n"},
		{"", "lxc.time.offset.monotonic", "0ns\n"},
		{"lxc.time.offset.monotonic = 5m", "lxc.time.offset.monotonic", "300s\n"},
		{"lxc.time.offset.monotonic = 100ms", "lxc.time.offset.monotonic", "100000000ns\n"},
		{"lxc.start.auto = 1", "lxc.start.auto", "1"},
		{"lxc.start.auto = 01", "lxc.start.auto", "1"},
		{"lxc.start.order = -3", "lxc.start.order", "-3"},
		{"lxc.namespace.share.net = foo", "lxc.namespace.share.net", "foo"},
		{"", "lxc.namespace.share.net", "(null)"},
		{"lxc.namespace.clone = time cgroup net user ipc uts pid mnt", "lxc.namespace.clone", "user\nmnt\npid\nuts\nipc\nnet\ncgroup\ntime\n"},
		{"", "lxc.autodev", "1"},
		{"lxc.autodev = 0", "lxc.autodev", "0"},
		{"lxc.autodev.tmpfs.size = 1MB", "lxc.autodev.tmpfs.size", "500000"},
		{"lxc.autodev.tmpfs.size = 1000", "lxc.autodev.tmpfs.size", "1000"},
		{"", "lxc.log.level", "NOTSET"},
		{"lxc.log.level = warn", "lxc.log.level", "WARN"},
		{"lxc.log.level = 3", "lxc.log.level", "NOTICE"},
		{"lxc.log.syslog = LOCAL0", "lxc.log.syslog", "LOCAL0"},
		{"", "lxc.tty.max", "0"},
		{"lxc.tty.max = 0x5", "lxc.tty.max", "5"},
		{"", "lxc.rootfs.managed", "1"},
		{"", "lxc.keyring.session", "0"},
		{"", "lxc.init.uid", "0"},
		{"lxc.init.uid = x", "lxc.init.uid", "0"},
		{"lxc.init.uid = 7", "lxc.init.uid", "7"},
		{"lxc.init.groups = 1,2, 3\nlxc.init.groups = 4", "lxc.init.groups", "1,2,3,4"},
		{"lxc.init.groups = 1,,2", "lxc.init.groups", "1,2"},
		{"", "lxc.cgroup.dir", "(null)"},
		{"lxc.cgroup.dir.container = con", "lxc.cgroup.dir.container", "con"},
		{"", "lxc.rootfs.mount", "/usr/lib/x86_64-linux-gnu/lxc/rootfs"},
		{"lxc.rootfs.path = dir:/tmp/r", "lxc.rootfs.path", "/tmp/r"},
		{"lxc.rootfs.path = overlay:/a:/b", "lxc.rootfs.path", "/a:/b"},
		{"lxc.rootfs.path = /x", "lxc.rootfs.path", "/x"},
		{"lxc.seccomp.notify.proxy = unix:/tmp/sock", "lxc.seccomp.notify.proxy", "/tmp/sock"},
		{"lxc.seccomp.notify.proxy = unix:@abs", "lxc.seccomp.notify.proxy", "abs"},
		{"lxc.apparmor.raw = a\nlxc.apparmor.raw =\nlxc.apparmor.raw = b", "lxc.apparmor.raw", "b\n"},
		{"lxc.sysctl.net.ipv4.ip_forward = 1\nlxc.sysctl.kernel.msgmax = 5", "lxc.sysctl", "lxc.sysctl.net.ipv4.ip_forward = 1\nlxc.sysctl.kernel.msgmax = 5\n"},
		{"lxc.sysctl.net.ipv4.ip_forward = 1", "lxc.sysctl.net.ipv4.ip_forward", "1"},
		{"lxc.proc.oom_score_adj = 10", "lxc.proc", "lxc.proc.oom_score_adj = 10\n"},
		{"lxc.group = g1\nlxc.group = g2", "lxc.group", "g1\ng2\n"},
		{"lxc.execute.cmd = /bin/sh -c 'x'", "lxc.execute.cmd", "/bin/sh -c 'x'"},
		{"lxc.uts.name = val # x", "lxc.uts.name", "val # x"},
		{"lxc.monitor.unshare = 2", "lxc.monitor.unshare", "1"},
		// network
		{"lxc.net.0.type = veth\nlxc.net.2.link = br0", "lxc.net", "veth\nempty\n"},
		{"lxc.net.0.type = veth", "lxc.net.0.type", "veth"},
		{"lxc.net.5.ipv4.address = 192.0.2.9/24", "lxc.net.5.type", "empty"},
		{"lxc.net.0.ipv4.address = 192.0.2.1/24\nlxc.net.0.ipv4.address = 192.0.2.2/24 192.0.2.255", "lxc.net.0.ipv4.address", "192.0.2.1/24\n192.0.2.2/24"},
		{"lxc.net.0.ipv4.address = 192.0.2.5", "lxc.net.0.ipv4.address", "192.0.2.5/8"},
		{"lxc.net.0.ipv4.address = 192.0.2.200", "lxc.net.0.ipv4.address", "192.0.2.200/24"},
		{"lxc.net.0.ipv4.address = 10.0.0.150", "lxc.net.0.ipv4.address", "10.0.0.150/16"},
		{"lxc.net.0.ipv4.address = 10.0.0.230", "lxc.net.0.ipv4.address", "10.0.0.230/0"},
		{"lxc.net.1.ipv6.address = 2001:db8::1/64\nlxc.net.1.ipv6.address = 2001:db8::2", "lxc.net.1.ipv6.address", "2001:db8::1/64\n2001:db8::2/64"},
		{"lxc.net.0.flags = up", "lxc.net.0.flags", "up"},
		{"lxc.net.0.flags = down", "lxc.net.0.flags", "up"},
		{"lxc.net.0.type = veth", "lxc.net.0.flags", ""},
		{"lxc.net.0.type = veth", "lxc.net.0.ipv4.gateway", ""},
		{"lxc.net.0.ipv4.gateway = auto", "lxc.net.0.ipv4.gateway", "auto"},
		{"lxc.net.0.type = veth", "lxc.net.0.l2proxy", "0"},
		{"lxc.net.0.type = veth\nlxc.net.0.veth.ipv4.route = 192.0.2.0/24\nlxc.net.0.veth.ipv4.route = 198.51.100.0/24", "lxc.net.0.veth.ipv4.route", "192.0.2.0/24\n198.51.100.0/24"},
		{"lxc.net.0.type = veth\nlxc.net.0.veth.vlan.tagged.id = 6\nlxc.net.0.veth.vlan.tagged.id = 7", "lxc.net.0.veth.vlan.tagged.id", "6\n7"},
		{"lxc.net.0.type = veth\nlxc.net.0.veth.pair = vp0", "lxc.net.0.veth.pair", "vp0"},
		{"lxc.net.1.type = macvlan\nlxc.net.1.macvlan.mode = bridge", "lxc.net.1.macvlan.mode", "bridge"},
		{"lxc.net.3.type = ipvlan\nlxc.net.3.ipvlan.mode = l2\nlxc.net.3.ipvlan.isolation = vepa", "lxc.net.3.ipvlan.isolation", "vepa"},
		{"lxc.net.2.type = vlan\nlxc.net.2.vlan.id = 100", "lxc.net.2.vlan.id", "100"},
		{"lxc.net.00.type = veth", "lxc.net.0.type", "veth"},
		{"lxc.net.0.type = veth\nlxc.net.0.veth.pair = vp0\nlxc.net.0.type = macvlan", "lxc.net.0.type", "macvlan"},
		{"lxc.net.1000000.type = veth", "lxc.net.1000000.type", "veth"},
	}
	for _, tc := range cases {
		c := NewConfig()
		if err := c.LoadString("t.conf", tc.conf); err != nil {
			t.Errorf("%q: load: %v", tc.conf, err)
			continue
		}
		got, err := c.Get(tc.key)
		if err != nil {
			t.Errorf("%q: Get(%s): %v", tc.conf, tc.key, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%q: Get(%s) = %q, want %q", tc.conf, tc.key, got, tc.want)
		}
	}
}

func TestKeyInvalid(t *testing.T) {
	os.Unsetenv("LXCGO_SURELY_UNSET")
	// Each line must fail to load (LXC 5.0.2 rejects them too); want is a
	// substring of our error.
	cases := []struct{ conf, want string }{
		{"lxc.foo = bar", `unsupported config key "lxc.foo"`},
		{"lxc.hook.bogus = x", `unsupported config key "lxc.hook.bogus"`},
		{"lxc.uts.name", "invalid configuration line"},
		{"lxc.net.0.bogus = 1", `unknown network configuration key "lxc.net.0.bogus"`},
		{"lxc.net.0.type.x = veth", "unknown network configuration key"},
		{"lxc.net.4294967296.type = veth", "out of range"},
		{"lxc.net.2147483647.type = veth", "out of range"},
		{"lxc.net.99999999999999999999999999.type = veth", "out of range"},
		{"lxc.net.x.type = veth", "invalid network device index"},
		{"lxc.net.-1.type = veth", "invalid network device index"},
		{"lxc.net.0x.type = veth", "invalid network device index"},
		{"lxc.net.0.type = vxlan", "invalid network type"},
		{"lxc.net.0.type = VETH", "invalid network type"},
		{"lxc.net.0.type = ", "not defined"},
		{"lxc.net.0.ipv4.address = ", "not defined"},
		{"lxc.net.0 = x", "empty value"},
		{"lxc.net = x", "must not have a value"},
		{"lxc.net.0.l2proxy = 2", "0 or 1"},
		{"lxc.net.0.name = eth0eth0eth0eth0eth0", "too long"},
		{"lxc.net.0.link = eth0eth0eth0eth0eth0", "too long"},
		{"lxc.net.0.ipv4.address = 192.0.2.1/33", "prefix"},
		{"lxc.net.0.ipv4.address = 192.0.2.1/x", "prefix"},
		{"lxc.net.0.ipv4.address = 192.0.2.1/24 bogus", "broadcast"},
		{"lxc.net.0.ipv4.address = 192.0.2.1/24 192.0.2.255 extra", "invalid ipv4 address"},
		{"lxc.net.0.ipv4.address = 300.0.2.1/24", "invalid ipv4 address"},
		{"lxc.net.0.ipv4.address = 2001:db8::1/64", "invalid ipv4 address"},
		{"lxc.net.0.ipv4.gateway = 192.0.2.1/24", "gateway"},
		{"lxc.net.0.ipv4.gateway = bogus", "gateway"},
		{"lxc.net.0.ipv6.address = 2001:db8::1/x", "prefix"},
		{"lxc.net.0.ipv6.address = 192.0.2.1", "invalid ipv6 address"},
		{"lxc.net.0.ipv6.gateway = bogus", "gateway"},
		{"lxc.net.0.veth.pair = vp0", "veth"},
		{"lxc.net.1.type = veth\nlxc.net.1.macvlan.mode = bridge", "macvlan"},
		{"lxc.net.1.type = macvlan\nlxc.net.1.macvlan.mode = bogus", "macvlan mode"},
		{"lxc.net.0.type = veth\nlxc.net.0.veth.mode = x", "veth mode"},
		{"lxc.net.0.type = veth\nlxc.net.0.veth.ipv4.route = 192.0.2.0", "route"},
		{"lxc.net.0.type = veth\nlxc.net.0.veth.vlan.id = 4095", "vlan id"},
		{"lxc.net.0.type = veth\nlxc.net.0.veth.vlan.tagged.id = 4095", "vlan id"},
		{"lxc.net.0.type = veth\nlxc.net.0.veth.n_txqueues = x", "invalid number"},
		{"lxc.net.2.type = veth\nlxc.net.2.vlan.id = 100", "vlan"},
		{"lxc.net.3.type = ipvlan\nlxc.net.3.ipvlan.mode = bogus", "ipvlan mode"},
		{"lxc.net.3.type = ipvlan\nlxc.net.3.ipvlan.isolation = bogus", "ipvlan isolation"},
		{"lxc.cap.drop = SYS_ADMIN", "invalid capability"},
		{"lxc.cap.drop = cap_sys_admin", "invalid capability"},
		{"lxc.cap.drop = bogus", "invalid capability"},
		{"lxc.cap.drop = 4100", "invalid capability"},
		{"lxc.cap.drop = sys_admin\nlxc.cap.keep = net_admin", "mutually exclusive"},
		{"lxc.signal.halt = PWR", "invalid signal"},
		{"lxc.signal.halt = SIGRTMIN+40", "invalid signal"},
		{"lxc.signal.halt = RTMIN+3", "invalid signal"},
		{"lxc.signal.halt = SIGBOGUS", "invalid signal"},
		{"lxc.signal.halt = SIGRTMAX", "invalid signal"},
		{"lxc.signal.halt = SIGRTMAX-31", "invalid signal"},
		{"lxc.signal.halt = -1", "invalid signal"},
		{"lxc.signal.halt = 66", "invalid signal"},
		{"lxc.signal.halt = 9x", "invalid signal"},
		{"lxc.signal.stop = SIGUNUSED", "invalid signal"},
		{"lxc.start.auto = 2", "0 or 1"},
		{"lxc.start.auto = -1", "0 or 1"},
		{"lxc.start.auto = x", "0 or 1"},
		{"lxc.ephemeral = 2", "0 or 1"},
		{"lxc.no_new_privs = 2", "0 or 1"},
		{"lxc.autodev = 2", "0 or 1"},
		{"lxc.rootfs.managed = 2", "0 or 1"},
		{"lxc.cgroup.relative = 2", "0 or 1"},
		{"lxc.console.rotate = 2", "0 or 1"},
		{"lxc.seccomp.allow_nesting = 2", "0 or 1"},
		{"lxc.apparmor.allow_nesting = 2", "0 or 1"},
		{"lxc.apparmor.allow_incomplete = 2", "0 or 1"},
		{"lxc.keyring.session = 2", "0 or 1"},
		{"lxc.sched.core = 2", "0 or 1"},
		{"lxc.hook.version = 2", "hook version"},
		{"lxc.hook = x", "must not have a value"},
		{"lxc.start.delay = -1", "unsigned"},
		{"lxc.start.delay = 1.5", "unsigned"},
		{"lxc.start.order = x5", "not a number"},
		{"lxc.tty.max = -1", "unsigned"},
		{"lxc.tty.max = 5x", "unsigned"},
		{"lxc.pty.max = -1", "unsigned"},
		{"lxc.init.uid = -1", "negative"},
		{"lxc.init.groups = a", "group"},
		{"lxc.log.level = 9", "log priority"},
		{"lxc.log.level = bogus", "log priority"},
		{"lxc.log.level = Warning", "log priority"},
		{"lxc.log.syslog = user", "syslog"},
		{"lxc.idmap = u 0 100000", "id mapping"},
		{"lxc.idmap = u 0 100000 65536 5", "id mapping"},
		{"lxc.idmap = x 0 100000 65536", "mapping type"},
		{"lxc.idmap = b 0 100000 65536", "mapping type"},
		{"lxc.idmap = u -1 100000 65536", "invalid id"},
		{"lxc.idmap = u a 100000 65536", "invalid id"},
		{"lxc.mount.auto = proc:ro", "automount"},
		{"lxc.mount.auto = sys:bogus", "automount"},
		{"lxc.mount.auto = cgroup:force:ro", "automount"},
		{"lxc.mount.auto = cgroup2:mixed", "automount"},
		{"lxc.mount.auto = bogus", "automount"},
		{"lxc.arch = bogus", "unsupported personality"},
		{"lxc.console.buffer.size = 1TB", "invalid size"},
		{"lxc.console.buffer.size = x", "invalid size"},
		{"lxc.console.size = x", "invalid size"},
		{"lxc.prlimit.nofile = x", "invalid limit"},
		{"lxc.prlimit.nofile = 1:2:3", "soft[:hard]"},
		{"lxc.prlimit = 5", "must not have a value"},
		{"lxc.sysctl. = 5", "missing name"},
		{"lxc.cgroup. = 5", "missing name"},
		{"lxc.cgroup.dir = /abs", "absolute"},
		{"lxc.cgroup.dir = a/../b", "upwards"},
		{"lxc.uts.name = " + strings.Repeat("a", 92), "longer"},
		{"lxc.include = /nonexistent-lxcgo", "no such file"},
		{"lxc.seccomp.notify.proxy = bogus", "unix:"},
		{"lxc.namespace.clone = mount", "invalid namespace name"},
		{"lxc.namespace.clone = pid,net", "invalid namespace name"},
		{"lxc.namespace.keep = bogus", "invalid namespace name"},
		{"lxc.namespace.share.bogus = x", "invalid namespace name"},
		{"lxc.namespace.clone = pid\nlxc.namespace.keep = uts", "cannot set both"},
		{"lxc.time.offset.boot = -5", "unit"},
		{"lxc.time.offset.boot = 5x", "unit"},
		{"lxc.time.offset.boot = 5d", "unit"},
		{"lxc.time.offset.monotonic = 7", "unit"},
		{"lxc.environment = LXCGO_SURELY_UNSET", "not set"},
		{"lxc.rootfs.options = idmap=/nonexistent-lxcgo", "user namespace"},
		// legacy keys
		{"lxc.utsname = x", `legacy key, use "lxc.uts.name" (lxc-update-config -c FILE rewrites it)`},
		{"lxc.network.type = veth", `use "lxc.net.N.type"`},
		{"lxc.network.ipv4 = 192.0.2.1/24", `use "lxc.net.N.ipv4.address"`},
		{"lxc.rootfs = /x", `use "lxc.rootfs.path"`},
		{"lxc.id_map = u 0 1 1", `use "lxc.idmap"`},
		{"lxc.pts = 5", `use "lxc.pty.max"`},
		{"lxc.tty = 5", `use "lxc.tty.max"`},
		{"lxc.aa_profile = x", `use "lxc.apparmor.profile"`},
		{"lxc.haltsignal = SIGPWR", `use "lxc.signal.halt"`},
		{"lxc.loglevel = 1", `use "lxc.log.level"`},
		{"lxc.logfile = /x", `use "lxc.log.file"`},
		{"lxc.init_cmd = /x", `use "lxc.init.cmd"`},
		{"lxc.limit.nofile = 5", `use "lxc.prlimit.nofile"`},
		{"lxc.mount = /x", `use "lxc.mount.fstab"`},
		{"lxc.console = /dev/x", `use "lxc.console.path"`},
		{"lxc.pivotdir = x", "no longer supported"},
		{"lxc.console.buffer.logfile = /x", "unsupported config key"},
	}
	for _, tc := range cases {
		c := NewConfig()
		err := c.LoadString("t.conf", tc.conf)
		if err == nil {
			t.Errorf("%q: loaded, want error containing %q", tc.conf, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %q, want it to contain %q", tc.conf, err, tc.want)
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Line == 0 {
			t.Errorf("%q: error %v is not a *ConfigError with a line", tc.conf, err)
		}
	}
}

func TestKeyValid(t *testing.T) {
	t.Setenv("HOME", "/root")
	// Lines LXC 5.0.2 accepts (some of them surprisingly); each must load.
	for _, conf := range []string{
		"lxc.environment = HOME", "lxc.environment = =x", "lxc.environment = A=",
		"lxc.environment = A=B C=D",
		"lxc.namespace.clone = mnt pid net uts ipc user cgroup time",
		"lxc.namespace.share.net = /proc/1/ns/net",
		"lxc.time.offset.boot = 5 s", "lxc.time.offset.boot = 5us", "lxc.time.offset.boot = 5ns",
		"lxc.net.0.type = veth\nlxc.net.0.veth.vlan.id = none",
		"lxc.net.0.type = veth\nlxc.net.0.veth.vlan.id = 0",
		"lxc.net.2.type = vlan\nlxc.net.2.vlan.id = 5000",
		"lxc.net.1.type = macvlan\nlxc.net.1.macvlan.mode = passthru",
		"lxc.net.3.type = ipvlan\nlxc.net.3.ipvlan.mode = l3s",
		"lxc.net.0.mtu = abc", "lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx",
		"lxc.net.2147483646.type = veth",
		"lxc.net.0.ipv4.address = 192.0.2.1/0",
		"lxc.net.0.ipv6.gateway = auto", "lxc.net.0.ipv4.gateway = dev",
		"lxc.net.0 =", "lxc.net =",
		"lxc.net.0.type = veth\nlxc.net.0.ipv4.address =",
		"lxc.cap.drop = 40", "lxc.cap.drop = checkpoint_restore",
		"lxc.cap.keep = none sys_admin",
		"lxc.cap.drop = sys_admin\nlxc.cap.drop =\nlxc.cap.keep = mknod",
		"lxc.signal.halt = 0", "lxc.signal.halt = 64", "lxc.signal.halt = 65",
		"lxc.signal.halt = SIGRTMIN+0", "lxc.signal.halt = SIGRTMAX-1",
		"lxc.idmap = u 0 100000 0",
		"lxc.mount.auto = proc:mixed proc:rw", "lxc.mount.auto = cgroup:ro:force",
		"lxc.mount.auto = cgroup-full:mixed", "lxc.mount.auto = cgroup2:ro:force",
		"lxc.mount.auto = shmounts:", "lxc.mount.auto = shmounts:/a:/b",
		"lxc.arch = linux32", "lxc.arch = ppc64le",
		"lxc.console.buffer.size = 1kb", "lxc.console.size = auto",
		"lxc.autodev.tmpfs.size = -1",
		"lxc.prlimit.bogus = 5", "lxc.prlimit.nofile = 5:1",
		"lxc.prlimit.nofile = 18446744073709551615",
		"lxc.sysctl.x =", "lxc.sysctl =", "lxc.proc =", "lxc.cgroup =", "lxc.cgroup2 =",
		"lxc.cgroup.x =", "lxc.hook =", "lxc.prlimit =",
		"lxc.cgroup.dir.container = x\nlxc.cgroup.dir = y",
		"lxc.tty.dir = a/b", "lxc.rootfs.path =", "lxc.rootfs.path = bogus:/x",
		"lxc.include = /nonexistent-lxcgo/",
		"lxc.monitor.unshare = 2", "lxc.init.uid = 5x", "lxc.hook.version = x",
		"LXC.uts.name = ignored", "foo = bar", "   # comment", "",
		"lxc.uts.name = 'a' ", "\tlxc.uts.name\t=\tx\t",
	} {
		c := NewConfig()
		if err := c.LoadString("t.conf", conf); err != nil {
			t.Errorf("%q: %v", conf, err)
		}
	}
}

func TestKeyClear(t *testing.T) {
	conf := `lxc.uts.name = h
lxc.cap.drop = mknod
lxc.net.0.type = veth
lxc.net.0.ipv4.address = 192.0.2.1/24
lxc.net.1.type = empty
lxc.hook.start = /a
lxc.hook.stop = /b
lxc.cgroup.cpu.shares = 5
lxc.cgroup.memory.limit_in_bytes = 1G
lxc.prlimit.nofile = 5
lxc.signal.halt = SIGPWR
`
	c := NewConfig()
	if err := c.LoadString("t.conf", conf); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ key, check, want string }{
		{"lxc.uts.name", "lxc.uts.name", ""},
		{"lxc.cap.drop", "lxc.cap.drop", ""},
		{"lxc.net.0.ipv4.address", "lxc.net.0.ipv4.address", ""},
		{"lxc.net.0", "lxc.net", "empty\n"},
		{"lxc.hook", "lxc.hook.stop", ""},
		{"lxc.cgroup.cpu.shares", "lxc.cgroup", "lxc.cgroup.memory.limit_in_bytes = 1G\n"},
		{"lxc.cgroup", "lxc.cgroup", ""},
		{"lxc.prlimit.nofile", "lxc.prlimit", ""},
		{"lxc.signal.halt", "lxc.signal.halt", "0"},
		{"lxc.net", "lxc.net", ""},
	}
	for _, s := range steps {
		if err := c.Clear(s.key); err != nil {
			t.Fatalf("Clear(%s): %v", s.key, err)
		}
		got, err := c.Get(s.check)
		if err != nil || got != s.want {
			t.Errorf("after Clear(%s): Get(%s) = %q, %v; want %q", s.key, s.check, got, err, s.want)
		}
	}
	// Keys LXC refuses to read.
	for _, k := range []string{"lxc.include", "lxc.hook", "lxc.net.0", "lxc.bogus", "lxc.utsname", "lxc.network.type"} {
		if _, err := c.Get(k); err == nil {
			t.Errorf("Get(%s) succeeded, want error", k)
		}
	}
	// Empty value on a set device clears only that subkey.
	if err := c.LoadString("t.conf", "lxc.net.3.type = veth\nlxc.net.3.link = br0\nlxc.net.3.link ="); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("lxc.net.3.link"); v != "" {
		t.Errorf("link after clear = %q", v)
	}
}

func TestKeyTypedFields(t *testing.T) {
	c := NewConfig()
	err := c.LoadString("t.conf", `lxc.net.0.type = veth
lxc.net.0.link = br0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 192.0.2.2/24 192.0.2.255
lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx
lxc.idmap = u 0 100000 65536
lxc.prlimit.nofile = 1024:unlimited
lxc.cap.keep = none
lxc.signal.halt = SIGRTMIN+3
lxc.time.offset.boot = 2s
lxc.mount.auto = proc:mixed sys:ro cgroup:mixed:force
`)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Net[0]
	if d == nil || d.Type != "veth" || d.Link != "br0" || d.Flags != "up" || d.HWAddr != "00:16:3e:xx:xx:xx" ||
		len(d.IPv4) != 1 || d.IPv4[0] != "192.0.2.2/24 192.0.2.255" {
		t.Errorf("net 0 = %+v", d)
	}
	if len(c.IDMap) != 1 || c.IDMap[0] != (IDMap{'u', 0, 100000, 65536}) {
		t.Errorf("idmap = %+v", c.IDMap)
	}
	if len(c.Prlimit) != 1 || c.Prlimit[0].Soft != 1024 || c.Prlimit[0].Hard != ^uint64(0) {
		t.Errorf("prlimit = %+v", c.Prlimit)
	}
	if len(c.CapKeep) != 1 || c.CapKeep[0] != "none" {
		t.Errorf("cap keep = %q", c.CapKeep)
	}
	if c.SignalHalt != 37 || c.TimeOffsetBoot != 2e9 {
		t.Errorf("signal %d, offset %d", c.SignalHalt, c.TimeOffsetBoot)
	}
	if strings.Join(c.MountAuto, " ") != "proc:mixed sys:ro cgroup:mixed:force" {
		t.Errorf("mount.auto = %q", c.MountAuto)
	}
}
