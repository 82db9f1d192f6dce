package core

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ccFixture writes a kernel config, mount table and module list.
func ccFixture(t *testing.T, kconfig, mounts, modules string, gz bool) CheckConfigOptions {
	t.Helper()
	d := t.TempDir()
	cfg := filepath.Join(d, "config")
	data := []byte(kconfig)
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		data = b.Bytes()
	}
	os.WriteFile(cfg, data, 0o644)
	os.WriteFile(filepath.Join(d, "mounts"), []byte(mounts), 0o644)
	mod := filepath.Join(d, "modules")
	if modules != "" {
		os.WriteFile(mod, []byte(modules), 0o644)
	}
	return CheckConfigOptions{
		Config: cfg, Version: "5.0.2", Prog: "/usr/bin/lxc-checkconfig", Release: "6.1.0",
		Mounts: filepath.Join(d, "mounts"), Modules: mod,
		LookPath: func(n string) (string, error) { return "", exec.ErrNotFound },
		CgroupNS: func() bool { return true },
	}
}

const ccKconfig = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 6.1.0 Kernel Configuration
#
CONFIG_NAMESPACES=y
CONFIG_UTS_NS=y
CONFIG_IPC_NS=y
CONFIG_USER_NS=y
CONFIG_NET_NS=y
CONFIG_CGROUPS=y
CONFIG_CGROUP_DEVICE=y
CONFIG_MEMCG=y
CONFIG_SMP=y
CONFIG_VETH=m
# CONFIG_BRIDGE=m (a commented line still matches grep)
# CONFIG_MACVLAN is not set
`

func TestCheckConfig(t *testing.T) {
	mounts := "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\nproc /proc proc rw 0 0\n"
	o := ccFixture(t, ccKconfig, mounts, "veth 40960 0 - Live 0x0\n", true)
	var out, errb bytes.Buffer
	if rc := CheckConfig(&out, &errb, o); rc != 0 {
		t.Fatalf("rc %d, stderr %q", rc, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"LXC version 5.0.2\n\n--- Namespaces ---\nNamespaces: enabled\n",
		"Pid namespace: required\n",
		"User namespace: enabled\nnewuidmap is not installed\nnewgidmap is not installed\nNetwork namespace: enabled\n\n",
		"Cgroup namespace: enabled\nCgroup v1 mount points: \nCgroup v2 mount points: \n - /sys/fs/cgroup\nCgroup device: enabled\n",
		// SMP set, CPUSETS missing: no newline of its own (script quirk).
		"Cgroup memory controller: enabled\nCgroup cpuset: missing\n--- Misc ---\n",
		"Veth pair device: enabled, loaded\n",
		"Macvlan: missing\n",
		// Unanchored grep: a commented "CONFIG_BRIDGE=m" counts.
		"Bridges: enabled, not loaded\n",
		"File capabilities: enabled\n\nNote : Before booting a new kernel, you can check its configuration\nusage : CONFIG=/path/to/config /usr/bin/lxc-checkconfig\n\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\n--- got:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\033[") {
		t.Error("colours without a terminal")
	}
	o.Color = true
	out.Reset()
	CheckConfig(&out, &errb, o)
	if !strings.Contains(out.String(), "Namespaces: \033[1;32menabled\033[0;39m\n") ||
		!strings.Contains(out.String(), "Pid namespace: \033[1;31mrequired\033[0;39m\n") ||
		!strings.Contains(out.String(), "File capabilities: \033[1;32menabled\n\033[0;39m\n") {
		t.Errorf("coloured output wrong:\n%q", out.String())
	}
}

func TestCheckConfigV1(t *testing.T) {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "cgroup.clone_children"), []byte("0\n"), 0o644)
	mounts := "cgroup " + d + " cgroup rw,cpu 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"
	o := ccFixture(t, ccKconfig, mounts, "", false)
	var out, errb bytes.Buffer
	CheckConfig(&out, &errb, o)
	want := "Cgroup v1 mount points: \n - " + d + "\nCgroup v2 mount points: \n - /sys/fs/cgroup/unified\n" +
		"Cgroup v1 systemd controller: missing\nCgroup v1 freezer controller: missing\nCgroup v1 clone_children flag: enabled\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("want %q in\n%s", want, out.String())
	}
	// Without /proc/modules there is no ", loaded" suffix at all.
	if !strings.Contains(out.String(), "Veth pair device: enabled\n") {
		t.Errorf("module suffix without modules list:\n%s", out.String())
	}
}

func TestCheckConfigNotFound(t *testing.T) {
	o := ccFixture(t, "", "", "", false)
	o.Config = filepath.Join(t.TempDir(), "missing")
	o.Release = "0.0.0-nonexistent"
	var out, errb bytes.Buffer
	if rc := CheckConfig(&out, &errb, o); rc != 1 {
		t.Fatalf("rc %d", rc)
	}
	if want := "LXC version 5.0.2\nKernel configuration not found at " + o.Config + "; searching...\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	want := "lxc-checkconfig: unable to retrieve kernel configuration\n\nTry recompiling with IKCONFIG_PROC, installing the kernel headers,\nor specifying the kernel configuration path with:\n  CONFIG=<path> lxc-checkconfig\n"
	if errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}

func TestKernelVersion(t *testing.T) {
	for _, tc := range []struct{ line, maj, min string }{
		{"# Linux/x86 6.18.44 Kernel Configuration", "6", "18"},
		{"# Linux/x86_64 4.19.0-rc3 Kernel Configuration", "4", "19"},
		{"# Linux/i386 2.6.32 Kernel Configuration", "2", "32"},
		{"# Linux kernel version: 3.10.0", "", ""},
	} {
		maj, min := kernelVersion([]string{"#", tc.line})
		if maj != tc.maj || min != tc.min {
			t.Errorf("%q: %q.%q, want %q.%q", tc.line, maj, min, tc.maj, tc.min)
		}
	}
}

// TestCheckConfigMatchesLXC runs LXC's own script on this host and
// compares everything but the version line.
func TestCheckConfigMatchesLXC(t *testing.T) {
	script := "/usr/bin/lxc-checkconfig"
	if _, err := os.Stat(script); err != nil {
		t.Skip("LXC's lxc-checkconfig is not installed")
	}
	cmd := exec.Command(script)
	cmd.Env = append(os.Environ(), "CONFIG=")
	want, err := cmd.Output()
	if err != nil {
		t.Skipf("lxc-checkconfig: %v", err)
	}
	var out, errb bytes.Buffer
	CheckConfig(&out, &errb, CheckConfigOptions{Version: "5.0.2", Prog: script})
	strip := func(s string) string {
		var keep []string
		for _, l := range strings.SplitAfter(s, "\n") {
			if !strings.HasPrefix(l, "LXC version ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "")
	}
	if strip(out.String()) != strip(string(want)) {
		t.Errorf("output differs from LXC's\n--- ours:\n%s\n--- LXC:\n%s", out.String(), want)
	}
}
