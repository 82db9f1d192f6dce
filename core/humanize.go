package core

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// SizeHumanize formats a byte count exactly as lxc-info's size_humanize
// (src/lxc/tools/lxc_info.c), including its 32-bit arithmetic and its
// rounding: "972.00 KiB", "1.22 KiB", "586 bytes".
func SizeHumanize(val uint64) string {
	switch {
	case val > 1<<30:
		return fmt.Sprintf("%d.%02d GiB", uint32(val>>30), uint32(val&(1<<30-1))/10737419)
	case val > 1<<20:
		x := uint32(val + 5243)
		return fmt.Sprintf("%d.%02d MiB", x>>20, ((x&(1<<20-1))*100)>>20)
	case val > 1<<10:
		x := uint32(val + 5)
		return fmt.Sprintf("%d.%02d KiB", x>>10, ((x&(1<<10-1))*100)>>10)
	default:
		return fmt.Sprintf("%d bytes", uint32(val))
	}
}

// TerminalWidth returns the column count of the terminal on stdout,
// stderr or stdin (the first that is a terminal), or 0 when none is, as
// lxc-ls's ls_get_term_width does.
func TerminalWidth() int {
	for _, fd := range []int{1, 2, 0} {
		ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		if err == nil {
			return int(ws.Col)
		}
	}
	return 0
}

// IsTerminal reports whether fd is a terminal.
func IsTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
