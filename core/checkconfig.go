package core

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// CheckConfigOptions are the inputs of lxc-checkconfig. Zero values mean
// the host's (tests inject files).
type CheckConfigOptions struct {
	// Config is $CONFIG: the kernel config to read (default
	// /proc/config.gz, then the searched locations).
	Config string
	// Version is printed as "LXC version VERSION" ("" = no line).
	Version string
	// Prog is $0 of the script: the usage line prints it, the error
	// message its basename.
	Prog string
	// Color enables the ANSI colours (the script uses them when stdout
	// is a terminal).
	Color bool
	// Release is `uname -r` ("" = the running kernel's).
	Release string
	// Mounts is the mount table to read (default /proc/self/mounts).
	Mounts string
	// Modules is the loaded-module list (default /proc/modules).
	Modules string
	// LookPath finds newuidmap/newgidmap (default exec.LookPath).
	LookPath func(string) (string, error)
	// CgroupNS reports whether /proc/self/ns/cgroup exists.
	CgroupNS func() bool
}

const (
	colorSuccess = "\033[1;32m"
	colorFailure = "\033[1;31m"
	colorWarning = "\033[1;33m"
	colorNormal  = "\033[0;39m"
)

// checker mirrors the shell functions of LXC's lxc-checkconfig script
// (src/lxc/cmd/lxc-checkconfig.in): same sections, words, order and the
// same quirks (substring matches of "KEY=[y|m]" and of lsmod output).
type checker struct {
	out     *bytes.Buffer
	o       *CheckConfigOptions
	kconfig []string
	modules []string
}

