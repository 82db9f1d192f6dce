package cgroupfs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Mountinfo of this project's test machine: v1 controllers plus cgroup2 at
// /sys/fs/cgroup/unified.
const hybridMountinfo = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

const hybridSelf = `9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/abc
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/user.slice
`

const unifiedMountinfo = `25 1 0:22 / / rw - ext4 /dev/vda rw
30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
90 25 0:26 / /mnt/bind\040dir rw - cgroup2 cgroup2 rw
`

const legacyMountinfo = `31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
`

func TestParseMountinfo(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Mount
		wantErr string
	}{
		{"optional fields", "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n",
			[]Mount{{Device: "98:0", Root: "/mnt1", Mountpoint: "/mnt2", FSType: "ext3", SuperOptions: "rw,errors=continue"}}, ""},
		{"escaped", "90 25 0:26 / /mnt/bind\\040dir rw - cgroup2 cgroup2 rw\n",
			[]Mount{{Device: "0:26", Root: "/", Mountpoint: "/mnt/bind dir", FSType: "cgroup2", SuperOptions: "rw"}}, ""},
		{"no separator", "1 2 3:4 / /x rw ext4\n", nil, "malformed"},
		{"short", "1 2\n", nil, "malformed"},
		{"blank lines", "\n\n", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMountinfo(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseProcCgroup(t *testing.T) {
	got, err := ParseProcCgroup(strings.NewReader("4:cpu,cpuacct:/a/b\n1:name=systemd:/s\n0::/u\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cpu": "/a/b", "cpuacct": "/a/b", "name=systemd": "/s", "": "/u"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ParseProcCgroup(strings.NewReader("garbage\n")); err == nil {
		t.Error("malformed line accepted")
	}
}

// fakeHost makes the mountpoints of mountinfo under a temporary root and
// parses the host from it.
func fakeHost(t *testing.T, mountinfo, self string) (*Host, string) {
	t.Helper()
	root := t.TempDir()
	mounts, err := ParseMountinfo(strings.NewReader(mountinfo))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		if strings.HasPrefix(m.FSType, "cgroup") {
			if err := os.MkdirAll(filepath.Join(root, m.Mountpoint), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	h, err := ParseHost([]byte(mountinfo), []byte(self), root)
	if err != nil {
		t.Fatal(err)
	}
	return h, root
}

func TestParseHostLayouts(t *testing.T) {
	type hv struct {
		version     int
		mount       string
		controllers string
		current     string
	}
	tests := []struct {
		name, mountinfo, self string
		pure                  bool
		want                  []hv
	}{
		{"hybrid", hybridMountinfo, hybridSelf, false, []hv{
			{1, "/sys/fs/cgroup/cpu", "cpu", "/"},
			{1, "/sys/fs/cgroup/cpuacct", "cpuacct", "/"},
			{1, "/sys/fs/cgroup/cpuset", "cpuset", "/"},
			{1, "/sys/fs/cgroup/memory", "memory", "/process_api/abc"},
			{1, "/sys/fs/cgroup/devices", "devices", "/"},
			{1, "/sys/fs/cgroup/freezer", "freezer", "/"},
			{1, "/sys/fs/cgroup/blkio", "blkio", "/"},
			{1, "/sys/fs/cgroup/pids", "pids", "/"},
			{1, "/sys/fs/cgroup/systemd", "name=systemd", "/"},
			{2, "/sys/fs/cgroup/unified", "", "/user.slice"},
		}},
		{"unified (bind mount ignored)", unifiedMountinfo, "0::/init.scope\n", true, []hv{
			{2, "/sys/fs/cgroup", "", "/init.scope"},
		}},
		{"legacy co-mounted", legacyMountinfo, "2:cpu,cpuacct:/x\n1:memory:/y\n", false, []hv{
			{1, "/sys/fs/cgroup/cpu,cpuacct", "cpu,cpuacct", "/x"},
			{1, "/sys/fs/cgroup/memory", "memory", "/y"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := fakeHost(t, tt.mountinfo, tt.self)
			var got []hv
			for _, x := range h.Hierarchies {
				got = append(got, hv{x.Version, x.Mountpoint, strings.Join(x.Controllers, ","), x.Current})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if h.PureUnified() != tt.pure {
				t.Errorf("PureUnified = %v", h.PureUnified())
			}
			m, err := h.NewManager(Config{Name: "c1"})
			if err != nil {
				t.Fatal(err)
			}
			wantV := 1
			if tt.pure {
				wantV = 2
			}
			if m.Version() != wantV {
				t.Errorf("manager version %d, want %d", m.Version(), wantV)
			}
		})
	}
}

func TestUnifiedControllersAndCloneChildren(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "/sys/fs/cgroup"), 0o755)
	os.WriteFile(filepath.Join(root, "/sys/fs/cgroup/cgroup.controllers"), []byte("cpu io memory pids\n"), 0o644)
	h, err := ParseHost([]byte(unifiedMountinfo), nil, root)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Unified().Controllers; !reflect.DeepEqual(got, []string{"cpu", "io", "memory", "pids"}) {
		t.Errorf("controllers %v", got)
	}
	root = t.TempDir()
	os.MkdirAll(filepath.Join(root, "/sys/fs/cgroup/memory"), 0o755)
	os.WriteFile(filepath.Join(root, "/sys/fs/cgroup/memory/cgroup.clone_children"), []byte("0\n"), 0o644)
	h, err = ParseHost([]byte(legacyMountinfo), nil, root)
	if err != nil {
		t.Fatal(err)
	}
	if h.Hierarchies[0].CloneChildren || !h.Hierarchies[1].CloneChildren {
		t.Errorf("clone_children flags wrong: %v %v", h.Hierarchies[0].CloneChildren, h.Hierarchies[1].CloneChildren)
	}
}
