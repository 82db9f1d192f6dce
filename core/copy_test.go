package core

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseOverlayRootfs(t *testing.T) {
	for _, tc := range []struct {
		in, lower, upper, work, mnt string
		ok, bad                     bool
	}{
		{in: "dir:/x"},
		{in: "/x"},
		{in: "overlay:/a/f1/rootfs:/a/s1/overlay/delta", lower: "/a/f1/rootfs", upper: "/a/s1/overlay/delta",
			work: "/a/s1/overlay/work", mnt: "/a/s1/rootfs", ok: true},
		{in: "overlayfs:/a/f1/rootfs:/a/s1/delta0", lower: "/a/f1/rootfs", upper: "/a/s1/delta0",
			work: "/a/s1/olwork", mnt: "/a/s1/rootfs", ok: true},
		{in: "overlay:/l1:/l2:/u/delta0", lower: "/l1:/l2", upper: "/u/delta0", work: "/u/olwork", mnt: "/u/rootfs", ok: true},
		{in: "overlay:/onlyone", ok: true, bad: true},
		{in: "overlay:rel:/u/x", ok: true, bad: true},
	} {
		o, ok, err := ParseOverlayRootfs(tc.in)
		if ok != tc.ok || (err != nil) != tc.bad {
			t.Errorf("%q: ok=%v err=%v", tc.in, ok, err)
			continue
		}
		if !ok || tc.bad {
			continue
		}
		if o.Lower != tc.lower || o.Upper != tc.upper || o.WorkDir() != tc.work || o.MountDir() != tc.mnt {
			t.Errorf("%q: got %+v work=%q mnt=%q", tc.in, o, o.WorkDir(), o.MountDir())
		}
	}
}

func TestEphemeralMountEntry(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"bind=/src", "/src src none bind,create=dir 0 0"},
		{"bind=/src:/dst:ro", "/src dst none bind,ro,create=dir 0 0"},
		{"bind=/src:rw", "/src src none bind,create=dir 0 0"},
		{"overlay=/src:/d", "overlay d overlay lowerdir=/src,upperdir=/c/mount0/delta,workdir=/c/mount0/work,create=dir 0 0"},
		{"bind=src", ""},
		{"tmpfs=/x", ""},
		{"bind", ""},
		{"overlay=/src:ro", ""},
	} {
		got, _, err := ephemeralMountEntry("/c", 0, tc.in)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCloneDependencies(t *testing.T) {
	dir := t.TempDir()
	st := &Store{Path: dir}
	for _, n := range []string{"f1", "s1"} {
		os.MkdirAll(st.Dir(n), 0o755)
	}
	f1, s1 := cloneRef{dir, "f1"}, cloneRef{dir, "s1"}
	if HasClones(st, "f1") {
		t.Fatal("no clones yet")
	}
	if err := modRdep(f1, s1, true); err != nil {
		t.Fatal(err)
	}
	if err := modRdep(f1, cloneRef{dir, "s2"}, true); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "f1", cloneSnapsFile))
	if want := dir + "\ns1\n" + dir + "\ns2\n"; string(b) != want {
		t.Fatalf("lxc_snapshots = %q, want %q", b, want)
	}
	if !HasClones(st, "f1") {
		t.Fatal("HasClones false")
	}
	os.WriteFile(filepath.Join(dir, "s1", cloneRdepsFile), []byte(dir+"\nf1\n"), 0o644)
	if err := UnlinkClone(st, "s1"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(dir, "f1", cloneSnapsFile))
	if want := dir + "\ns2\n"; string(b) != want {
		t.Fatalf("after unlink: %q", b)
	}
	modRdep(f1, cloneRef{dir, "s2"}, false)
	if _, err := os.Stat(filepath.Join(dir, "f1", cloneSnapsFile)); !os.IsNotExist(err) {
		t.Fatalf("empty lxc_snapshots not removed: %v", err)
	}
}