// CheckConfig writes lxc-checkconfig's report to stdout and its errors to
// stderr and returns the exit status.
func CheckConfig(stdout, stderr io.Writer, o CheckConfigOptions) int {
	if o.Config == "" {
		o.Config = "/proc/config.gz"
	}
	if o.Prog == "" {
		o.Prog = "lxc-checkconfig"
	}
	if o.Release == "" {
		var u unix.Utsname
		if unix.Uname(&u) == nil {
			o.Release = unix.ByteSliceToString(u.Release[:])
		}
	}
	if o.Mounts == "" {
		o.Mounts = "/proc/self/mounts"
	}
	if o.Modules == "" {
		o.Modules = "/proc/modules"
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.CgroupNS == nil {
		o.CgroupNS = func() bool { return isRegular("/proc/self/ns/cgroup") }
	}
	c := &checker{out: &bytes.Buffer{}, o: &o}
	// The script writes as it goes; flush what we have on every return.
	defer func() { stdout.Write(c.out.Bytes()) }()
	w := c.out

	if o.Version != "" {
		fmt.Fprintf(w, "LXC version %s\n", o.Version)
	}
	cfg := o.Config
	if !isRegular(cfg) {
		fmt.Fprintf(w, "Kernel configuration not found at %s; searching...\n", cfg)
		headers := "/lib/modules/" + o.Release + "/build/.config"
		boot := "/boot/config-" + o.Release
		if isRegular(headers) {
			cfg = headers
		}
		if isRegular(boot) {
			cfg = boot
		}
		if !isRegular(cfg) {
			stdout.Write(c.out.Bytes())
			c.out.Reset()
			base := filepath.Base(o.Prog)
			fmt.Fprintf(stderr, "%s: unable to retrieve kernel configuration\n\n", base)
			if configsModule(o.Release) {
				fmt.Fprintf(stderr, "Try modprobe configs module, or\n")
			}
			fmt.Fprintf(stderr, "Try recompiling with IKCONFIG_PROC, installing the kernel headers,\n")
			fmt.Fprintf(stderr, "or specifying the kernel configuration path with:\n")
			fmt.Fprintf(stderr, "  CONFIG=<path> %s\n", base)
			return 1
		}
		fmt.Fprintf(w, "Kernel configuration found at %s\n", cfg)
	}
	c.kconfig = readKernelConfig(cfg)
	c.modules = readLines(o.Modules)
	modulesPresent := isRegular(o.Modules)

	major, minor := kernelVersion(c.kconfig)
	if major == "" {
		fmt.Fprintf(w, "WARNING: Unable to detect version from configuration, assuming latest\n\n")
		major, minor = "100", "0"
	}
	maj, _ := strconv.Atoi(major)
	min, _ := strconv.Atoi(minor)

	probed := func(mod string) {
		if !modulesPresent {
			return
		}
		if c.lsmodHas(mod) {
			w.WriteString(", loaded")
		} else {
			w.WriteString(", not loaded")
		}
	}
	// enabled prints the status word of KEY; mandatory missing keys are
	// "required", others "missing". It reports whether KEY is set.
	enabled := func(key string, mandatory bool) bool {
		if c.isSet(key) {
			c.color(colorSuccess, "enabled")
			return true
		}
		if mandatory {
			c.color(colorFailure, "required")
		} else {
			c.color(colorWarning, "missing")
		}
		return false
	}
	line := func(label, key string, mandatory bool) {
		w.WriteString(label)
		enabled(key, mandatory)
		w.WriteString("\n")
	}
	lineProbe := func(label, key, mod string) {
		w.WriteString(label)
		if enabled(key, false) {
			probed(mod)
		}
		w.WriteString("\n")
	}

	w.WriteString("\n--- Namespaces ---\n")
	line("Namespaces: ", "CONFIG_NAMESPACES", true)
	line("Utsname namespace: ", "CONFIG_UTS_NS", false)
	line("Ipc namespace: ", "CONFIG_IPC_NS", true)
	line("Pid namespace: ", "CONFIG_PID_NS", true)
	line("User namespace: ", "CONFIG_USER_NS", false)
	if c.isSet("CONFIG_USER_NS") {
		for _, t := range []string{"newuidmap", "newgidmap"} {
			p, err := o.LookPath(t)
			if err != nil {
				fmt.Fprintf(w, "%s is not installed\n", t)
				continue
			}
			if st, err := os.Stat(p); err != nil || st.Mode()&os.ModeSetuid == 0 {
				fmt.Fprintf(w, "Warning: %s is not setuid-root\n", t)
			}
		}
	}
	line("Network namespace: ", "CONFIG_NET_NS", false)
	if maj < 4 || (maj == 4 && min < 7) {
		line("Multiple /dev/pts instances: ", "DEVPTS_MULTIPLE_INSTANCES", false)
	}
	w.WriteString("\n")

	w.WriteString("--- Control groups ---\n")
	line("Cgroups: ", "CONFIG_CGROUPS", false)
	w.WriteString("Cgroup namespace: ")
	if o.CgroupNS() {
		c.color(colorSuccess, "enabled")
	} else {
		c.color(colorWarning, "missing")
	}
	w.WriteString("\n")

	v1, v2 := cgroupMounts(o.Mounts)
	w.WriteString("Cgroup v1 mount points: \n")
	for _, m := range v1 {
		fmt.Fprintf(w, " - %s\n", m)
	}
	w.WriteString("Cgroup v2 mount points: \n")
	for _, m := range v2 {
		fmt.Fprintf(w, " - %s\n", m)
	}
	if strings.Join(v2, "\n") != "/sys/fs/cgroup" {
		if !anyContains(v1, "/systemd") {
			w.WriteString("Cgroup v1 systemd controller: ")
			c.color(colorFailure, "missing")
			w.WriteString("\n")
		}
		if !anyContains(v1, "/freezer") {
			w.WriteString("Cgroup v1 freezer controller: ")
			c.color(colorFailure, "missing")
			w.WriteString("\n")
		}
		first := ""
		if len(v1) > 0 {
			first = v1[0]
		}
		if isRegular(first + "/cgroup.clone_children") {
			w.WriteString("Cgroup v1 clone_children flag: ")
			c.colorLine(colorSuccess, "enabled")
		}
	}
	line("Cgroup device: ", "CONFIG_CGROUP_DEVICE", false)
	line("Cgroup sched: ", "CONFIG_CGROUP_SCHED", false)
	line("Cgroup cpu account: ", "CONFIG_CGROUP_CPUACCT", false)
	if (maj >= 3 && min >= 6) || maj > 3 {
		line("Cgroup memory controller: ", "CONFIG_MEMCG", false)
	} else {
		line("Cgroup memory controller: ", "CONFIG_CGROUP_MEM_RES_CTLR", false)
	}
	// "is_set SMP && echo -n ... && is_enabled CPUSETS && echo; echo":
	// a missing cpuset gets no newline of its own.
	if c.isSet("CONFIG_SMP") {
		w.WriteString("Cgroup cpuset: ")
		if enabled("CONFIG_CPUSETS", false) {
			w.WriteString("\n")
		}
	}
	w.WriteString("\n")

	w.WriteString("--- Misc ---\n")
	lineProbe("Veth pair device: ", "CONFIG_VETH", "veth")
	lineProbe("Macvlan: ", "CONFIG_MACVLAN", "macvlan")
	lineProbe("Vlan: ", "CONFIG_VLAN_8021Q", "8021q")
	lineProbe("Bridges: ", "CONFIG_BRIDGE", "bridge")
	w.WriteString("Advanced netfilter: ")
	if enabled("CONFIG_NETFILTER_ADVANCED", false) {
		probed("nf_tables")
	}
	if maj > 3 && min > 6 && maj < 5 {
		w.WriteString("\n")
		w.WriteString("CONFIG_NF_NAT_IPV4: ")
		if enabled("CONFIG_NF_NAT_IPV4", false) {
			probed("nf_nat_ipv4")
		}
		w.WriteString("\n")
		w.WriteString("CONFIG_NF_NAT_IPV6: ")
		if enabled("CONFIG_NF_NAT_IPV6", false) {
			probed("nf_nat_ipv6")
		}
	}
	w.WriteString("\n")
	lineProbe("CONFIG_IP_NF_TARGET_MASQUERADE: ", "CONFIG_IP_NF_TARGET_MASQUERADE", "nf_nat_masquerade_ipv4")
	lineProbe("CONFIG_IP6_NF_TARGET_MASQUERADE: ", "CONFIG_IP6_NF_TARGET_MASQUERADE", "nf_nat_masquerade_ipv6")
	lineProbe("CONFIG_NETFILTER_XT_TARGET_CHECKSUM: ", "CONFIG_NETFILTER_XT_TARGET_CHECKSUM", "xt_CHECKSUM")
	lineProbe("CONFIG_NETFILTER_XT_MATCH_COMMENT: ", "CONFIG_NETFILTER_XT_MATCH_COMMENT", "xt_comment")
	lineProbe("FUSE (for use with lxcfs): ", "CONFIG_FUSE_FS", "fuse")
	w.WriteString("\n")

	w.WriteString("--- Checkpoint/Restore ---\n")
	for _, k := range []struct{ label, key string }{
		{"checkpoint restore: ", "CONFIG_CHECKPOINT_RESTORE"},
		{"CONFIG_FHANDLE: ", "CONFIG_FHANDLE"},
		{"CONFIG_EVENTFD: ", "CONFIG_EVENTFD"},
		{"CONFIG_EPOLL: ", "CONFIG_EPOLL"},
		{"CONFIG_UNIX_DIAG: ", "CONFIG_UNIX_DIAG"},
		{"CONFIG_INET_DIAG: ", "CONFIG_INET_DIAG"},
		{"CONFIG_PACKET_DIAG: ", "CONFIG_PACKET_DIAG"},
		{"CONFIG_NETLINK_DIAG: ", "CONFIG_NETLINK_DIAG"},
	} {
		line(k.label, k.key, false)
	}
	w.WriteString("File capabilities: ")
	if major == "2" && min < 33 {
		enabled("CONFIG_SECURITY_FILE_CAPABILITIES", false)
		w.WriteString("\n")
	} else {
		c.colorLine(colorSuccess, "enabled")
	}
	w.WriteString("\n")
	w.WriteString("Note : Before booting a new kernel, you can check its configuration\n")
	fmt.Fprintf(w, "usage : CONFIG=/path/to/config %s\n", o.Prog)
	w.WriteString("\n")
	return 0
}

// color prints word in colour (when enabled), without a newline.
func (c *checker) color(col, word string) {
	if c.o.Color {
		c.out.WriteString(col + word + colorNormal)
		return
	}
	c.out.WriteString(word)
}

// colorLine is the script's `$SETCOLOR && echo word && $NORMAL`: the
// reset comes after the newline.
func (c *checker) colorLine(col, word string) {
	if c.o.Color {
		c.out.WriteString(col + word + "\n" + colorNormal)
		return
	}
	c.out.WriteString(word + "\n")
}

// isSet is the script's `grep "$1=[y|m]"`: an unanchored match, so
// CONFIG_BRIDGE is also "set" by CONFIG_NF_TABLES_BRIDGE=m.
func (c *checker) isSet(key string) bool {
	pat := key + "="
	for _, l := range c.kconfig {
		for i := 0; ; {
			j := strings.Index(l[i:], pat)
			if j < 0 {
				break
			}
			k := i + j + len(pat)
			if k < len(l) && (l[k] == 'y' || l[k] == 'm' || l[k] == '|') {
				return true
			}
			i += j + 1
		}
	}
	return false
}

// lsmodHas is `lsmod | grep NAME`: a substring match on the module lines
// (name and users).
func (c *checker) lsmodHas(mod string) bool {
	for _, l := range c.modules {
		f := strings.Fields(l)
		if len(f) >= 4 && strings.Contains(f[0]+" "+f[1]+" "+f[2]+" "+strings.TrimSuffix(f[3], ","), mod) {
			return true
		}
		if len(f) < 4 && strings.Contains(l, mod) {
			return true
		}
	}
	return false
}

// Compiled on first use: every process of ours (the container's init
// included) would otherwise pay for them at start.
var (
	kverMajorRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^.* ([0-9])\.[0-9]{1,2}\.[0-9]{1,3}.*$`) })
	kverMinorRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^.* [0-9]\.([0-9]{1,3})\.[0-9]{1,3}.*$`) })
	kver2RE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^.* 2.6.([0-9]{2}).*$`) })
	kconfHdrRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^# Linux.*Kernel Configuration`) })
)

