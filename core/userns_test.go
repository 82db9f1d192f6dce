package core

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

var testMaps = []IDMap{
	{Kind: 'u', NSID: 0, HostID: 100000, Range: 65536},
	{Kind: 'g', NSID: 0, HostID: 200000, Range: 65536},
}

func TestMapToHost(t *testing.T) {
	tests := []struct {
		kind byte
		id   int64
		want int64
		ok   bool
	}{
		{'u', 0, 100000, true}, {'u', 65535, 165535, true}, {'u', 65536, 0, false},
		{'g', 5, 200005, true}, {'g', -1, 0, false},
	}
	for _, tt := range tests {
		got, ok := MapToHost(testMaps, tt.kind, tt.id)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%c %d: got %d %v", tt.kind, tt.id, got, ok)
		}
	}
}

func TestSysProcIDMaps(t *testing.T) {
	if _, _, err := sysProcIDMaps(testMaps); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sysProcIDMaps(testMaps[:1]); err == nil {
		t.Fatal("a uid map without a gid map was accepted")
	}
	if _, _, err := sysProcIDMaps([]IDMap{{Kind: 'u', NSID: 0, HostID: 1 << 32, Range: 1}, testMaps[1]}); err == nil {
		t.Fatal("an out-of-range map was accepted")
	}
	if _, _, err := containerRoot([]IDMap{{Kind: 'u', NSID: 1, HostID: 100000, Range: 10}, testMaps[1]}); err == nil || !strings.Contains(err.Error(), "u 0") {
		t.Fatalf("no root mapping: err = %v", err)
	}
}

func TestShiftRootfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := t.TempDir()
	mk := func(p string, uid, gid int, mode os.FileMode) {
		t.Helper()
		full := filepath.Join(dir, p)
		if mode.IsDir() {
			os.Mkdir(full, mode.Perm())
		} else if err := os.WriteFile(full, nil, mode.Perm()); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(full, uid, gid); err != nil {
			t.Fatal(err)
		}
		os.Chmod(full, mode)
	}
	mk("etc", 0, 0, os.ModeDir|0o755)
	mk("etc/shadow", 0, 42, 0o640)
	mk("su", 0, 0, 0o755|os.ModeSetuid)
	mk("user", 1000, 1000, 0o644)
	mk("outside", 70000, 70000, 0o644)
	os.Link(filepath.Join(dir, "user"), filepath.Join(dir, "etc", "userlink"))
	os.Symlink("/etc/passwd", filepath.Join(dir, "link"))
	for round := 0; round < 2; round++ { // the shift is idempotent
		if err := ShiftRootfs(dir, testMaps); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][3]uint32{
		".": {100000, 200000, 0}, "etc": {100000, 200000, 0}, "etc/shadow": {100000, 200042, 0},
		"su": {100000, 200000, syscall.S_ISUID}, "user": {101000, 201000, 0}, "outside": {70000, 70000, 0},
		"link": {100000, 200000, 0},
	}
	for p, w := range want {
		var st syscall.Stat_t
		if err := syscall.Lstat(filepath.Join(dir, p), &st); err != nil {
			t.Fatal(err)
		}
		if st.Uid != w[0] || st.Gid != w[1] || st.Mode&w[2] != w[2] {
			t.Errorf("%s: %d:%d mode %o, want %d:%d with %o", p, st.Uid, st.Gid, st.Mode, w[0], w[1], w[2])
		}
	}
}

func TestCheckReachable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "a", "b")
	os.MkdirAll(sub, 0o755)
	os.Chmod(filepath.Join(dir, "a"), 0o700)
	os.Chmod(dir, 0o711)
	os.Chmod(filepath.Dir(dir), 0o711)
	err := checkReachable(sub, 100000, 100000)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a")+`" is not searchable`) {
		t.Fatalf("err = %v", err)
	}
	os.Chown(filepath.Join(dir, "a"), 100000, 0)
	if err := checkReachable(sub, 100000, 100000); err != nil {
		t.Fatal(err)
	}
}

// TestIdmappedRootfs: through the idmapped clone, a file owned by host
// root belongs to the namespace's root (100000 on the host).
func TestIdmappedRootfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A process that holds a user namespace with the test maps.
	cmd := exec.Command("/bin/sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 100000, Size: 65536}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 200000, Size: 65536}}}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot create a user namespace: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ns, err := os.Open("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/user")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	mnt, err := IdmappedRootfs(dir, int(ns.Fd()))
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS) {
		t.Skipf("idmapped mounts unsupported here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer mnt.Close()
	var st unix.Stat_t
	if err := unix.Fstatat(int(mnt.Fd()), "f", &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		t.Fatal(err)
	}
	if st.Uid != 100000 || st.Gid != 200000 {
		t.Fatalf("through the idmapped mount f is %d:%d, want 100000:200000", st.Uid, st.Gid)
	}
}
