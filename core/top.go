package core

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// lxc-top (src/lxc/tools/lxc_top.c): a refreshing table of the running
// containers' cgroup counters, or with -b a CSV stream.

// TopBatchHeader is the first line of lxc-top -b, exactly as LXC prints it.
const TopBatchHeader = "time_ms,container,cpu_nanos,cpu_sys_userhz,cpu_user_userhz,blkio_bytes,blkio_iops,mem_used_bytes,memsw_used_bytes,kernel_mem_used_bytes"

// ErrNotTTY is returned by RunTop when the interactive mode is asked for
// but stdin is not a terminal; lxc-top then prints "stdin is not a tty"
// and "Failed to setup terminal" and exits 1, as LXC does.
var ErrNotTTY = errors.New("stdin is not a tty")

// TopStats are one container's counters as lxc-top shows them. Missing
// counters are 0, as in LXC.
type TopStats struct {
	Name     string
	CPUNanos uint64 // cpuacct.usage
	CPUSys   uint64 // USER_HZ ticks
	CPUUser  uint64
	// BlkTotal, BlkRead and BlkWrite are bytes; BlkIOPS operations.
	BlkTotal, BlkRead, BlkWrite, BlkIOPS uint64
	MemUsed, MemSwUsed, KMemUsed         uint64
}

// TopOptions are lxc-top's options.
type TopOptions struct {
	// Delay between refreshes; 0 means LXC's default: 3 s, or 300 s in
	// batch mode.
	Delay time.Duration
	// Batch prints CSV lines instead of a screen.
	Batch bool
	// Sort is one of n c b m s k (name, CPU, block I/O, memory, memory +
	// swap, kernel memory); Reverse flips the order.
	Sort    byte
	Reverse bool
}

// ValidTopSort reports whether b is a sort key lxc-top knows.
func ValidTopSort(b byte) bool { return strings.IndexByte("ncbmsk", b) >= 0 }

// TopSnapshot returns the counters of every running (or frozen) container
// of the store, by name.
func TopSnapshot(st *Store) ([]TopStats, error) {
	names, err := st.List()
	if err != nil {
		return nil, err
	}
	var out []TopStats
	for _, n := range names {
		if st.Status(n).State == STOPPED {
			continue
		}
		ri, err := st.RuntimeInfo(n)
		if err != nil {
			continue // stopped meanwhile
		}
		s := TopStats{
			Name: n, CPUNanos: ri.CPU.Value, CPUSys: ri.CPUSys.Value, CPUUser: ri.CPUUser.Value,
			BlkTotal: ri.BlkIO.Value, BlkIOPS: ri.BlkIOOps.Value,
			MemUsed: ri.Mem.Value, MemSwUsed: ri.MemSwap.Value, KMemUsed: ri.KMem.Value,
		}
		s.BlkRead, s.BlkWrite = topBlkSplit(st, n)
		out = append(out, s)
	}
	return out, nil
}

// topBlkSplit reads the read/write byte split of the interactive BlkIO
// column, which RuntimeInfo does not carry: v1 blkio.throttle.io_service_bytes
// ("MAJ:MIN Read N" lines), else v2 io.stat (rbytes=, wbytes=).
func topBlkSplit(st *Store, name string) (read, write uint64) {
	if v, err := CgroupGet(st, name, "blkio.throttle.io_service_bytes"); err == nil {
		for _, line := range strings.Split(v, "\n") {
			f := strings.Fields(line)
			if len(f) != 3 {
				continue
			}
			n, _ := strconv.ParseUint(f[2], 10, 64)
			switch f[1] {
			case "Read":
				read += n
			case "Write":
				write += n
			}
		}
		return read, write
	}
	if v, err := CgroupGet(st, name, "io.stat"); err == nil {
		for _, kv := range strings.Fields(v) {
			k, val, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseUint(val, 10, 64)
			switch k {
			case "rbytes":
				read += n
			case "wbytes":
				write += n
			}
		}
	}
	return read, write
}

