package core

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRing(t *testing.T) {
	for _, tc := range []struct {
		size   int
		writes []string
		want   string
	}{
		{8, nil, ""},
		{8, []string{"abc"}, "abc"},
		{8, []string{"abcdefgh"}, "abcdefgh"},
		{8, []string{"abcdef", "ghij"}, "cdefghij"},
		{8, []string{"0123456789abc"}, "56789abc"},
		{4, []string{"ab", "cd", "ef"}, "cdef"},
		{4, []string{"a", "b", "c", "d", "e"}, "bcde"},
		{8, []string{"abcdefg", "h"}, "abcdefgh"},
		{8, []string{"abcdefg", "h", "i"}, "bcdefghi"},
		{8, []string{"abc", "defgh", "ijklmnopqr"}, "klmnopqr"},
		{8, []string{"abc", "defghijk", "l"}, "efghijkl"},
	} {
		r := newRing(tc.size)
		for _, w := range tc.writes {
			_, _ = r.Write([]byte(w))
		}
		if got := string(r.Bytes()); got != tc.want {
			t.Errorf("ring(%d) %q: got %q, want %q", tc.size, tc.writes, got, tc.want)
		}
	}
}

// The ring holds what was written, not its maximum: an idle container's
// console must not cost its monitor the whole ring.
func TestRingGrowsOnDemand(t *testing.T) {
	r := newRing(128 << 10)
	_, _ = r.Write([]byte("login: "))
	if c := cap(r.buf); c > 4096 {
		t.Fatalf("ring of 128 KiB holds %d bytes after a 7-byte write", c)
	}
	big := bytes.Repeat([]byte("x"), 200<<10)
	_, _ = r.Write(big)
	if got := len(r.Bytes()); got != 128<<10 {
		t.Fatalf("full ring returns %d bytes", got)
	}
}

func TestConsoleLogSize(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		p := filepath.Join(t.TempDir(), "console.log")
		l, err := openConsoleLog(p, 10, rotate)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"12345", "67890", "abcde"} {
			_, _ = l.Write([]byte(w))
		}
		l.Close()
		b, _ := os.ReadFile(p)
		if string(b) != "abcde" {
			t.Errorf("rotate=%v: log %q, want %q", rotate, b, "abcde")
		}
		old, err := os.ReadFile(p + ".1")
		if rotate && string(old) != "1234567890" {
			t.Errorf("rotated file %q (%v)", old, err)
		}
		if !rotate && err == nil {
			t.Errorf("no rotation expected, found %q", old)
		}
	}
	// A chunk larger than the limit keeps its tail.
	p := filepath.Join(t.TempDir(), "big.log")
	l, _ := openConsoleLog(p, 4, false)
	_, _ = l.Write([]byte("0123456789"))
	l.Close()
	if b, _ := os.ReadFile(p); string(b) != "6789" {
		t.Errorf("big chunk: %q", b)
	}
}

func TestProxyInputEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", "abc"},
		{"ab\x01qcd", "ab"},
		{"\x01\x01x\x01q", "\x01x"},
		{"\x01zq", "zq"},
	} {
		var out bytes.Buffer
		proxyInput(strings.NewReader(tc.in), &out, 1)
		if out.String() != tc.want {
			t.Errorf("%q: sent %q, want %q", tc.in, out.String(), tc.want)
		}
	}
}

func TestParseEscape(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want byte
		ok   bool
	}{
		{"a", 1, true}, {"^a", 1, true}, {"b", 2, true}, {"^b", 2, true}, {"B", 2, true},
		{"", 0, false}, {"^", 0, false}, {"ab", 0, false}, {"1", 0, false},
	} {
		got, err := ParseEscape(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseEscape(%q) = %d, %v", tc.in, got, err)
		}
	}
}
