package core

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// storeNeedRoot skips a test that needs root, except under CI=true where
// a skip would hide a broken test.
func storeNeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("root required (CI=true)")
		}
		t.Skip("needs root")
	}
}

func TestUnexpandedLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"a\n\nb\n", []string{"a", "b"}},
		{"a\n   \n\t\nb", []string{"a", "", "", "b"}},
		{"# c\n  lxc.uts.name = x  \nfoo = bar\n", []string{"# c", "  lxc.uts.name = x  ", "foo = bar"}},
		{"", nil},
	} {
		if got := unexpandedLines([]byte(tc.in)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("unexpandedLines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExpandHWAddrLine(t *testing.T) {
	for _, tc := range []struct {
		in, pattern string
	}{
		{"lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx", `^lxc\.net\.0\.hwaddr = 00:16:3e(:[0-9a-f]{2}){3}$`},
		{"  lxc.net.12.hwaddr=00:16:3e:XX:xX:12", `^  lxc\.net\.12\.hwaddr=00:16:3e(:[0-9a-f]{2}){2}:12$`},
		{"lxc.network.hwaddr = xx:16:3e:00:00:00", `^lxc\.network\.hwaddr = [0-9a-f][26ae]:16:3e:00:00:00$`},
		{`lxc.net.1.hwaddr = "00:16:3e:xx:00:01"`, `^lxc\.net\.1\.hwaddr = 00:16:3e:[0-9a-f]{2}:00:01$`},
		{"lxc.net.0.hwaddr = 00:16:3e:xx:xx", `^lxc\.net\.0\.hwaddr = 00:16:3e:xx:xx$`},
		{"# lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx", `^# lxc\.net\.0\.hwaddr = 00:16:3e:xx:xx:xx$`},
		{"lxc.net.0.link = xxbr0", `^lxc\.net\.0\.link = xxbr0$`},
		{"lxc.uts.name = xx", `^lxc\.uts\.name = xx$`},
	} {
		for i := 0; i < 20; i++ {
			if got := expandHWAddrLine(tc.in); !regexp.MustCompile(tc.pattern).MatchString(got) {
				t.Fatalf("expandHWAddrLine(%q) = %q, want %s", tc.in, got, tc.pattern)
			}
		}
	}
}

func TestValidateBackingStore(t *testing.T) {
	for _, b := range []string{"", "dir", "none", "best"} {
		if err := ValidateBackingStore(b); err != nil {
			t.Errorf("%q: %v", b, err)
		}
	}
	var bad ErrBadBackingStore
	if err := ValidateBackingStore("bogus"); !errors.As(err, &bad) || err.Error() != "bogus is not a valid backing storage type." {
		t.Errorf("bogus: %v", err)
	}
	if err := ValidateBackingStore("lvm"); err == nil || errors.As(err, &bad) || !strings.Contains(err.Error(), "supported: dir") {
		t.Errorf("lvm: %v", err)
	}
}

func storeTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	storeTestLockDir(t)
	p := t.TempDir()
	f := filepath.Join(t.TempDir(), "init.conf")
	os.WriteFile(f, []byte("# initial\n\nlxc.net.0.type = empty\n"), 0o644)
	return &Store{Path: p}, f
}

func TestCreateNone(t *testing.T) {
	st, f := storeTestStore(t)
	if err := st.Create("c1", CreateOptions{Template: "none", ConfigFile: f}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(st.ConfigPath("c1"))
	if string(data) != "# initial\nlxc.net.0.type = empty\n" {
		t.Fatalf("config %q", data)
	}
	fi, _ := os.Stat(st.ConfigPath("c1"))
	di, _ := os.Stat(st.Dir("c1"))
	if fi.Mode().Perm() != 0o640 || di.Mode().Perm() != 0o770 {
		t.Fatalf("modes config %v dir %v", fi.Mode(), di.Mode())
	}
	if _, err := os.Stat(filepath.Join(st.Dir("c1"), "rootfs")); err == nil {
		t.Fatal("-t none made a rootfs")
	}
	if err := st.Create("c1", CreateOptions{Template: "none", ConfigFile: f}); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v", err)
	}
}

func TestCreateTemplateScript(t *testing.T) {
	st, f := storeTestStore(t)
	script := filepath.Join(t.TempDir(), "tpl")
	os.WriteFile(script, []byte("#!/bin/sh\nfor a; do echo \"# arg $a\"; done >> \"${1#--path=}/config\"\n"), 0o755)
	if err := st.Create("c2", CreateOptions{Template: script, ConfigFile: f, TemplateArgs: []string{"x", "y z"}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(st.ConfigPath("c2"))
	dir := st.Dir("c2")
	want := "# Template used to create this container: " + script + "\n" +
		"# Parameters passed to the template: x y z\n" +
		"# For additional config options, please look at lxc.container.conf(5)\n\n" +
		"# Uncomment the following line to support nesting containers:\n#lxc.include = /usr/share/lxc/config/nesting.conf\n# (Be aware this has security implications)\n\n" +
		"# initial\nlxc.net.0.type = empty\nlxc.rootfs.path = dir:" + dir + "/rootfs\n" +
		"# arg --path=" + dir + "\n# arg --name=c2\n# arg --rootfs=" + dir + "/rootfs\n# arg x\n# arg y z\n"
	if string(data) != want {
		t.Fatalf("config:\n%s\nwant:\n%s", data, want)
	}
}

func TestCreateFailureCleansUp(t *testing.T) {
	st, f := storeTestStore(t)
	script := filepath.Join(t.TempDir(), "tpl")
	os.WriteFile(script, []byte("#!/bin/sh\necho partial > \"${3#--rootfs=}/file\"\nexit 3\n"), 0o755)
	err := st.Create("c3", CreateOptions{Template: script, ConfigFile: f, Stderr: &strings.Builder{}})
	if err == nil {
		t.Fatal("failing template succeeded")
	}
	if _, err := os.Lstat(st.Dir("c3")); err == nil {
		t.Fatal("failed create left its directory")
	}
	if err := st.Create("c4", CreateOptions{Template: "nosuch-template", ConfigFile: f}); err == nil {
		t.Fatal("missing template accepted")
	}
	if _, err := os.Lstat(st.Dir("c4")); err == nil {
		t.Fatal("create with missing template left a directory")
	}
	bad := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(bad, []byte("lxc.bogus = 1\n"), 0o644)
	if err := st.Create("c5", CreateOptions{Template: "none", ConfigFile: bad}); err == nil {
		t.Fatal("invalid initial config accepted")
	}
	if _, err := os.Lstat(st.Dir("c5")); err == nil {
		t.Fatal("create with bad config left a directory")
	}
}

func TestCreateRefusesBadNames(t *testing.T) {
	st, f := storeTestStore(t)
	for _, n := range []string{"../x", "a/b", "..", ".", "a\nb", "-x", strings.Repeat("a", 65)} {
		if err := st.Create(n, CreateOptions{Template: "none", ConfigFile: f}); err == nil {
			t.Errorf("Create(%q) accepted", n)
		}
		if err := st.Destroy(n, DestroyOptions{}); err == nil {
			t.Errorf("Destroy(%q) accepted", n)
		}
	}
	ents, _ := os.ReadDir(st.Path)
	if len(ents) != 0 {
		t.Fatalf("bad names touched the store: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(st.Path), "x")); err == nil {
		t.Fatal("../x created")
	}
}

func TestCreateBusyboxAndDestroy(t *testing.T) {
	storeNeedRoot(t)
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("busybox not installed")
	}
	st, f := storeTestStore(t)
	if err := st.Create("bb", CreateOptions{Template: "busybox", ConfigFile: f}); err != nil {
		t.Fatal(err)
	}
	r := filepath.Join(st.Dir("bb"), "rootfs")
	for p, mode := range map[string]os.FileMode{
		"bin/busybox": 0o755 | os.ModeSetuid | os.ModeSetgid, "etc/init.d/rcS": 0o744,
		"etc/inittab": 0o644, "tmp": os.ModeDir | os.ModeSticky | 0o777, "etc/shadow": 0o644,
	} {
		fi, err := os.Lstat(filepath.Join(r, p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), mode)
		}
	}
	if l, err := os.Readlink(filepath.Join(r, "bin/sh")); err != nil || l != "busybox" {
		t.Errorf("bin/sh -> %q, %v", l, err)
	}
	c, err := st.LoadConfig("bb")
	if err != nil {
		t.Fatal(err)
	}
	if c.UTSName != "bb" || c.TTYMax != 5 || c.PTYMax != 1 || c.RootfsPath != "dir:"+r {
		t.Errorf("config: uts %q tty %d pty %d rootfs %q", c.UTSName, c.TTYMax, c.PTYMax, c.RootfsPath)
	}
	// A symlink out of the container must not be followed by destroy.
	outside := filepath.Join(t.TempDir(), "keep")
	os.WriteFile(outside, []byte("x"), 0o644)
	os.Symlink(filepath.Dir(outside), filepath.Join(r, "root", "link"))
	if err := st.Destroy("bb", DestroyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(st.Dir("bb")); err == nil {
		t.Fatal("container directory still there")
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatal("destroy followed a symlink out of the rootfs")
	}
	if err := st.Destroy("bb", DestroyOptions{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("destroy again: %v", err)
	}
}

func TestDestroySnapshots(t *testing.T) {
	st, f := storeTestStore(t)
	if err := st.Create("s", CreateOptions{Template: "none", ConfigFile: f}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(st.Dir("s"), "snaps", "snap0", "rootfs"), 0o755)
	if err := st.Destroy("s", DestroyOptions{}); !errors.Is(err, ErrHasSnapshots) {
		t.Fatalf("destroy with snapshots: %v", err)
	}
	if err := st.Destroy("s", DestroyOptions{Snapshots: true}); err != nil {
		t.Fatal(err)
	}
	if st.Exists("s") {
		t.Fatal("still exists")
	}
	// An empty snaps/ does not count as snapshots.
	st.Create("e", CreateOptions{Template: "none", ConfigFile: f})
	os.Mkdir(filepath.Join(st.Dir("e"), "snaps"), 0o755)
	if err := st.Destroy("e", DestroyOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestRemoveTreeStopsAtMounts(t *testing.T) {
	storeNeedRoot(t)
	d := t.TempDir()
	mnt := filepath.Join(d, "tree", "mnt")
	os.MkdirAll(mnt, 0o755)
	if err := unixMountTmpfs(mnt); err != nil {
		t.Skipf("cannot mount tmpfs: %v", err)
	}
	t.Cleanup(func() { unixUnmount(mnt) })
	keep := filepath.Join(mnt, "keep")
	os.WriteFile(keep, []byte("x"), 0o644)
	os.WriteFile(filepath.Join(d, "tree", "gone"), []byte("x"), 0o644)
	if err := RemoveTree(filepath.Join(d, "tree")); err == nil {
		t.Fatal("RemoveTree crossed into a mount without error")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatal("RemoveTree removed a file on another filesystem")
	}
	if _, err := os.Stat(filepath.Join(d, "tree", "gone")); err == nil {
		t.Fatal("RemoveTree left files of its own filesystem")
	}
}