// SortTop orders rows as lxc-top does: by name ascending, or by the chosen
// counter descending (largest first); reverse flips either. Ties keep
// name order.
func SortTop(rows []TopStats, by byte, reverse bool) {
	key := func(s *TopStats) uint64 {
		switch by {
		case 'c':
			return s.CPUNanos
		case 'b':
			return s.BlkTotal
		case 'm':
			return s.MemUsed
		case 's':
			return s.MemSwUsed
		case 'k':
			return s.KMemUsed
		}
		return 0
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if by == 'n' || by == 0 || key(a) == key(b) {
			if reverse {
				return a.Name > b.Name
			}
			return a.Name < b.Name
		}
		if reverse {
			return key(a) < key(b)
		}
		return key(a) > key(b)
	})
}

// topTotal sums the rows into the TOTAL line's counters.
func topTotal(rows []TopStats) TopStats {
	var t TopStats
	for _, r := range rows {
		t.CPUNanos += r.CPUNanos
		t.CPUSys += r.CPUSys
		t.CPUUser += r.CPUUser
		t.BlkTotal += r.BlkTotal
		t.BlkRead += r.BlkRead
		t.BlkWrite += r.BlkWrite
		t.BlkIOPS += r.BlkIOPS
		t.MemUsed += r.MemUsed
		t.MemSwUsed += r.MemSwUsed
		t.KMemUsed += r.KMemUsed
	}
	return t
}

// TopBatchLine is one CSV line of lxc-top -b (without the newline).
func TopBatchLine(now time.Time, s TopStats) string {
	return fmt.Sprintf("%d,%s,%d,%d,%d,%d,%d,%d,%d,%d", now.UnixMilli(), s.Name, s.CPUNanos, s.CPUSys,
		s.CPUUser, s.BlkTotal, s.BlkIOPS, s.MemUsed, s.MemSwUsed, s.KMemUsed)
}

// topHumanize is lxc-top's own size_humanize: like lxc-info's but small
// values print as "%3u.00   " instead of "N bytes".
func topHumanize(val uint64) string {
	if val > 1<<10 {
		return SizeHumanize(val)
	}
	return fmt.Sprintf("%3d.00   ", uint32(val))
}

// Terminal escapes lxc-top uses.
const (
	termClear = "\033[H\033[J"
	termNorm  = "\033[0m"
	termBold  = "\033[1m"
	termRvrs  = "\033[7m"
)

// topRow formats one line of the interactive table; total decides
// whether the MemSw and KMem columns exist (LXC shows them only when the
// total is non-zero).
func topRow(name string, s, total TopStats) string {
	// LXC computes the CPU columns in float, then prints with %.2f.
	cpu := float32(s.CPUNanos) / 1e9
	sys := float32(s.CPUSys) / 100
	usr := float32(s.CPUUser) / 100
	io := topHumanize(s.BlkTotal) + "(" + topHumanize(s.BlkRead) + "/" + topHumanize(s.BlkWrite) + ")"
	if len(name) > 18 {
		name = name[:18]
	}
	line := fmt.Sprintf("%-18s %12.2f %12.2f %12.2f %36s %10s", name, cpu, sys, usr, io, topHumanize(s.MemUsed))
	if total.MemSwUsed > 0 {
		line += fmt.Sprintf(" %10s", topHumanize(s.MemSwUsed))
	}
	if total.KMemUsed > 0 {
		line += fmt.Sprintf(" %10s", topHumanize(s.KMemUsed))
	}
	return line
}

