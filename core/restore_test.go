package core

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRestoreArgs checks the criu restore command line a restore-mode
// monitor builds from a config, against LXC's do_restore/exec_criu:
// --root lxc.rootfs.mount, the console as --inherit-fd fd[N]:TTYINFO
// plus --ext-mount-map console:PTS, --lsm-profile, and one --external
// per veth (host side named vethXXXXXX when unset) or macvlan, in
// config order.
func TestRestoreArgs(t *testing.T) {
	img := t.TempDir()
	if err := os.WriteFile(filepath.Join(img, "tty.info"), []byte("tty[8800:d]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := NewConfig()
	cfg.RootfsPath = "dir:/var/x/rootfs"
	cfg.AppArmorProfile = "unconfined"
	cfg.MountEntries = []string{"/lib lib none ro,bind 0 0", "proc proc proc nodev 0 0"}
	cfg.Net[0] = &NetDev{Type: "veth", Name: "eth0", VethPair: "vhost0", Link: "br0"}
	cfg.Net[1] = &NetDev{Type: "macvlan", Link: "eno1"}
	cfg.Net[2] = &NetDev{Type: "veth"}
	cfg.Net[3] = &NetDev{Type: "empty"}
	m := &monitor{cfg: cfg, o: &StartOptions{Restore: &RestoreOptions{Dir: img, Verbose: true}}}

	pty, err := os.Open("/dev/null") // stands in for the console slave
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	a, err := m.restoreArgs(pty)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(a.Build(), " ")
	want := "restore --tcp-established --file-locks --link-remap --manage-cgroups=full --ext-mount-map auto " +
		"--enable-external-sharing --enable-external-masters --enable-fs hugetlbfs --enable-fs tracefs " +
		"-D " + img + " -o " + img + "/restore.log -v4 --ext-mount-map lib:/lib " +
		"--root " + DefaultRootfsMount + " --restore-detached --restore-sibling " +
		"--inherit-fd fd[3]:tty[8800:d] --ext-mount-map console:/dev/null --lsm-profile apparmor:unconfined " +
		"--external veth[eth0]:vhost0@br0 --external macvlan[eth1]:eno1 --external veth[eth2]:veth[a-zA-Z0-9]{6}"
	if !regexp.MustCompile("^" + regexp.QuoteMeta(strings.TrimSuffix(want, "veth[a-zA-Z0-9]{6}")) + "veth[a-zA-Z0-9]{6}$").MatchString(got) {
		t.Errorf("restore argv:\n got %s\nwant %s", got, want)
	}

	// A console saved on the source but none here: LXC's refusal.
	if _, err := m.restoreArgs(nil); err == nil || !strings.Contains(err.Error(), "configured on source host but not target") {
		t.Errorf("no console: %v", err)
	}
	// No tty.info (lxc.console.path = none on the source): no console args.
	os.Remove(filepath.Join(img, "tty.info"))
	cfg.RootfsMount = "/mnt/r"
	a, err = m.restoreArgs(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.Build(), " "); strings.Contains(got, "--inherit-fd") || strings.Contains(got, "console:") ||
		!strings.Contains(got, "--root /mnt/r ") {
		t.Errorf("without tty.info: %s", got)
	}
}

// TestRandomAlnum checks LXC's vethXXXXXX alphabet.
func TestRandomAlnum(t *testing.T) {
	for i := 0; i < 50; i++ {
		if s := randomAlnum(6); !regexp.MustCompile(`^[a-zA-Z0-9]{6}$`).MatchString(s) {
			t.Fatalf("randomAlnum: %q", s)
		}
	}
}
