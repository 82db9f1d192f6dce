// Command benchtool is the small helper behind bench/run.sh: it merges
// hyperfine's JSON exports into medians and maxima, measures the memory of
// the processes that stay running per container, and prints the results
// table. It is not part of the product; `make bench` builds it into the
// benchmark's temporary directory.
//
// Usage:
//
//	benchtool hf FILE...           -> "lxc_median lxc_max ours_median ours_max" (ms)
//	benchtool mem LXCPATH NAME...  -> "count rss pss private memfd" (KiB per container)
//	benchtool table ROWS.tsv       -> markdown table on stdout
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool hf|mem|table ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "hf":
		err = hf(os.Args[2:])
	case "mem":
		err = mem(os.Args[2:])
	case "table":
		err = table(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

// hyperfineExport is the part of hyperfine's --export-json we read.
type hyperfineExport struct {
	Results []struct {
		Command string    `json:"command"`
		Times   []float64 `json:"times"`
	} `json:"results"`
}

// hf merges the runs of every export (the benchmark runs each pair in
// several rounds with the order swapped, so that neither implementation
// always runs second) and prints median and max per command name.
func hf(files []string) error {
	times := map[string][]float64{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var ex hyperfineExport
		if err := json.Unmarshal(b, &ex); err != nil {
			return fmt.Errorf("parsing %q: %w", f, err)
		}
		for _, r := range ex.Results {
			times[r.Command] = append(times[r.Command], r.Times...)
		}
	}
	var out []string
	for _, name := range []string{"lxc", "ours"} {
		t := times[name]
		if len(t) == 0 {
			out = append(out, "n/a", "n/a")
			continue
		}
		sort.Float64s(t)
		out = append(out, ms(median(t)), ms(t[len(t)-1]))
	}
	fmt.Println(strings.Join(out, " "))
	return nil
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func ms(sec float64) string { return strconv.FormatFloat(sec*1000, 'f', 2, 64) }

// mem finds the monitor of each named container (argv "[lxc monitor]
// LXCPATH NAME", the same title for LXC and for us) and, below it, every
// process that runs the monitor's own program (or a memfd copy of it):
// that is what stays running per container besides the container's own
// processes. It prints the count of containers found and the average
// RSS, PSS and private memory (Private_Clean + Private_Dirty) per
// container, in KiB, from /proc/PID/smaps_rollup, and the average size of
// the memfd files those processes hold open: a sealed copy of a binary
// kept in a memfd is shmem that smaps_rollup of a process holding only the
// fd does not show, yet it stays in memory as long as the fd is open.
func mem(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: mem LXCPATH NAME...")
	}
	lxcpath, names := args[0], args[1:]
	procs, err := allProcs()
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, n := range names {
		want["[lxc monitor] "+lxcpath+" "+n] = true
	}
	children := map[int][]int{}
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p.pid)
	}
	byPID := map[int]proc{}
	for _, p := range procs {
		byPID[p.pid] = p
	}
	var found int
	var rss, pss, priv int64
	memfds := map[uint64]int64{} // inode -> size in bytes
	for _, p := range procs {
		if !want[p.cmdline] {
			continue
		}
		found++
		// Walk the monitor's subtree, counting processes of its program.
		stack := []int{p.pid}
		for len(stack) > 0 {
			pid := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			q := byPID[pid]
			if pid == p.pid || q.exe == p.exe || strings.HasPrefix(q.exe, "/memfd:") {
				r, s, v, err := smapsRollup(pid)
				if err == nil {
					rss, pss, priv = rss+r, pss+s, priv+v
				}
				heldMemfds(pid, memfds)
			}
			stack = append(stack, children[pid]...)
		}
	}
	if found == 0 {
		return fmt.Errorf("no monitor found in %q", lxcpath)
	}
	var held int64
	for _, size := range memfds {
		held += size
	}
	n := int64(found)
	fmt.Printf("%d %d %d %d %d\n", found, rss/n, pss/n, priv/n, held/1024/n)
	return nil
}

// heldMemfds adds the memfds open in pid to m (by inode, so a memfd
// shared by several processes counts once).
func heldMemfds(pid int, m map[uint64]int64) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if l, err := os.Readlink(p); err != nil || !strings.HasPrefix(l, "/memfd:") {
			continue
		}
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err == nil {
			m[st.Ino] = st.Size
		}
	}
}

type proc struct {
	pid, ppid int
	exe       string
	cmdline   string
}

func allProcs() ([]proc, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		cl, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil {
			continue
		}
		st, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		// ppid is the second field after the parenthesised comm.
		i := bytes.LastIndexByte(st, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(st[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		exe, _ := os.Readlink(filepath.Join(dir, "exe"))
		exe = strings.TrimSuffix(exe, " (deleted)")
		out = append(out, proc{pid: pid, ppid: ppid, exe: exe,
			cmdline: strings.TrimRight(strings.ReplaceAll(string(cl), "\x00", " "), " ")})
	}
	return out, nil
}

func smapsRollup(pid int) (rss, pss, priv int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(fs[1], 10, 64)
		switch fs[0] {
		case "Rss:":
			rss = v
		case "Pss:":
			pss = v
		case "Private_Clean:", "Private_Dirty:":
			priv += v
		}
	}
	return rss, pss, priv, sc.Err()
}

// table reads rows "metric<TAB>lxc<TAB>ours<TAB>unit" and prints the
// markdown table with the ratio ours/LXC (lower is better for every
// metric).
func table(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: table ROWS.tsv")
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	fmt.Println("| metric | LXC median | ours median | ratio ours/LXC |")
	fmt.Println("|---|---:|---:|---:|")
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 4 {
			continue
		}
		metric, a, o, unit := f[0], f[1], f[2], f[3]
		ratio := "n/a"
		av, aerr := strconv.ParseFloat(a, 64)
		ov, oerr := strconv.ParseFloat(o, 64)
		if aerr == nil && oerr == nil && av > 0 {
			ratio = strconv.FormatFloat(ov/av, 'f', 2, 64) + "×"
		}
		fmt.Printf("| %s | %s | %s | %s |\n", metric, withUnit(a, unit), withUnit(o, unit), ratio)
	}
	return nil
}

func withUnit(v, unit string) string {
	if _, err := strconv.ParseFloat(v, 64); err != nil || unit == "" {
		return v
	}
	return v + " " + unit
}
