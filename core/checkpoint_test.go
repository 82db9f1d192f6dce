package core

import (
	"reflect"
	"strings"
	"testing"
)

// TestCriuArgs checks the exact command lines against LXC's criu.c.
func TestCriuArgs(t *testing.T) {
	common := "--tcp-established --file-locks --link-remap --manage-cgroups=full --ext-mount-map auto " +
		"--enable-external-sharing --enable-external-masters --enable-fs hugetlbfs --enable-fs tracefs"
	for _, tc := range []struct {
		name string
		a    CriuArgs
		want string
	}{
		{"dump", CriuArgs{Action: "dump", Dir: "/ck", InitPID: 42, FreezerPath: "/lxc.payload.c1",
			CgroupRoots: []string{"freezer:/lxc.payload.c1", "cpu,cpuacct:/lxc.payload.c1"},
			BindMounts:  [][2]string{{"lib", "/lib"}}, TTYID: "tty[8800:d]"},
			"dump " + common + " -D /ck -o /ck/dump.log --cgroup-root freezer:/lxc.payload.c1 --cgroup-root cpu,cpuacct:/lxc.payload.c1" +
				" --ext-mount-map /lib:lib -t 42 --skip-in-flight --freeze-cgroup /sys/fs/cgroup/freezer/lxc.payload.c1" +
				" --ext-mount-map /dev/console:console --external tty[8800:d] --force-irmap --leave-running"},
		{"dump -s -v -A", CriuArgs{Action: "dump", Dir: "/ck", InitPID: 7, Stop: true, Verbose: true, ActionScript: "/s.sh"},
			"dump " + common + " -D /ck -o /ck/dump.log -v4 --action-script /s.sh -t 7 --skip-in-flight --force-irmap"},
		{"pre-dump", CriuArgs{Action: "pre-dump", Dir: "/ck", InitPID: 7, PredumpDir: "../old"},
			"pre-dump " + common + " -D /ck -o /ck/pre-dump.log -t 7 --skip-in-flight --prev-images-dir ../old --track-mem --force-irmap"},
		{"restore", CriuArgs{Action: "restore", Dir: "/ck", RootfsMount: "/r", BindMounts: [][2]string{{"lib", "/lib"}},
			ConsoleFD: 5, ConsoleTTY: "tty[8800:d]", ConsoleName: "/dev/pts/3", LSMProfile: "apparmor:unconfined",
			Veths: []CriuVeth{{Name: "eth0", Pair: "vethA", Link: "br0"}, {Pair: "vethB"}}},
			"restore " + common + " -D /ck -o /ck/restore.log --ext-mount-map lib:/lib --root /r --restore-detached --restore-sibling" +
				" --inherit-fd fd[5]:tty[8800:d] --ext-mount-map console:/dev/pts/3 --lsm-profile apparmor:unconfined --external veth[eth0]:vethA@br0 --external veth[eth1]:vethB"},
	} {
		got := tc.a.Build()
		if want := strings.Fields(tc.want); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, want)
		}
	}
}
