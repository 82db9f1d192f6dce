package core

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fixtureDir is testdata/config at the repository root.
func fixtureDir(t testing.TB) string {
	t.Helper()
	d, err := filepath.Abs("../testdata/config")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConfigFixtures(t *testing.T) {
	root := fixtureDir(t)
	valid, _ := filepath.Glob(filepath.Join(root, "valid", "*.conf"))
	invalid, _ := filepath.Glob(filepath.Join(root, "invalid", "*.conf"))
	if len(valid) == 0 || len(invalid) == 0 {
		t.Fatalf("no fixtures under %s", root)
	}
	for _, f := range valid {
		t.Run("valid/"+filepath.Base(f), func(t *testing.T) {
			t.Chdir(filepath.Dir(f))
			if _, err := LoadConfig(f); err != nil {
				t.Errorf("%v", err)
			}
		})
	}
	for _, f := range invalid {
		t.Run("invalid/"+filepath.Base(f), func(t *testing.T) {
			t.Chdir(filepath.Dir(f))
			want, err := os.ReadFile(strings.TrimSuffix(f, ".conf") + ".err")
			if err != nil {
				t.Fatalf("missing .err file beside %s: %v", f, err)
			}
			_, err = LoadConfig(f)
			if err == nil {
				t.Fatalf("loaded, want error containing %q", want)
			}
			if w := strings.TrimSpace(string(want)); !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not contain %q", err, w)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("error %v is not a *ConfigError", err)
			}
		})
	}
}

func TestConfigFixtureValues(t *testing.T) {
	root := fixtureDir(t)
	t.Chdir(filepath.Join(root, "valid"))
	c, err := LoadConfig("include.conf")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("lxc.cap.drop"); v != "mknod\n" {
		t.Errorf("cap.drop from included dir = %q", v)
	}
	if len(c.Net) != 0 {
		t.Errorf("a non-.conf file of an included directory was read: %v", c.Net)
	}
	c, err = LoadConfig("empty-clears.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CapDrop) != 0 || len(c.Net) != 0 || len(c.Hooks) != 0 || len(c.Cgroup) != 0 {
		t.Errorf("empty values did not clear: %+v", c)
	}
}

// TestConfigErrorFormat checks "file:line: key = value: reason".
func TestConfigErrorFormat(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(p, []byte("# x\nlxc.uts.name = a\nlxc.net.0.type = vth\n"), 0o644)
	_, err := LoadConfig(p)
	want := p + `:3: lxc.net.0.type = vth: invalid network type "vth"`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// TestConfigHostileInput: every case must fail with a clear error, fast.
func TestConfigHostileInput(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop.conf")
	os.WriteFile(loop, []byte("lxc.include = "+loop+"\n"), 0o644)
	a, b := filepath.Join(dir, "a.conf"), filepath.Join(dir, "b.conf")
	os.WriteFile(a, []byte("lxc.include = "+b+"\n"), 0o644)
	os.WriteFile(b, []byte("lxc.include = "+a+"\n"), 0o644)
	fifoInc := filepath.Join(dir, "fifoinc.conf")
	os.WriteFile(fifoInc, []byte("lxc.include = "+fifo+"\n"), 0o644)
	nul := filepath.Join(dir, "nul.conf")
	os.WriteFile(nul, []byte("lxc.uts.name = a\x00b\n"), 0o644)
	long := filepath.Join(dir, "long.conf")
	os.WriteFile(long, []byte("lxc.uts.name = "+strings.Repeat("a", 16<<20)+"\n"), 0o644)
	long1 := filepath.Join(dir, "long1.conf")
	os.WriteFile(long1, []byte("lxc.mount.entry = "+strings.Repeat("a", 2<<20)+"\n"), 0o644)
	huge := filepath.Join(dir, "huge.conf")
	os.WriteFile(huge, []byte("lxc.net.4294967296.type = veth\nlxc.net.18446744073709551616.type = veth\n"), 0o644)
	manyDevs := filepath.Join(dir, "many.conf")
	var mb strings.Builder
	for i := 0; i <= maxNetDevices; i++ {
		mb.WriteString("lxc.net.")
		mb.WriteString(strconv.Itoa(i))
		mb.WriteString(".type = empty\n")
	}
	os.WriteFile(manyDevs, []byte(mb.String()), 0o644)

	cases := []struct{ file, want string }{
		{fifo, "not a regular file"},
		{fifoInc, "not a regular file"},
		{loop, "include loop"},
		{a, "include loop"},
		{nul, "NUL byte"},
		{long, "larger than"},
		{long1, "line longer than"},
		{huge, "out of range"},
		{manyDevs, "network devices"},
	}
	for _, tc := range cases {
		start := time.Now()
		_, err := LoadConfig(tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", filepath.Base(tc.file), err, tc.want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", filepath.Base(tc.file), d)
		}
	}
}

// TestConfigShippedConfigs loads every config LXC ships.
func TestConfigShippedConfigs(t *testing.T) {
	const dir = "/usr/share/lxc/config"
	files, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s absent", dir)
	}
	if len(files) == 0 {
		t.Fatalf("no configs in %s", dir)
	}
	for _, f := range files {
		if _, err := LoadConfig(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func TestConfigComments(t *testing.T) {
	c := NewConfig()
	err := c.LoadString("t", "  # lxc.foo = bar\n\nlxc.uts.name = val # not a comment\r\n\tlxc.tty.max\t=\t\"3\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.UTSName != "val # not a comment" || c.TTYMax != 3 {
		t.Errorf("uts %q tty %d", c.UTSName, c.TTYMax)
	}
}
