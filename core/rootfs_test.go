package core

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The integration tests re-exec the test binary into new namespaces
// (TestRootfsHelperProcess), run PrepareRootfs there and exec busybox
// checks inside the container; the parent asserts on their output and on
// the host mount table.

const rootfsHelperEnv = "_LXC_TEST_ROOTFS_SPEC"

// rootfsTestSpec is what the parent asks the helper to do.
type rootfsTestSpec struct {
	RootfsPath    string
	RootfsOptions string
	Entries       []string
	Auto          []string
	Autodev       int
	TTYMax        int
	PTYMax        int
	TTYDir        string
	Console       bool // fd 3 is a host pty slave
	Script        string
}

// TestRootfsHelperProcess is not a test: it is the child side of the
// integration tests and does nothing unless the spec variable is set.
func TestRootfsHelperProcess(t *testing.T) {
	raw := os.Getenv(rootfsHelperEnv)
	if raw == "" {
		t.Skip("helper process for the rootfs integration tests")
	}
	runtime.LockOSThread()
	var sp rootfsTestSpec
	if err := json.Unmarshal([]byte(raw), &sp); err != nil {
		fmt.Printf("HELPER-ERROR: %v\n", err)
		os.Exit(2)
	}
	cfg := NewConfig()
	cfg.RootfsPath = sp.RootfsPath
	cfg.RootfsOptions = sp.RootfsOptions
	cfg.MountEntries = sp.Entries
	cfg.MountAuto = sp.Auto
	cfg.Autodev = sp.Autodev
	cfg.TTYMax = sp.TTYMax
	cfg.PTYMax = sp.PTYMax
	cfg.TTYDir = sp.TTYDir
	var console *os.File
	if sp.Console {
		console = os.NewFile(3, "console")
	} else {
		cfg.ConsolePath = "none"
	}
	var hooks []string
	masters, err := PrepareRootfs(&RootfsSetup{
		Config: cfg, Name: "t1", LXCPath: "/nonexistent-lxcpath", ConsoleSlave: console,
		RunHook: func(typ string) error { hooks = append(hooks, typ); return nil },
	})
	if err != nil {
		fmt.Printf("PREPARE-ERROR: %v\n", err)
		os.Exit(3)
	}
	fmt.Printf("MASTERS=%d\nHOOKS=%s\n", len(masters), strings.Join(hooks, ","))
	// Keep the masters open across exec so the ttys stay usable.
	for _, m := range masters {
		unix.FcntlInt(m.Fd(), unix.F_SETFD, 0)
	}
	err = syscall.Exec("/bin/busybox", []string{"busybox", "sh", "-c", sp.Script}, []string{"PATH=/bin"})
	fmt.Printf("EXEC-ERROR: %v\n", err)
	os.Exit(4)
}

// requireRootfsRoot skips without root, but fails under CI=true where a
// skip would hide a broken test.
func requireRootfsRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("root integration test: not root under CI")
		}
		t.Skip("needs root")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatalf("needs busybox-static: %v", err)
	}
}

// makeTestRootfs builds a tiny busybox rootfs in a temp dir.
func makeTestRootfs(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "proc", "sys", "dev", "mnt", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sh", "test", "grep", "cat", "touch", "ls", "echo"} {
		os.Symlink("busybox", filepath.Join(root, "bin", a))
	}
	return root
}

// hostMounts returns the host mount table as comparable lines.
func hostMounts(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) > 5 {
			out = append(out, f[4]+" "+f[5]) // mount point, options
		}
	}
	sort.Strings(out)
	return out
}

// runRootfsChild runs the helper with sp in new namespaces and returns its
// stdout and exit error.
func runRootfsChild(t *testing.T, sp rootfsTestSpec) (string, error) {
	t.Helper()
	raw, err := json.Marshal(sp)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRootfsHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), rootfsHelperEnv+"="+string(raw))
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNET,
		Pdeathsig:  syscall.SIGKILL,
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if sp.Console {
		master, slave := hostPty(t)
		defer master.Close()
		cmd.ExtraFiles = []*os.File{slave}
		go io.Copy(io.Discard, master)
		defer slave.Close()
	}
	out, err := cmd.Output()
	if stderr.Len() > 0 {
		t.Logf("helper stderr: %s", stderr.String())
	}
	return string(out), err
}

// hostPty allocates a pty on the host devpts, like the monitor does for
// the console.
func hostPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	ptsFd, err := unix.Open("/dev/pts", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ptsFd)
	m, s, err := openPtyPair(ptsFd)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// parseChecks turns "key=yes|no" lines into a map.
