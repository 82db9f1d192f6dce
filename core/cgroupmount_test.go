package core

import "testing"

func TestParseCgroupAuto(t *testing.T) {
	for _, tc := range []struct {
		tok      string
		sysAdmin bool
		want     cgroupAuto
	}{
		{"cgroup", true, cgroupAuto{"cgroup", "rw", false}},
		{"cgroup", false, cgroupAuto{"cgroup", "mixed", false}},
		{"cgroup:force", false, cgroupAuto{"cgroup", "mixed", true}},
		{"cgroup:mixed", true, cgroupAuto{"cgroup", "mixed", false}},
		{"cgroup:ro:force", true, cgroupAuto{"cgroup", "ro", true}},
		{"cgroup-full:rw", false, cgroupAuto{"cgroup-full", "rw", false}},
		{"cgroup-full", false, cgroupAuto{"cgroup-full", "mixed", false}},
		{"cgroup2", false, cgroupAuto{"cgroup2", "rw", false}},
		{"cgroup2:ro:force", true, cgroupAuto{"cgroup2", "ro", true}},
	} {
		if got := parseCgroupAuto(tc.tok, tc.sysAdmin); got != tc.want {
			t.Errorf("parseCgroupAuto(%q, %v) = %+v, want %+v", tc.tok, tc.sysAdmin, got, tc.want)
		}
	}
}

func TestKeepsCapSysAdmin(t *testing.T) {
	for _, tc := range []struct {
		drop, keep []string
		want       bool
	}{
		{nil, nil, true},
		{[]string{"sys_module", "sys_time"}, nil, true},
		{[]string{"sys_admin"}, nil, false},
		{nil, []string{"none"}, false},
		{nil, []string{"sys_admin", "net_admin"}, true},
	} {
		if got := keepsCapSysAdmin(&Config{CapDrop: tc.drop, CapKeep: tc.keep}); got != tc.want {
			t.Errorf("drop=%v keep=%v: %v", tc.drop, tc.keep, got)
		}
	}
}
