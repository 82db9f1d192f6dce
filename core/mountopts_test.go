package core

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMountFlagTable checks every entry of the flag table against the
// expected flag and direction, one by one (gokrazy once swapped two).
func TestMountFlagTable(t *testing.T) {
	want := map[string]mountFlag{
		"defaults":      {0, false},
		"ro":            {unix.MS_RDONLY, false},
		"rw":            {unix.MS_RDONLY, true},
		"suid":          {unix.MS_NOSUID, true},
		"nosuid":        {unix.MS_NOSUID, false},
		"dev":           {unix.MS_NODEV, true},
		"nodev":         {unix.MS_NODEV, false},
		"exec":          {unix.MS_NOEXEC, true},
		"noexec":        {unix.MS_NOEXEC, false},
		"sync":          {unix.MS_SYNCHRONOUS, false},
		"async":         {unix.MS_SYNCHRONOUS, true},
		"dirsync":       {unix.MS_DIRSYNC, false},
		"remount":       {unix.MS_REMOUNT, false},
		"mand":          {unix.MS_MANDLOCK, false},
		"nomand":        {unix.MS_MANDLOCK, true},
		"atime":         {unix.MS_NOATIME, true},
		"noatime":       {unix.MS_NOATIME, false},
		"diratime":      {unix.MS_NODIRATIME, true},
		"nodiratime":    {unix.MS_NODIRATIME, false},
		"bind":          {unix.MS_BIND, false},
		"rbind":         {unix.MS_BIND | unix.MS_REC, false},
		"relatime":      {unix.MS_RELATIME, false},
		"norelatime":    {unix.MS_RELATIME, true},
		"strictatime":   {unix.MS_STRICTATIME, false},
		"nostrictatime": {unix.MS_STRICTATIME, true},
		"lazytime":      {unix.MS_LAZYTIME, false},
		"nolazytime":    {unix.MS_LAZYTIME, true},
		"iversion":      {unix.MS_I_VERSION, false},
		"noiversion":    {unix.MS_I_VERSION, true},
		"silent":        {unix.MS_SILENT, false},
		"loud":          {unix.MS_SILENT, true},
		"nosymfollow":   {unix.MS_NOSYMFOLLOW, false},
	}
	if len(want) != len(mountFlags) {
		t.Errorf("table has %d entries, test knows %d", len(mountFlags), len(want))
	}
	for name, w := range want {
		got, ok := mountFlags[name]
		if !ok {
			t.Errorf("%q missing from table", name)
			continue
		}
		if got != w {
			t.Errorf("%q = %+v, want %+v", name, got, w)
		}
		// And through the parser: a set flag is in Flags, a cleared one
		// is in Clear and not in Flags.
		o, err := parseMountOptions(name)
		if err != nil {
			t.Errorf("parse %q: %v", name, err)
			continue
		}
		if w.clear {
			if o.Flags&w.flag != 0 || o.Clear&w.flag != w.flag {
				t.Errorf("parse %q: flags %#x clear %#x", name, o.Flags, o.Clear)
			}
		} else if o.Flags != w.flag {
			t.Errorf("parse %q: flags %#x, want %#x", name, o.Flags, w.flag)
		}
		if len(o.Data) != 0 {
			t.Errorf("parse %q: leaked into data %q", name, o.Data)
		}
	}
}

func TestMountPropagationTable(t *testing.T) {
	want := map[string]uintptr{
		"shared":      unix.MS_SHARED,
		"rshared":     unix.MS_SHARED | unix.MS_REC,
		"slave":       unix.MS_SLAVE,
		"rslave":      unix.MS_SLAVE | unix.MS_REC,
		"private":     unix.MS_PRIVATE,
		"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
		"unbindable":  unix.MS_UNBINDABLE,
		"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
	}
	if len(want) != len(propagationFlags) {
		t.Errorf("table has %d entries, test knows %d", len(propagationFlags), len(want))
	}
	for name, w := range want {
		o, err := parseMountOptions("bind," + name)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if o.Propagation != w {
			t.Errorf("%q: propagation %#x, want %#x", name, o.Propagation, w)
		}
		if o.Flags != unix.MS_BIND {
			t.Errorf("%q: flags %#x, want MS_BIND only", name, o.Flags)
		}
	}
}

