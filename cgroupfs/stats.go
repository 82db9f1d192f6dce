package cgroupfs

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stat is one counter and whether its cgroup file could be read (lxc-info
// prints only readable ones).
type Stat struct {
	Value uint64
	OK    bool
}

// Stats are the payload counters lxc-info, lxc-top and lxc-ls show.
type Stats struct {
	// CPUNanos is CPU time used in nanoseconds (v1 cpuacct.usage, v2
	// cpu.stat usage_usec*1000).
	CPUNanos Stat
	// CPUUser and CPUSystem are in USER_HZ ticks (1/100 s), as lxc-top's
	// cpu_user_userhz/cpu_sys_userhz (v1 cpuacct.stat, v2 cpu.stat
	// user_usec/system_usec converted).
	CPUUser, CPUSystem Stat
	// BlkioBytes and BlkioIOPS are bytes and operations done (v1 "Total"
	// line of blkio.throttle.io_service_bytes/io_serviced, v2 io.stat
	// rbytes+wbytes and rios+wios summed over devices).
	BlkioBytes, BlkioIOPS Stat
	// Memory is memory.usage_in_bytes (v1) or memory.current (v2).
	Memory Stat
	// MemSwap is memory.memsw.usage_in_bytes (v1) or memory.current +
	// memory.swap.current (v2).
	MemSwap Stat
	// KMem is memory.kmem.usage_in_bytes (v1) or memory.stat "kernel"
	// (v2, Linux 5.18) or kernel_stack+slab.
	KMem Stat
}

type v1Source struct{ ctrl, dir string }

type statSources struct {
	v1 []v1Source
	v2 string
}

func (s statSources) v1dir(ctrl string) string {
	for _, x := range s.v1 {
		if x.ctrl == ctrl {
			return x.dir
		}
	}
	return ""
}

func readIn(dir, file string) (string, bool) {
	if dir == "" {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return "", false
	}
	return string(b), true
}

func readUint(dir, file string) Stat {
	s, ok := readIn(dir, file)
	if !ok {
		return Stat{}
	}
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return Stat{}
	}
	return Stat{v, true}
}

// userHZ is the unit of cpuacct.stat; the kernel's USER_HZ is 100 on every
// architecture Linux exports to user space.
const userHZ = 100

func (s statSources) read() Stats {
	var st Stats
	if d := s.v1dir("cpuacct"); d != "" {
		st.CPUNanos = readUint(d, "cpuacct.usage")
		if txt, ok := readIn(d, "cpuacct.stat"); ok {
			m := flatKeyedUint(txt)
			st.CPUUser = m.stat("user")
			st.CPUSystem = m.stat("system")
		}
	} else if txt, ok := readIn(s.v2, "cpu.stat"); ok {
		m := flatKeyedUint(txt)
		if v, ok := m["usage_usec"]; ok {
			st.CPUNanos = Stat{v * 1000, true}
		}
		if v, ok := m["user_usec"]; ok {
			st.CPUUser = Stat{v / (1e6 / userHZ), true}
		}
		if v, ok := m["system_usec"]; ok {
			st.CPUSystem = Stat{v / (1e6 / userHZ), true}
		}
	}
	if d := s.v1dir("blkio"); d != "" {
		if txt, ok := readIn(d, "blkio.throttle.io_service_bytes"); ok {
			st.BlkioBytes = blkioTotal(txt)
		}
		if txt, ok := readIn(d, "blkio.throttle.io_serviced"); ok {
			st.BlkioIOPS = blkioTotal(txt)
		}
	} else if txt, ok := readIn(s.v2, "io.stat"); ok {
		st.BlkioBytes, st.BlkioIOPS = ioStat(txt)
	}
	if d := s.v1dir("memory"); d != "" {
		st.Memory = readUint(d, "memory.usage_in_bytes")
		st.MemSwap = readUint(d, "memory.memsw.usage_in_bytes")
		st.KMem = readUint(d, "memory.kmem.usage_in_bytes")
	} else if s.v2 != "" {
		st.Memory = readUint(s.v2, "memory.current")
		if sw := readUint(s.v2, "memory.swap.current"); sw.OK && st.Memory.OK {
			st.MemSwap = Stat{st.Memory.Value + sw.Value, true}
		}
		if txt, ok := readIn(s.v2, "memory.stat"); ok {
			m := flatKeyedUint(txt)
			if v, ok := m["kernel"]; ok {
				st.KMem = Stat{v, true}
			} else if ks, ok := m["kernel_stack"]; ok {
				if sl, ok := m["slab"]; ok {
					st.KMem = Stat{ks + sl, true}
				}
			}
		}
	}
	return st
}

// flatKeyed parses "key value" lines (cgroup.events, cpu.stat, ...).
func flatKeyed(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			m[f[0]] = f[1]
		}
	}
	return m
}

type uintMap map[string]uint64

func (m uintMap) stat(k string) Stat {
	v, ok := m[k]
	return Stat{v, ok}
}

func flatKeyedUint(s string) uintMap {
	m := uintMap{}
	for k, v := range flatKeyed(s) {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			m[k] = n
		}
	}
	return m
}

// blkioTotal reads the final "Total N" line of a v1 blkio.throttle file;
// without one (no device lines at all on some kernels) it sums the
// per-device "MAJ:MIN Total N" lines, and an empty file counts as 0.
func blkioTotal(s string) Stat {
	var sum uint64
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "Total" {
			if v, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				return Stat{v, true}
			}
		}
		if len(f) == 3 && f[1] == "Total" {
			if v, err := strconv.ParseUint(f[2], 10, 64); err == nil {
				sum += v
			}
		}
	}
	return Stat{sum, true}
}

// ioStat sums a v2 io.stat ("MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=..").
func ioStat(s string) (bytes, ios Stat) {
	bytes.OK, ios.OK = true, true
	for _, line := range strings.Split(s, "\n") {
		for _, kv := range strings.Fields(line) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue
			}
			switch k {
			case "rbytes", "wbytes":
				bytes.Value += n
			case "rios", "wios":
				ios.Value += n
			}
		}
	}
	return bytes, ios
}
