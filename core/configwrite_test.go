package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteKeepsCommentsAndOrder(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config")
	orig := "# my container\n\nlxc.uts.name = old\nfoo = bar\n  # indented\nlxc.cap.drop = mknod\nlxc.rootfs.path = dir:/x\nlxc.net.0.type = veth\nlxc.net.0.ipv4.address = 192.0.2.1/24\nlxc.hook.start = /a\n"
	os.WriteFile(p, []byte(orig), 0o600)
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	// Unchanged config saves byte for byte.
	out := filepath.Join(dir, "copy")
	if err := c.Save(out); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != orig {
		t.Errorf("round trip changed the file:\n%s", b)
	}
	steps := []struct{ key, val string }{
		{"lxc.uts.name", "new"},                    // scalar: in place
		{"lxc.cap.drop", "sys_time"},               // list: after last
		{"lxc.net.0.ipv4.address", "192.0.2.2/24"}, // net list
		{"lxc.log.level", "WARN"},                  // new key: end
		{"lxc.hook.start", ""},                     // clear
		{"lxc.init.cmd", " /sbin/init "},           // needs quotes
	}
	for _, s := range steps {
		if err := c.SetItem(s.key, s.val); err != nil {
			t.Fatalf("SetItem(%s): %v", s.key, err)
		}
	}
	if err := c.Save(p); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	want := "# my container\n\nlxc.uts.name = new\nfoo = bar\n  # indented\nlxc.cap.drop = mknod\nlxc.cap.drop = sys_time\nlxc.rootfs.path = dir:/x\nlxc.net.0.type = veth\nlxc.net.0.ipv4.address = 192.0.2.1/24\nlxc.net.0.ipv4.address = 192.0.2.2/24\nlxc.log.level = WARN\nlxc.init.cmd = \" /sbin/init \"\n"
	if string(b) != want {
		t.Errorf("saved:\n%s\nwant:\n%s", b, want)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode changed to %v", st.Mode())
	}
	c2, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lxc.uts.name", "lxc.cap.drop", "lxc.net.0.ipv4.address", "lxc.log.level", "lxc.hook.start", "lxc.init.cmd"} {
		a, _ := c.Get(k)
		b, _ := c2.Get(k)
		if a != b {
			t.Errorf("%s: in memory %q, reloaded %q", k, a, b)
		}
	}
	// Family clears remove member lines.
	if err := c2.ClearItem("lxc.net"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c2.Text(), "lxc.net.") || len(c2.Net) != 0 {
		t.Errorf("lxc.net clear left:\n%s", c2.Text())
	}
	// Scalars set twice collapse to one line.
	c3 := NewConfig()
	c3.LoadString("x", "")
	c3.SetItem("lxc.uts.name", "a")
	c3.SetItem("lxc.uts.name", "b")
	if c3.Text() != "lxc.uts.name = b" {
		t.Errorf("text = %q", c3.Text())
	}
}

func TestWriteRejectsBadInput(t *testing.T) {
	c := NewConfig()
	for _, kv := range [][2]string{
		{"lxc.uts.name", "a\nlxc.cap.drop = x"},
		{"lxc.bogus", "x"},
		{"lxc.net.0.type", "vth"},
		{"lxc.uts.name = x", "y"},
	} {
		if err := c.SetItem(kv[0], kv[1]); err == nil {
			t.Errorf("SetItem(%q, %q) succeeded", kv[0], kv[1])
		}
	}
	if c.Text() != "" {
		t.Errorf("failed SetItem changed text: %q", c.Text())
	}
}

// TestWriteAtomic: a failed write leaves the old file, and no temporary
// file stays behind.
func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config")
	os.WriteFile(p, []byte("lxc.uts.name = a\n"), 0o640)
	c, _ := LoadConfig(p)
	c.SetItem("lxc.uts.name", "b")
	// Saving over a directory must fail without touching anything.
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	if err := c.Save(sub); err == nil {
		t.Error("Save over a directory succeeded")
	}
	if err := c.Save(p); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "lxc.uts.name = b\n" {
		t.Errorf("content %q", b)
	}
}