// kernelVersion extracts the major and minor version from the
// "# Linux/x86 6.1.0 Kernel Configuration" line like the script's sed
// (a line the expression does not match is returned whole, as sed does).
func kernelVersion(lines []string) (string, string) {
	var hdr []string
	for _, l := range lines {
		if kconfHdrRE().MatchString(l) {
			hdr = append(hdr, l)
		}
	}
	if len(hdr) == 0 {
		return "", ""
	}
	sub := func(re *regexp.Regexp) string {
		var out []string
		for _, l := range hdr {
			if m := re.FindStringSubmatch(l); m != nil {
				out = append(out, m[1])
			} else {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	major := sub(kverMajorRE())
	if major == "2" {
		return major, sub(kver2RE())
	}
	return major, sub(kverMinorRE())
}

// readKernelConfig reads a plain or gzip-compressed kernel config.
func readKernelConfig(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil {
				data = plain
			}
		}
	}
	return strings.Split(string(data), "\n")
}

func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// cgroupMounts returns the cgroup (v1) and cgroup2 mount points in mount
// table order, as the script's awk over /proc/self/mounts prints them.
func cgroupMounts(path string) (v1, v2 []string) {
	for _, l := range readLines(path) {
		f := strings.Fields(l)
		if len(f) < 3 || strings.Contains(f[0], "#") {
			continue
		}
		switch f[2] {
		case "cgroup":
			v1 = append(v1, f[1])
		case "cgroup2":
			v2 = append(v2, f[1])
		}
	}
	return v1, v2
}

func anyContains(list []string, s string) bool {
	for _, l := range list {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// configsModule reports whether the "configs" module (IKCONFIG as a
// module) exists for release, which the script offers as a hint.
func configsModule(release string) bool {
	for _, l := range readLines("/lib/modules/" + release + "/modules.dep") {
		mod, _, _ := strings.Cut(l, ":")
		if b := filepath.Base(mod); strings.HasPrefix(b, "configs.ko") {
			return true
		}
	}
	return false
}

func isRegular(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
