package core

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseUsernsexecMap(t *testing.T) {
	tests := []struct {
		in      string
		want    []IDMap
		wantErr bool
	}{
		{in: "u:0:100000:65536", want: []IDMap{{Kind: 'u', NSID: 0, HostID: 100000, Range: 65536}}},
		{in: "g:1:2:3", want: []IDMap{{Kind: 'g', NSID: 1, HostID: 2, Range: 3}}},
		{in: "b:0:1000:1", want: []IDMap{{Kind: 'u', NSID: 0, HostID: 1000, Range: 1}, {Kind: 'g', NSID: 0, HostID: 1000, Range: 1}}},
		{in: "x:0:1:1", wantErr: true},
		{in: "u:0:1", wantErr: true},
		{in: "u:0:1:0", wantErr: true},
		{in: "u:-1:1:1", wantErr: true},
		{in: "u:a:1:1", wantErr: true},
		{in: "uu:0:1:1", wantErr: true},
		{in: "u:0:4294967296:1", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseUsernsexecMap(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: err = %v", tt.in, err)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestDefaultSubidMaps(t *testing.T) {
	dir := t.TempDir()
	old := subidFiles
	t.Cleanup(func() { subidFiles = old })
	subidFiles = [2]string{filepath.Join(dir, "subuid"), filepath.Join(dir, "subgid")}
	if _, err := DefaultSubidMaps(); err != ErrNoSubidAllocation {
		t.Fatalf("missing files: err = %v", err)
	}
	// Entries are matched on the user name from /etc/passwd.
	if os.Getuid() != 0 {
		t.Skip("the rest needs a known user name (root)")
	}
	const name = "root"
	os.WriteFile(subidFiles[0], []byte("other:1:2\n"+name+":100000:65536\n"+name+":300000:10\n"), 0o644)
	os.WriteFile(subidFiles[1], []byte(name+":200000:1000\n"), 0o644)
	got, err := DefaultSubidMaps()
	if err != nil {
		t.Fatal(err)
	}
	want := []IDMap{{Kind: 'u', NSID: 0, HostID: 100000, Range: 65536}, {Kind: 'g', NSID: 0, HostID: 200000, Range: 1000}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	os.WriteFile(subidFiles[1], []byte("other:200000:1000\n"), 0o644)
	if _, err := DefaultSubidMaps(); err == nil || !strings.Contains(err.Error(), "Failed to find subuid or subgid allocation") {
		t.Fatalf("no gid entry: err = %v", err)
	}
}

func TestMapSelf(t *testing.T) {
	in := []IDMap{{Kind: 'u', NSID: 0, HostID: 100000, Range: 65536}, {Kind: 'g', NSID: 0, HostID: 100000, Range: 65536}}
	got := MapSelf(in)
	want := append(in[:2:2],
		IDMap{Kind: 'g', NSID: 65536, HostID: int64(os.Getgid()), Range: 1},
		IDMap{Kind: 'u', NSID: 65536, HostID: int64(os.Getuid()), Range: 1})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