func TestMountOptionsParse(t *testing.T) {
	tests := []struct {
		in      string
		want    mountOptions
		wantErr string
	}{
		{in: "", want: mountOptions{}},
		{in: "defaults", want: mountOptions{}},
		{in: "ro,bind", want: mountOptions{Flags: unix.MS_RDONLY | unix.MS_BIND}},
		{in: "ro,rw", want: mountOptions{Clear: unix.MS_RDONLY}},
		{in: "rw,ro", want: mountOptions{Flags: unix.MS_RDONLY}},
		{in: "size=10m,mode=755,nosuid", want: mountOptions{Flags: unix.MS_NOSUID, Data: []string{"size=10m", "mode=755"}}},
		{in: "bind,optional,create=dir", want: mountOptions{Flags: unix.MS_BIND, Optional: true, Create: "dir"}},
		{in: "bind,create=file,relative", want: mountOptions{Flags: unix.MS_BIND, Create: "file", Relative: true}},
		{in: "rbind,rslave", want: mountOptions{Flags: unix.MS_BIND | unix.MS_REC, Propagation: unix.MS_SLAVE | unix.MS_REC}},
		{in: "create=sock", wantErr: "create= must be dir or file"},
		{in: "bind,idmap=container", wantErr: "idmapped mount entries are not supported"},
	}
	for _, tt := range tests {
		got, err := parseMountOptions(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func TestMountEntryParse(t *testing.T) {
	tests := []struct {
		line                string
		src, dst, typ, opts string
		wantErr             string
		data                string
	}{
		{line: "/src /dst none bind 0 0", src: "/src", dst: "/dst", typ: "none", opts: "bind"},
		{line: "proc proc proc nodev,noexec,nosuid 0 0", src: "proc", dst: "proc", typ: "proc", opts: "nodev,noexec,nosuid"},
		{line: "tmpfs dev/shm tmpfs size=1m", src: "tmpfs", dst: "dev/shm", typ: "tmpfs", opts: "size=1m", data: "size=1m"},
		{line: "  /a\\040b\tmnt/x\\040y none bind 0 0", src: "/a b", dst: "mnt/x y", typ: "none", opts: "bind"},
		{line: "/a\\134b /c none bind", src: "/a\\b", dst: "/c", typ: "none", opts: "bind"},
		{line: "/src /dst none", wantErr: "got 3 fields"},
		{line: "/src /dst none bind 0 0 extra", wantErr: "got 7 fields"},
		{line: "/src /dst none bind x 0", wantErr: "not a number"},
		{line: "/src /dst none create=pipe 0 0", wantErr: "create= must be dir or file"},
	}
	for _, tt := range tests {
		e, err := parseMountEntry(tt.line)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err %v, want %q", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if e.Source != tt.src || e.Target != tt.dst || e.FSType != tt.typ || e.Options != tt.opts {
			t.Errorf("%q: got %q %q %q %q", tt.line, e.Source, e.Target, e.FSType, e.Options)
		}
		if e.Opts.DataString() != tt.data {
			t.Errorf("%q: data %q, want %q", tt.line, e.Opts.DataString(), tt.data)
		}
	}
}

func TestMountAutoTokens(t *testing.T) {
	tests := []struct {
		in      []string
		want    autoMounts
		wantErr bool
	}{
		{in: nil, want: autoMounts{}},
		{in: []string{"proc"}, want: autoMounts{Proc: "mixed"}},
		{in: []string{"proc:mixed"}, want: autoMounts{Proc: "mixed"}},
		{in: []string{"proc:rw"}, want: autoMounts{Proc: "rw"}},
		{in: []string{"sys"}, want: autoMounts{Sys: "mixed"}},
		{in: []string{"sys:mixed"}, want: autoMounts{Sys: "mixed"}},
		{in: []string{"sys:ro"}, want: autoMounts{Sys: "ro"}},
		{in: []string{"sys:rw"}, want: autoMounts{Sys: "rw"}},
		{in: []string{"proc:rw", "proc:mixed"}, want: autoMounts{Proc: "mixed"}},
		{in: []string{"cgroup:mixed", "proc:mixed", "sys:ro"}, want: autoMounts{Proc: "mixed", Sys: "ro", Cgroup: "cgroup:mixed"}},
		{in: []string{"cgroup"}, want: autoMounts{Cgroup: "cgroup"}},
		{in: []string{"cgroup:ro:force"}, want: autoMounts{Cgroup: "cgroup:ro:force"}},
		{in: []string{"cgroup-full:rw"}, want: autoMounts{Cgroup: "cgroup-full:rw"}},
		{in: []string{"cgroup2:ro:force"}, want: autoMounts{Cgroup: "cgroup2:ro:force"}},
		{in: []string{"shmounts:/host/path:/ct"}, want: autoMounts{}},
		{in: []string{"cgroup2:mixed"}, wantErr: true},
		{in: []string{"proc:ro"}, wantErr: true},
		{in: []string{"sys:bogus"}, wantErr: true},
		{in: []string{"bogus"}, wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseMountAuto(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%q: no error", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestMountAttrFor(t *testing.T) {
	tests := []struct {
		opts string
		want unix.MountAttr
	}{
		{"bind", unix.MountAttr{}},
		{"bind,ro", unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}},
		{"bind,rw", unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY}},
		{"bind,ro,nosuid,nodev,noexec", unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC}},
		{"bind,suid,dev,exec", unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC}},
		{"bind,noatime", unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOATIME, Attr_clr: unix.MOUNT_ATTR__ATIME}},
		{"bind,strictatime", unix.MountAttr{Attr_set: unix.MOUNT_ATTR_STRICTATIME, Attr_clr: unix.MOUNT_ATTR__ATIME}},
		{"bind,relatime", unix.MountAttr{Attr_clr: unix.MOUNT_ATTR__ATIME}},
		{"bind,nodiratime,nosymfollow", unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW}},
		{"bind,sync,dirsync,lazytime", unix.MountAttr{}},
	}
	for _, tt := range tests {
		o, err := parseMountOptions(tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := mountAttrFor(o.Flags, o.Clear); got != tt.want {
			t.Errorf("%q: got %+v, want %+v", tt.opts, got, tt.want)
		}
	}
}