// TopScreen renders one refresh of the interactive table: clear, the
// two-line reverse-video header, at most maxRows container rows and the
// "TOTAL n of m" line (no newline after it, as LXC).
func TopScreen(rows []TopStats, maxRows int) string {
	total := topTotal(rows)
	var b strings.Builder
	b.WriteString(termClear + termRvrs + termBold)
	h1 := fmt.Sprintf("%-18s %12s %12s %12s %36s %10s", "Container", "CPU", "CPU", "CPU", "BlkIO", "Mem")
	h2 := fmt.Sprintf("%-18s %12s %12s %12s %36s %10s", "Name", "Used", "Sys", "User", "Total(Read/Write)", "Used")
	if total.MemSwUsed > 0 {
		h1 += fmt.Sprintf(" %10s", "MemSw")
		h2 += fmt.Sprintf(" %10s", "Used")
	}
	if total.KMemUsed > 0 {
		h1 += fmt.Sprintf(" %10s", "KMem")
		h2 += fmt.Sprintf(" %10s", "Used")
	}
	b.WriteString(h1 + "\n" + h2 + "\n" + termNorm)
	n := 0
	for ; n < len(rows) && n < maxRows; n++ {
		b.WriteString(topRow(rows[n].Name, rows[n], total) + "\n")
	}
	b.WriteString(topRow(fmt.Sprintf("TOTAL %d of %d", n, len(rows)), total, total))
	return b.String()
}

// RunTop runs lxc-top until q is pressed, stdin closes or SIGINT/SIGQUIT
// arrives (interactive), or forever (batch, like LXC's; stop it with a
// signal). Interactive mode needs a terminal on stdin (ErrNotTTY); batch
// mode does not, unlike LXC 5.0, whose -b also insisted on one and so
// could not be used from scripts or cron.
func RunTop(st *Store, o TopOptions, stdin *os.File, stdout io.Writer) error {
	if o.Sort == 0 {
		o.Sort = 'n'
	}
	if o.Batch {
		delay := o.Delay
		if delay <= 0 {
			delay = 300 * time.Second
		}
		if _, err := fmt.Fprintln(stdout, TopBatchHeader); err != nil {
			return err
		}
		for {
			rows, err := TopSnapshot(st)
			if err != nil {
				return err
			}
			SortTop(rows, o.Sort, o.Reverse)
			now := time.Now()
			var b strings.Builder
			for _, r := range rows {
				b.WriteString(TopBatchLine(now, r) + "\n")
			}
			if _, err := io.WriteString(stdout, b.String()); err != nil {
				return err
			}
			time.Sleep(delay)
		}
	}

	fd := int(stdin.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return ErrNotTTY
	}
	// Key presses arrive one by one, unechoed.
	raw := *old
	raw.Lflag &^= unix.ECHO | unix.ICANON
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETSF, &raw); err != nil {
		return fmt.Errorf("failed to set new terminal settings: %w", err)
	}
	defer func() {
		_ = unix.IoctlSetTermios(fd, unix.TCSETSF, old)
		fmt.Fprint(os.Stderr, "\n")
	}()
	rowsOnScreen := 25
	if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil && ws.Row > 0 {
		rowsOnScreen = int(ws.Row)
	}
	delay := o.Delay
	if delay <= 0 {
		delay = 3 * time.Second
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT)
	defer signal.Stop(sigs)
	keys := make(chan byte, 16)
	go func() {
		buf := make([]byte, 1)
		for {
			n, err := stdin.Read(buf)
			if n == 1 {
				keys <- buf[0]
			}
			if err != nil {
				close(keys)
				return
			}
		}
	}()
	sortBy, reverse := o.Sort, o.Reverse
	for {
		rows, err := TopSnapshot(st)
		if err != nil {
			return err
		}
		SortTop(rows, sortBy, reverse)
		if _, err := io.WriteString(stdout, TopScreen(rows, rowsOnScreen-3)); err != nil {
			return err
		}
		select {
		case <-sigs:
			return nil
		case k, ok := <-keys:
			if !ok || k == 'q' {
				return nil
			}
			switch {
			case k == 'r':
				reverse = !reverse
			case ValidTopSort(k):
				if sortBy == k {
					reverse = !reverse
				} else {
					reverse = false
				}
				sortBy = k
			}
		case <-time.After(delay):
		}
	}
}
