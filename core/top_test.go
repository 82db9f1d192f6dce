package core

import (
	"strings"
	"testing"
	"time"
)

func TestTopHumanize(t *testing.T) {
	for _, tc := range []struct {
		in   uint64
		want string
	}{
		{0, "  0.00   "},
		{1024, "1024.00   "},
		{1025, "1.00 KiB"},
		{552 * 1024, "552.00 KiB"},
		{3 << 20, "3.00 MiB"},
		{5<<30 + 1<<29, "5.49 GiB"}, // LXC truncates the GiB fraction
	} {
		if got := topHumanize(tc.in); got != tc.want {
			t.Errorf("topHumanize(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTopBatchLine(t *testing.T) {
	now := time.UnixMilli(1795944406830)
	s := TopStats{Name: "c1", CPUNanos: 9255340, CPUSys: 1, CPUUser: 2, BlkTotal: 3, BlkIOPS: 4,
		MemUsed: 1142784, MemSwUsed: 1142785, KMemUsed: 733184}
	want := "1795944406830,c1,9255340,1,2,3,4,1142784,1142785,733184"
	if got := TopBatchLine(now, s); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := strings.Count(TopBatchHeader, ","); n != 9 {
		t.Errorf("header has %d commas", n)
	}
}

// TestTopScreen checks the table against what LXC 5.0.2's lxc-top printed
// on this kind of host (columns, reverse-video header, TOTAL line without
// a newline, MemSw/KMem only when non-zero).
func TestTopScreen(t *testing.T) {
	rows := []TopStats{{Name: "fo1", CPUNanos: 9255340, MemUsed: 680 * 1024, MemSwUsed: 680 * 1024, KMemUsed: 344 * 1024}}
	got := TopScreen(rows, 22)
	want := "\033[H\033[J\033[7m\033[1m" +
		"Container                   CPU          CPU          CPU                                BlkIO        Mem      MemSw       KMem\n" +
		"Name                       Used          Sys         User                    Total(Read/Write)       Used       Used       Used\n" +
		"\033[0m" +
		"fo1                        0.01         0.00         0.00         0.00   (  0.00   /  0.00   ) 680.00 KiB 680.00 KiB 344.00 KiB\n" +
		"TOTAL 1 of 1               0.01         0.00         0.00         0.00   (  0.00   /  0.00   ) 680.00 KiB 680.00 KiB 344.00 KiB"
	if got != want {
		t.Errorf("screen:\n%q\nwant\n%q", got, want)
	}
	// No swap or kernel memory: those columns disappear; rows are capped.
	rows = []TopStats{{Name: "averyveryverylongname-x"}, {Name: "b"}}
	got = TopScreen(rows, 1)
	if strings.Contains(got, "MemSw") || strings.Contains(got, "KMem") {
		t.Errorf("unexpected columns: %q", got)
	}
	if !strings.Contains(got, "\033[0maveryveryverylongn ") || strings.Contains(got, "\nb ") || !strings.Contains(got, "TOTAL 1 of 2") {
		t.Errorf("rows: %q", got)
	}
}

func TestSortTop(t *testing.T) {
	mk := func() []TopStats {
		return []TopStats{{Name: "b", CPUNanos: 5, MemUsed: 1}, {Name: "a", CPUNanos: 1, MemUsed: 9}, {Name: "c", CPUNanos: 5, MemUsed: 5}}
	}
	names := func(r []TopStats) string {
		var s []string
		for _, x := range r {
			s = append(s, x.Name)
		}
		return strings.Join(s, "")
	}
	for _, tc := range []struct {
		by      byte
		reverse bool
		want    string
	}{
		{'n', false, "abc"}, {'n', true, "cba"},
		{'c', false, "bca"}, {'c', true, "acb"},
		{'m', false, "acb"}, {'m', true, "bca"},
	} {
		r := mk()
		SortTop(r, tc.by, tc.reverse)
		if got := names(r); got != tc.want {
			t.Errorf("sort %c reverse=%v: %s, want %s", tc.by, tc.reverse, got, tc.want)
		}
	}
}
