package core

import "testing"

func TestSizeHumanize(t *testing.T) {
	for _, tc := range []struct {
		in   uint64
		want string
	}{
		{0, "0 bytes"},
		{586, "586 bytes"},
		{1024, "1024 bytes"}, // "> 1<<10", not ">="
		{1025, "1.00 KiB"},
		{1249, "1.22 KiB"},
		{1833, "1.79 KiB"},
		{995328, "972.00 KiB"},
		{385024, "376.00 KiB"},
		{1 << 20, "1024.00 KiB"},
		{1<<20 + 1, "1.00 MiB"},
		{5 * 1 << 20, "5.00 MiB"},
		{1 << 30, "1024.00 MiB"},
		{1<<30 + 1, "1.00 GiB"},
		{3*(1<<30) + 1<<29, "3.49 GiB"}, // LXC truncates: 2^29/10737419 = 49
	} {
		if got := SizeHumanize(tc.in); got != tc.want {
			t.Errorf("SizeHumanize(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