func TestCopyTree(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	os.MkdirAll(filepath.Join(src, "d/e"), 0o750)
	os.WriteFile(filepath.Join(src, "d/f"), []byte("data"), 0o755)
	os.Chmod(filepath.Join(src, "d/f"), 0o4755|os.ModeSetuid)
	os.Link(filepath.Join(src, "d/f"), filepath.Join(src, "hard"))
	os.Symlink("/etc/passwd", filepath.Join(src, "abs"))
	unix.Mkfifo(filepath.Join(src, "fifo"), 0o600)
	dst := filepath.Join(t.TempDir(), "dst")
	if err := CopyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "d/f")); string(b) != "data" {
		t.Fatalf("content %q", b)
	}
	fi, _ := os.Stat(filepath.Join(dst, "d/f"))
	if fi.Mode()&os.ModeSetuid == 0 || fi.Mode().Perm() != 0o755 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Join(dst, "d")); fi.Mode().Perm() != 0o750 {
		t.Fatalf("dir mode %v", fi.Mode())
	}
	var a, b unix.Stat_t
	unix.Stat(filepath.Join(dst, "d/f"), &a)
	unix.Stat(filepath.Join(dst, "hard"), &b)
	if a.Ino != b.Ino {
		t.Fatal("hard link not kept")
	}
	if l, _ := os.Readlink(filepath.Join(dst, "abs")); l != "/etc/passwd" {
		t.Fatalf("symlink %q", l)
	}
	if fi, err := os.Lstat(filepath.Join(dst, "fifo")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("fifo: %v %v", fi, err)
	}
}

