package core

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// storeTestContainer writes NAME/config with the given text.
func storeTestContainer(t *testing.T, lxcpath, name, config string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(lxcpath, name), 0o770); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lxcpath, name, "config"), []byte(config), 0o640); err != nil {
		t.Fatal(err)
	}
}

func TestStoreList(t *testing.T) {
	p := t.TempDir()
	for _, n := range []string{"b", "a", "B", "a-1", ".hidden", "_x"} {
		storeTestContainer(t, p, n, "lxc.uts.name = x\n")
	}
	os.Mkdir(filepath.Join(p, "noconfig"), 0o755)
	os.WriteFile(filepath.Join(p, "file"), nil, 0o644)
	os.MkdirAll(filepath.Join(p, "dirconfig", "config"), 0o755)
	got, err := (&Store{Path: p}).List()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"B", "_x", "a", "a-1", "b"} // strcmp order
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List = %q, want %q", got, want)
	}
	got, err = (&Store{Path: filepath.Join(p, "missing")}).List()
	if err != nil || len(got) != 0 {
		t.Fatalf("List of missing lxcpath = %q, %v", got, err)
	}
}

func TestStoreLoadConfigErrors(t *testing.T) {
	p := t.TempDir()
	st := &Store{Path: p}
	if _, err := st.LoadConfig("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("missing container: %v", err)
	}
	storeTestContainer(t, p, "bad", "lxc.bogus = 1\n")
	_, err := st.LoadConfig("bad")
	if err == nil || !strings.Contains(err.Error(), `"bad"`) || !strings.Contains(err.Error(), filepath.Join(p, "bad", "config")) {
		t.Fatalf("bad config error should name container and file: %v", err)
	}
	for _, n := range []string{"../x", "a/b", "..", "a\nb"} {
		if _, err := st.LoadConfig(n); err == nil {
			t.Errorf("LoadConfig(%q) accepted", n)
		}
	}
}

func TestLsEntriesFilters(t *testing.T) {
	p := t.TempDir()
	st := &Store{Path: p}
	storeTestContainer(t, p, "alpha", "lxc.uts.name = alpha\n")
	storeTestContainer(t, p, "beta", "lxc.group = web\nlxc.group = onboot\nlxc.start.auto = 1\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n")
	storeTestContainer(t, p, "gamma", "lxc.group = web\n")
	storeTestContainer(t, p, "broken", "lxc.bogus = 1\n")
	names := func(es []LsEntry) []string {
		var n []string
		for _, e := range es {
			n = append(n, e.Name)
		}
		return n
	}
	for _, tc := range []struct {
		name string
		o    LsOptions
		want []string
		warn string
	}{
		{"all", LsOptions{}, []string{"alpha", "beta", "gamma"}, "Failed to load config for broken\n"},
		{"filter skips before load", LsOptions{Filter: "^(al|be)", FilterSet: true}, []string{"alpha", "beta"}, ""},
		{"unanchored", LsOptions{Filter: "a", FilterSet: true}, []string{"alpha", "beta", "gamma"}, ""},
		{"bad regex", LsOptions{Filter: "[", FilterSet: true}, nil, ""},
		{"groups all", LsOptions{Groups: []string{"web", "onboot"}}, []string{"beta"}, "Failed to load config for broken\n"},
		{"group web", LsOptions{Groups: []string{"web"}}, []string{"beta", "gamma"}, "Failed to load config for broken\n"},
		{"stopped", LsOptions{Stopped: true}, []string{"alpha", "beta", "gamma"}, "Failed to load config for broken\n"},
		{"running", LsOptions{Running: true}, nil, "Failed to load config for broken\n"},
		{"active", LsOptions{Active: true}, nil, ""},
	} {
		var w bytes.Buffer
		es, err := st.LsEntries(tc.o, &w)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(es); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: names %q, want %q", tc.name, got, tc.want)
		}
		if w.String() != tc.warn {
			t.Errorf("%s: warnings %q, want %q", tc.name, w.String(), tc.warn)
		}
	}
	es, _ := st.LsEntries(LsOptions{Fancy: true, Filter: "beta", FilterSet: true}, &bytes.Buffer{})
	want := LsEntry{Name: "beta", State: "STOPPED", Autostart: true, Unprivileged: true, InitPID: -1, Groups: "web, onboot"}
	if len(es) != 1 || !reflect.DeepEqual(es[0], want) {
		t.Fatalf("fancy entry = %+v, want %+v", es, want)
	}
}

func TestLsEntriesNesting(t *testing.T) {
	p := t.TempDir()
	st := &Store{Path: p}
	outerRootfs := filepath.Join(p, "outer", "rootfs")
	storeTestContainer(t, p, "outer", "lxc.rootfs.path = dir:"+outerRootfs+"\n")
	storeTestContainer(t, filepath.Join(outerRootfs, p), "inner", "lxc.uts.name = inner\n")
	es, err := st.LsEntries(LsOptions{Nesting: 5}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[1].Name != "outer/inner" || es[1].NestLevel != 1 {
		t.Fatalf("nested = %+v", es)
	}
	es, _ = st.LsEntries(LsOptions{}, &bytes.Buffer{})
	if len(es) != 1 {
		t.Fatalf("without nesting = %+v", es)
	}
}

// BenchmarkLsEntries500 measures the cost lxc-ls pays per defined
// container.
func BenchmarkLsEntries500(b *testing.B) {
	p := b.TempDir()
	for i := 0; i < 500; i++ {
		n := filepath.Join(p, fmt.Sprintf("c%03d", i))
		os.MkdirAll(n, 0o770)
		os.WriteFile(filepath.Join(n, "config"), []byte(benchConfig), 0o640)
	}
	st := &Store{Path: p}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		es, err := st.LsEntries(LsOptions{Fancy: true}, &bytes.Buffer{})
		if err != nil || len(es) != 500 {
			b.Fatal(err, len(es))
		}
	}
}

const benchConfig = `lxc.net.0.type = empty
lxc.rootfs.path = dir:/var/lib/lxc/x/rootfs
lxc.signal.halt = SIGUSR1
lxc.signal.reboot = SIGTERM
lxc.uts.name = "x"
lxc.autodev = 1
lxc.tty.max = 5
lxc.pty.max = 1
lxc.cap.drop = sys_module mac_admin mac_override sys_time
lxc.mount.auto = cgroup:mixed proc:mixed sys:ro
lxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0
lxc.mount.entry = mqueue dev/mqueue mqueue defaults,optional,create=dir 0 0
lxc.mount.entry = /lib lib none ro,bind 0 0
lxc.mount.entry = /usr/lib usr/lib none ro,bind 0 0
lxc.mount.entry = /sys/kernel/security sys/kernel/security none ro,bind,optional 0 0
`
