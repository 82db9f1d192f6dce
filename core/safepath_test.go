package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// safeTree builds root/ with a few traps and a host dir outside it.
func safeTree(t *testing.T) (root, host string, rootFd int) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "root")
	host = filepath.Join(base, "host")
	for _, d := range []string{"root/etc", "root/run", "root/var", "host"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "etc/hostname"), []byte("ct"), 0o644)
	os.WriteFile(filepath.Join(host, "secret"), []byte("host"), 0o644)
	os.Symlink(host, filepath.Join(root, "evil"))               // absolute, points out
	os.Symlink("../../../../..", filepath.Join(root, "etc/up")) // climbs
	os.Symlink("/run", filepath.Join(root, "var/run"))          // legit absolute link
	os.Symlink(filepath.Join(host, "nothere"), filepath.Join(root, "dangling"))
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return root, host, fd
}

// fdRealPath names what an fd refers to.
func fdRealPath(t *testing.T, fd int) string {
	t.Helper()
	p, err := os.Readlink(fdPath(fd))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSafeOpenInRoot(t *testing.T) {
	root, host, rootFd := safeTree(t)
	tests := []struct {
		in      string
		want    string // real path, "" = must fail
		follows bool   // only with openat2 (the fallback refuses symlinks)
	}{
		{in: "etc/hostname", want: root + "/etc/hostname"},
		{in: "/etc/hostname", want: root + "/etc/hostname"},
		{in: "../../etc/hostname", want: root + "/etc/hostname"},
		{in: "", want: root},
		{in: "evil/secret", want: "", follows: true}, // host/secret must not be reached
		{in: "etc/up/etc/hostname", want: root + "/etc/hostname", follows: true},
		{in: "var/run", want: root + "/run", follows: true},
		{in: "nothere", want: ""},
	}
	for _, mode := range []bool{false, true} {
		forceNoOpenat2 = mode
		for _, tt := range tests {
			fd, err := openInRoot(rootFd, tt.in, 0, 0)
			if mode && tt.follows {
				// The fallback refuses symlinks, which is always safe.
				if err == nil {
					if p := fdRealPath(t, fd); p != tt.want || tt.want == "" {
						t.Errorf("fallback %q: resolved to %q", tt.in, p)
					}
					unix.Close(fd)
				}
				continue
			}
			if tt.want == "" {
				if err == nil {
					t.Errorf("nofollow=%v %q: resolved to %q, want failure", mode, tt.in, fdRealPath(t, fd))
					unix.Close(fd)
				}
				continue
			}
			if err != nil {
				t.Errorf("nofollow=%v %q: %v", mode, tt.in, err)
				continue
			}
			if p := fdRealPath(t, fd); p != tt.want {
				t.Errorf("nofollow=%v %q: resolved to %q, want %q", mode, tt.in, p, tt.want)
			}
			unix.Close(fd)
		}
	}
	forceNoOpenat2 = false
	if _, err := os.Stat(filepath.Join(host, "nothere")); err == nil {
		t.Error("something created on the host")
	}
}

func TestSafeCreateInRoot(t *testing.T) {
	root, host, rootFd := safeTree(t)
	// A directory through the symlink pointing out: created inside root.
	// A directory through the symlink pointing out: refused (the dangling
	// link cannot be walked without following it) or created inside root.
	fd, err := mkdirAllInRoot(rootFd, "evil/x/y", 0o755)
	if err == nil {
		if p := fdRealPath(t, fd); !strings.HasPrefix(p, root+"/") {
			t.Errorf("created %q, want it inside root", p)
		}
		unix.Close(fd)
	}
	if _, err := os.Stat(filepath.Join(host, "x")); err == nil {
		t.Fatal("mkdir escaped to the host")
	}
	// A file where a dangling symlink points out: refused or inside root.
	fd, err = createFileInRoot(rootFd, "dangling")
	if err == nil {
		p := fdRealPath(t, fd)
		unix.Close(fd)
		if p != root+"/dangling" {
			t.Errorf("file created at %q", p)
		}
	}
	if _, err := os.Stat(filepath.Join(host, "nothere")); err == nil {
		t.Fatal("file created on the host")
	}
	// Normal cases.
	fd, err = createFileInRoot(rootFd, "/a/b/file")
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	if st, err := os.Stat(filepath.Join(root, "a/b/file")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("a/b/file: %v", err)
	}
	if _, err := mkdirAllInRoot(rootFd, "etc/hostname/sub", 0o755); err == nil {
		t.Error("mkdir below a file succeeded")
	}
	fd, err = mkdirAllInRoot(rootFd, "etc", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
}

func TestSafeCleanInRoot(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "/": "", ".": "", "..": "", "/a/../b": "b", "a//b/": "a/b", "../../x": "x", "/proc": "proc",
	} {
		if got := cleanInRoot(in); got != want {
			t.Errorf("cleanInRoot(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRootfsHostPath(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"", "", ""},
		{"dir:/var/lib/lxc/c/rootfs", "/var/lib/lxc/c/rootfs", ""},
		{"/srv/rootfs", "/srv/rootfs", ""},
		{"/srv/a:b", "/srv/a:b", ""},
		{"overlay:/a:/b", "/rootfs", ""},
		{"btrfs:/x", "", `storage backend "btrfs" is not supported`},
		{"dir:relative", "", "must be an absolute path"},
		{"relative", "", "must be an absolute path"},
	}
	for _, tt := range tests {
		got, err := RootfsHostPath(&Config{RootfsPath: tt.in})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q, %v", tt.in, got, err)
		}
	}
}

func TestMountEntryTarget(t *testing.T) {
	c := &rootfsCtx{
		setup:      &RootfsSetup{Name: "c1", LXCPath: "/var/lib/lxc"},
		hasRootfs:  true,
		rootfsPath: "/srv/c1/rootfs",
		mountPath:  "/srv/c1/rootfs",
	}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"mnt/x", "mnt/x", true},
		{"dev/../../x", "x", true},
		{"/srv/c1/rootfs/mnt/x", "mnt/x", true},
		{"/srv/c1/rootfs", "", true},
		{"/var/lib/lxc/c1/rootfs/opt", "opt", true},
		{"/srv/c1/rootfsX/opt", "", false},
		{"/mnt/x", "", false},
	}
	for _, tt := range tests {
		got, ok := c.entryTarget(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%q: %q %v, want %q %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	c.hasRootfs = false
	if got, ok := c.entryTarget("/mnt/x"); got != "mnt/x" || !ok {
		t.Errorf("no rootfs: %q %v", got, ok)
	}
}
