package core

import "testing"

func TestRootfsIdmapOption(t *testing.T) {
	for _, c := range []struct {
		in, rest string
		want     bool
	}{
		{"", "", false},
		{"idmap=container", "", true},
		{"ro,idmap=container", "ro", true},
		{"idmap=container,nosuid,ro", "nosuid,ro", true},
		{"ro, idmap=container ,nodev", "ro,nodev", true},
		{"idmap=/proc/1/ns/user", "idmap=/proc/1/ns/user", false},
		{"rw", "rw", false},
	} {
		if got := rootfsWantsIdmap(c.in); got != c.want {
			t.Errorf("rootfsWantsIdmap(%q) = %v, want %v", c.in, got, c.want)
		}
		if got := stripRootfsIdmap(c.in); got != c.rest {
			t.Errorf("stripRootfsIdmap(%q) = %q, want %q", c.in, got, c.rest)
		}
	}
}
