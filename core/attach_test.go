package core

import (
	"slices"
	"testing"
)

func TestParseNamespaces(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"MOUNT", []string{"MOUNT"}, true},
		{"NETWORK|PID", []string{"NETWORK", "PID"}, true},
		{"mount|utsname|ipc|user|cgroup", []string{"MOUNT", "UTSNAME", "IPC", "USER", "CGROUP"}, true},
		{"NET", nil, false},
		{"", nil, false},
		{"TIME", nil, false},
	} {
		got, err := ParseNamespaces(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("ParseNamespaces(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestAttachEnvPolicy(t *testing.T) {
	t.Setenv("ATTACH_UNIT_A", "a")
	t.Setenv("ATTACH_UNIT_B", "b")
	env := attachEnv(&AttachOptions{})
	if !slices.Contains(env, "ATTACH_UNIT_A=a") || !slices.Contains(env, "container=lxc") {
		t.Errorf("keep-env: %v", env)
	}
	env = attachEnv(&AttachOptions{ClearEnv: true, KeepVars: []string{"ATTACH_UNIT_B", "ATTACH_UNIT_NONE"},
		SetVars: []string{"X=1", "ATTACH_UNIT_A", "container=foo"}})
	want := []string{"PATH=" + defaultPath, "ATTACH_UNIT_B=b", "container=foo", "X=1", "ATTACH_UNIT_A=a"}
	if !slices.Equal(env, want) {
		t.Errorf("clear-env: %v, want %v", env, want)
	}
}

func TestPersonalityOf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"x86_64", 0, true}, {"amd64", 0, true}, {"i686", 8, true}, {"linux32", 8, true}, {"bogus", 0, false},
	} {
		got, err := personalityOf(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("personalityOf(%q) = %d, %v", tc.in, got, err)
		}
	}
}