func parseChecks(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

// checkScript prints name=yes/no for each shell condition.
func checkScript(checks [][2]string) string {
	var b strings.Builder
	b.WriteString("r() { if eval \"$2\" >/dev/null 2>&1; then echo \"$1=yes\"; else echo \"$1=no\"; fi; }\n")
	for _, c := range checks {
		fmt.Fprintf(&b, "r %s '%s'\n", c[0], c[1])
	}
	return b.String()
}

func TestRootfsIntegration(t *testing.T) {
	requireRootfsRoot(t)
	before := hostMounts(t)
	root := makeTestRootfs(t)
	hostDir := t.TempDir() // target of the planted symlink
	srcDir := t.TempDir()  // bind source
	os.WriteFile(filepath.Join(srcDir, "hello"), []byte("hi\n"), 0o644)
	if err := os.Symlink(hostDir, filepath.Join(root, "mnt/evil")); err != nil {
		t.Fatal(err)
	}
	checks := [][2]string{
		{"pid1", `grep -q busybox /proc/1/status`},
		{"proc", `grep -q "^proc /proc proc" /proc/mounts`},
		{"procsys_ro", `grep -q " /proc/sys proc ro," /proc/mounts`},
		{"procsys_write_fails", `! sh -c "echo t1 > /proc/sys/kernel/hostname"`},
		{"procsysnet_rw", `grep -q " /proc/sys/net proc rw," /proc/mounts && echo 0 > /proc/sys/net/ipv4/ip_forward`},
		// Not every kernel has kcore and sysrq-trigger (this VM has not).
		{"sysrq_ro", `! test -e /proc/sysrq-trigger || grep -q " /proc/sysrq-trigger proc ro," /proc/mounts`},
		{"kcore_masked", `! test -e /proc/kcore || test -c /proc/kcore`},
		{"keys_masked", `test -c /proc/keys && test -z "$(cat /proc/keys)"`},
		{"acpi_masked", `! test -e /proc/acpi || test -z "$(ls /proc/acpi)"`},
		{"sys_ro", `grep -q "^sysfs /sys sysfs ro," /proc/mounts`},
		{"sysnet_rw", `grep -q " /sys/devices/virtual/net sysfs rw," /proc/mounts`},
		{"firmware_masked", `test -z "$(ls /sys/firmware)"`},
		{"dev_tmpfs", `grep -q " /dev tmpfs rw.*mode=755" /proc/mounts`},
		{"devnull", `test -c /dev/null && echo x > /dev/null`},
		{"devzero", `test -c /dev/zero && test -c /dev/full && test -c /dev/random && test -c /dev/urandom && test -c /dev/tty`},
		{"fdlinks", `test -L /dev/fd && test -L /dev/stdin && test -L /dev/stdout && test -L /dev/stderr`},
		{"devpts", `grep -q " /dev/pts devpts .*max=4" /proc/mounts`},
		{"ptmx", `test -c /dev/ptmx`},
		{"shm", `grep -q " /dev/shm tmpfs" /proc/mounts`},
		{"tty1", `test -c /dev/tty1 && test -c /dev/tty2`},
		{"tty3_absent", `! test -e /dev/tty3`},
		{"tty1_is_pts", `grep -q " /dev/tty1 devpts" /proc/mounts`},
		{"console", `test -c /dev/console && grep -q " /dev/console devpts" /proc/mounts`},
		{"rw_entry", `test -f /mnt/rw/hello && touch /mnt/rw/new`},
		{"ro_entry", `test -f /mnt/ro/hello && ! touch /mnt/ro/new2`},
		{"tmpfs_entry", `grep -q " /mnt/tmp tmpfs" /proc/mounts`},
		{"abs_entry", `grep -q " /mnt/abs tmpfs" /proc/mounts`},
		{"file_entry", `test -f /etc/newfile && grep -q " /etc/newfile " /proc/mounts`},
		{"optional_skipped", `! test -e /mnt/opt`},
		{"evil_not_mounted", `! grep -q evil /proc/mounts`},
		{"pivoted", `! test -e /proc/1/root` + root},
	}
	sp := rootfsTestSpec{
		RootfsPath: "dir:" + root,
		Entries: []string{
			srcDir + " mnt/rw none bind,create=dir 0 0",
			srcDir + " mnt/ro none bind,ro,create=dir 0 0",
			"tmpfs mnt/tmp tmpfs size=1m,create=dir 0 0",
			"tmpfs " + root + "/mnt/abs tmpfs create=dir 0 0",
			srcDir + "/hello etc/newfile none bind,create=file 0 0",
			"tmpfs mnt/evil/x tmpfs create=dir,optional 0 0",
			"/nonexistent-src mnt/opt none bind,optional 0 0",
		},
		Auto:    []string{"proc:mixed", "sys:mixed", "cgroup:mixed"},
		Autodev: -1,
		TTYMax:  2,
		PTYMax:  2,
		Console: true,
		Script:  checkScript(checks),
	}
	out, err := runRootfsChild(t, sp)
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	got := parseChecks(out)
	if got["MASTERS"] != "2" {
		t.Errorf("MASTERS = %q, want 2", got["MASTERS"])
	}
	if got["HOOKS"] != "pre-mount,mount,autodev" {
		t.Errorf("HOOKS = %q", got["HOOKS"])
	}
	for _, c := range checks {
		if got[c[0]] != "yes" {
			t.Errorf("check %s (%s) = %q", c[0], c[1], got[c[0]])
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	assertHostClean(t, before, hostDir)
	if _, err := os.Stat(filepath.Join(srcDir, "new")); err != nil {
		t.Errorf("rw bind entry did not reach its source: %v", err)
	}
	if _, err := os.Stat(filepath.Join(srcDir, "new2")); err == nil {
		t.Error("ro bind entry was writable")
	}
}

// assertHostClean checks that nothing leaked into the host mount
// namespace and that hostDir (target of planted symlinks) stayed empty.
func assertHostClean(t *testing.T, before []string, hostDir string) {
	t.Helper()
	after := hostMounts(t)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("host mount table changed:\nbefore %d entries, after %d", len(before), len(after))
	}
	ents, err := os.ReadDir(hostDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("files appeared on the host through a planted symlink: %v", ents)
	}
}

// TestRootfsDevSymlinkRefused plants /dev -> host dir (CVE-2026-41579):
// autodev must refuse, and nothing may appear on the host.
func TestRootfsDevSymlinkRefused(t *testing.T) {
	requireRootfsRoot(t)
	before := hostMounts(t)
	root := makeTestRootfs(t)
	hostDir := t.TempDir()
	os.Remove(filepath.Join(root, "dev"))
	if err := os.Symlink(hostDir, filepath.Join(root, "dev")); err != nil {
		t.Fatal(err)
	}
	out, err := runRootfsChild(t, rootfsTestSpec{
		RootfsPath: root, Autodev: 1, TTYMax: 1, Script: "echo ran=yes",
	})
	if err == nil || !strings.Contains(out, "PREPARE-ERROR: autodev: /dev must be a real directory") {
		t.Errorf("want an autodev error, got %v:\n%s", err, out)
	}
	assertHostClean(t, before, hostDir)
}

// TestRootfsEntrySymlinkEscapeRefused: a non-optional entry through a
// planted symlink fails the start; nothing appears on the host.
func TestRootfsEntrySymlinkEscapeRefused(t *testing.T) {
	requireRootfsRoot(t)
	before := hostMounts(t)
	root := makeTestRootfs(t)
	hostDir := t.TempDir()
	os.Symlink(hostDir, filepath.Join(root, "mnt/evil"))
	out, err := runRootfsChild(t, rootfsTestSpec{
		RootfsPath: root, Autodev: 0,
		Entries: []string{"tmpfs mnt/evil/x tmpfs create=dir 0 0"},
		Script:  "echo ran=yes",
	})
	if err == nil && !strings.Contains(out, "PREPARE-ERROR") {
		// If it ran, the mount must have landed inside the rootfs.
		t.Logf("entry accepted (resolved inside root):\n%s", out)
	} else if !strings.Contains(out, `mount entry "tmpfs mnt/evil/x tmpfs create=dir 0 0": target "mnt/evil/x"`) {
		t.Errorf("error does not name the entry and target: %s", out)
	}
	assertHostClean(t, before, hostDir)
}

// TestRootfsReadOnlyAndTTYDir: lxc.rootfs.options = ro, lxc.tty.dir, no
// mount.auto, and a proc-less container.
func TestRootfsReadOnlyAndTTYDir(t *testing.T) {
	requireRootfsRoot(t)
	before := hostMounts(t)
	root := makeTestRootfs(t)
	checks := [][2]string{
		{"root_ro", `! touch /newfile`},
		{"created_dir", `test -d /mnt/made`},
		{"ttydir", `test -L /dev/tty1 && test -c /dev/lxc/tty1`},
		{"console_link", `test -L /dev/console && test -c /dev/lxc/console`},
		{"devpts_max1", `grep -q " /dev/pts devpts .*max=1" /proc/mounts`},
	}
	sp := rootfsTestSpec{
		RootfsPath:    root,
		RootfsOptions: "ro",
		Entries:       []string{"proc proc proc nosuid,nodev,noexec 0 0", "tmpfs mnt/made tmpfs create=dir 0 0"},
		Autodev:       -1,
		TTYMax:        1,
		TTYDir:        "lxc",
		Console:       true,
		Script:        checkScript(checks),
	}
	out, err := runRootfsChild(t, sp)
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	got := parseChecks(out)
	for _, c := range checks {
		if got[c[0]] != "yes" {
			t.Errorf("check %s (%s) = %q", c[0], c[1], got[c[0]])
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	assertHostClean(t, before, t.TempDir())
}

// TestRootfsNoRootfs: without lxc.rootfs.path the host fs is shared, no
// pivot happens, but mount.auto still gives a private /proc.
func TestRootfsNoRootfs(t *testing.T) {
	requireRootfsRoot(t)
	before := hostMounts(t)
	checks := [][2]string{
		{"own_proc", `grep -q busybox /proc/1/status`},
		{"procsys_ro", `grep -q " /proc/sys proc ro," /proc/mounts`},
		{"host_fs", `test -d /usr`},
	}
	out, err := runRootfsChild(t, rootfsTestSpec{Auto: []string{"proc"}, Autodev: -1, Script: checkScript(checks)})
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	got := parseChecks(out)
	for _, c := range checks {
		if got[c[0]] != "yes" {
			t.Errorf("check %s (%s) = %q", c[0], c[1], got[c[0]])
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	assertHostClean(t, before, t.TempDir())
}