func TestCloneConfigRewrite(t *testing.T) {
	dir := t.TempDir()
	st := &Store{Path: dir}
	os.MkdirAll(filepath.Join(dir, "f1", "rootfs", "bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "f1", "rootfs", "bin", "x"), []byte("x"), 0o755)
	cfg := strings.Join([]string{
		"# keep me",
		"lxc.rootfs.path = dir:" + dir + "/f1/rootfs",
		"lxc.uts.name = \"f1\"",
		"",
		"lxc.net.0.type = empty",
		"lxc.net.1.type = veth",
		"lxc.net.1.hwaddr = 00:16:3e:11:22:33",
		"lxc.log.file = " + dir + "/f1/f1.log",
		"lxc.hook.clone = /bin/sh -c 'echo \"$LXC_NAME $LXC_SRC_NAME $*\" > " + dir + "/hook.out'",
		"",
	}, "\n")
	os.WriteFile(st.ConfigPath("f1"), []byte(cfg), 0o640)
	if _, err := Clone(st, "f1", CloneOptions{NewName: "c1", HookArgs: []string{"extra"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(st.ConfigPath("c1"))
	got := string(b)
	for _, want := range []string{"# keep me\n", "lxc.rootfs.path = dir:" + dir + "/c1/rootfs\n", "lxc.uts.name = c1\n",
		"lxc.log.file = " + dir + "/c1/f1.log\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "00:16:3e:11:22:33") || !strings.Contains(got, "lxc.net.1.hwaddr = 00:16:3e:") {
		t.Errorf("hwaddr not renewed:\n%s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "c1", "rootfs", "bin", "x")); string(b) != "x" {
		t.Error("rootfs not copied")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "hook.out")); string(b) != "c1 f1 lxc clone extra\n" {
		t.Errorf("clone hook output %q", b)
	}
	// Snapshot clone: overlay and dependency files.
	if _, err := Clone(st, "f1", CloneOptions{NewName: "s1", Snapshot: true, KeepName: true, KeepMAC: true}); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(st.ConfigPath("s1"))
	if !strings.Contains(string(b), "lxc.rootfs.path = overlay:"+dir+"/f1/rootfs:"+dir+"/s1/overlay/delta\n") ||
		!strings.Contains(string(b), "00:16:3e:11:22:33") || !strings.Contains(string(b), `lxc.uts.name = "f1"`) {
		t.Errorf("snapshot config:\n%s", b)
	}
	if !HasClones(st, "f1") {
		t.Error("f1 has no clones recorded")
	}
	// A failing clone hook leaves nothing.
	os.WriteFile(st.ConfigPath("f1"), []byte("lxc.rootfs.path = dir:"+dir+"/f1/rootfs\nlxc.hook.clone = /bin/false\n"), 0o640)
	if _, err := Clone(st, "f1", CloneOptions{NewName: "bad"}); err == nil {
		t.Fatal("failing hook: no error")
	}
	if _, err := os.Lstat(st.Dir("bad")); !os.IsNotExist(err) {
		t.Fatalf("failed clone left %q", st.Dir("bad"))
	}
	if _, err := Clone(st, "f1", CloneOptions{NewName: "c1"}); err == nil {
		t.Fatal("clone onto an existing container succeeded")
	}
}

func TestParseGroups(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{"a"}, []string{"a"}},
		{[]string{"a,,b"}, []string{"a", "", "b"}},
		{[]string{",a", "b,a"}, []string{"", "a", "b"}},
	} {
		if got := ParseGroups(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q want %q", tc.in, got, tc.want)
		}
	}
}

func TestAutostartSelect(t *testing.T) {
	dir := t.TempDir()
	st := &Store{Path: dir}
	for n, c := range map[string]string{
		"a1": "lxc.start.auto = 1\nlxc.start.delay = 2\nlxc.start.order = 5\n",
		"a2": "lxc.start.auto = 1\nlxc.group = g1\n",
		"a3": "lxc.start.auto = 1\nlxc.group = g1\nlxc.group = onboot\nlxc.start.order = -1\n",
		"a4": "lxc.start.auto = 0\n",
		"a5": "lxc.start.auto = 1\nlxc.start.order = 5\nlxc.group = g2\n",
		"b0": "lxc.start.auto = 1\nlxc.start.order = 5\n",
		"g":  "lxc.start.auto = 1\nlxc.group = g\n",
	} {
		os.MkdirAll(st.Dir(n), 0o755)
		os.WriteFile(st.ConfigPath(n), []byte("lxc.net.0.type = empty\n"+c), 0o644)
	}
	for _, tc := range []struct {
		o    AutostartOptions
		want string
	}{
		{AutostartOptions{}, "a1 2,b0 0"},
		{AutostartOptions{Groups: []string{"g1"}}, "a3 0,a2 0"},
		{AutostartOptions{Groups: []string{"g1", "", "g2"}}, "a3 0,a2 0,a1 2,b0 0,a5 0"},
		{AutostartOptions{Groups: []string{"g1", "g"}}, "a3 0,a2 0,g 0"},
		{AutostartOptions{All: true}, "a3 0,a2 0,g 0,a1 2,a5 0,b0 0"},
		{AutostartOptions{IgnoreAuto: true}, "a4 0,a1 2,b0 0"},
		{AutostartOptions{Action: AutoShutdown}, ""},
	} {
		items, err := AutostartSelect(st, &tc.o)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			got = append(got, it.Name+" "+strconv.Itoa(it.Delay))
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%+v: got %q want %q", tc.o, strings.Join(got, ","), tc.want)
		}
	}
}

func TestParseUnshareNamespaces(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want uintptr
		bad  bool
	}{
		{[]string{"MOUNT|PID"}, unix.CLONE_NEWNS | unix.CLONE_NEWPID, false},
		{[]string{"UTSNAME", "net"}, unix.CLONE_NEWUTS | unix.CLONE_NEWNET, false},
		{[]string{"USER|IPC|CGROUP"}, unix.CLONE_NEWUSER | unix.CLONE_NEWIPC | unix.CLONE_NEWCGROUP, false},
		{[]string{"FOO"}, 0, true},
		{[]string{"mount"}, 0, true},
	} {
		got, err := ParseUnshareNamespaces(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%q: got %#x, %v", tc.in, got, err)
		}
	}
	for _, tc := range []struct {
		o   UnshareOptions
		err string
	}{
		{UnshareOptions{Cmd: []string{"x"}}, "namespace"},
		{UnshareOptions{Flags: unix.CLONE_NEWPID, Hostname: "h", Cmd: []string{"x"}}, "UTSNAME"},
		{UnshareOptions{Flags: unix.CLONE_NEWPID, Remount: true, Cmd: []string{"x"}}, "MOUNT"},
		{UnshareOptions{Flags: unix.CLONE_NEWPID, Ifaces: []string{"x"}, Cmd: []string{"x"}}, "NETWORK"},
		{UnshareOptions{Flags: unix.CLONE_NEWPID}, "command"},
	} {
		if err := tc.o.Validate(); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.err)
		}
	}
}
