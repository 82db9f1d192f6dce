package core

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// SharedNS is a namespace of another process that the container's init
// joins instead of getting a new one (lxc.namespace.share.NS,
// lxc-start --share-NS). The monitor resolves it before cloning the init
// (and leaves NS out of the clone flags, see cloneFlags); the init joins
// it first thing, while it still sees the host's /proc.
type SharedNS struct {
	NS  string `json:"ns"`  // "net", "ipc" or "uts"
	PID int    `json:"pid"` // process whose namespace is joined
	// Start is PID's start time (field 22 of /proc/PID/stat): the init
	// checks it after opening the namespace file, so that a pid reused
	// in between is detected instead of joined.
	Start uint64 `json:"start"`
	// Target is the value as the user wrote it, for error messages.
	Target string `json:"target"`
}

// joinable are the namespaces a Go process can join from its locked
// startup thread: they are per thread (setns of a mount, user or pid
// namespace needs a single-threaded caller or only affects children).
var joinable = map[string]int{"net": unix.CLONE_NEWNET, "ipc": unix.CLONE_NEWIPC, "uts": unix.CLONE_NEWUTS}

// ResolveShares turns the namespace shares of a start into the processes
// whose namespaces the init joins: lxc.namespace.share.* from the config,
// overridden per namespace by the --share-* options of lxc-start. A value
// is, as in lxc.container.conf(5), a pid, the name of a container in the
// same lxcpath, or the path of a container directory (LXCPATH/NAME) in
// another lxcpath. A container must be running. The result is sorted by
// namespace so that the join order is stable.
func ResolveShares(st *Store, cfg *Config, cli map[string]string) ([]SharedNS, error) {
	want := map[string]string{}
	if cfg != nil {
		for ns, v := range cfg.NamespaceShare {
			want[ns] = v
		}
	}
	for ns, v := range cli {
		want[ns] = v
	}
	var out []SharedNS
	for ns, target := range want {
		if target == "" {
			continue
		}
		if _, ok := joinable[ns]; !ok {
			return nil, fmt.Errorf("sharing the %s namespace (%q) is not supported: only net, ipc and uts", ns, target)
		}
		pid, err := sharePID(st, ns, target)
		if err != nil {
			return nil, err
		}
		start := procStartTime(pid)
		if start == 0 {
			return nil, fmt.Errorf("sharing the %s namespace of %q: process %d does not exist", ns, target, pid)
		}
		out = append(out, SharedNS{NS: ns, PID: pid, Start: start, Target: target})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NS < out[j].NS })
	return out, nil
}

// sharePID resolves one share target to a pid.
func sharePID(st *Store, ns, target string) (int, error) {
	if n, err := strconv.Atoi(target); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("sharing the %s namespace: invalid pid %q", ns, target)
		}
		return n, nil
	}
	store, name := st, target
	if strings.Contains(target, "/") {
		clean := filepath.Clean(target)
		store, name = &Store{Path: filepath.Dir(clean)}, filepath.Base(clean)
	}
	if err := ValidateName(name); err != nil {
		return 0, fmt.Errorf("sharing the %s namespace of %q: %w", ns, target, err)
	}
	s := statusOf(store, name)
	if s.State == STOPPED || s.InitPID <= 0 {
		return 0, fmt.Errorf("sharing the %s namespace of container %q: it is not running", ns, target)
	}
	return s.InitPID, nil
}

// joinShared is called by the container's init on its locked startup
// thread before any other setup: it opens every namespace first (the host
// /proc is still mounted), checks that each pid is still the process the
// monitor resolved, then joins them. net/ipc/uts membership is per thread
// and is inherited across execve by the command the init runs.
func joinShared(shares []SharedNS) error {
	type opened struct {
		s  SharedNS
		fd int
	}
	var fds []opened
	defer func() {
		for _, o := range fds {
			unix.Close(o.fd)
		}
	}()
	for _, s := range shares {
		flag, ok := joinable[s.NS]
		if !ok || flag == 0 {
			return fmt.Errorf("sharing the %s namespace is not supported", s.NS)
		}
		p := fmt.Sprintf("/proc/%d/ns/%s", s.PID, s.NS)
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("sharing the %s namespace of %q: %w", s.NS, s.Target, &os.PathError{Op: "open", Path: p, Err: err})
		}
		fds = append(fds, opened{s, fd})
		// The process is alive now with the expected start time, so it
		// was the same process when the file was opened.
		if procStartTime(s.PID) != s.Start {
			return fmt.Errorf("sharing the %s namespace of %q: process %d has exited", s.NS, s.Target, s.PID)
		}
	}
	for _, o := range fds {
		if err := unix.Setns(o.fd, joinable[o.s.NS]); err != nil {
			return fmt.Errorf("joining the %s namespace of %q (pid %d): %w", o.s.NS, o.s.Target, o.s.PID, err)
		}
	}
	return nil
}

// sharesNS reports whether ns is joined from another process: the init
// must then leave it as it is (e.g. no sethostname in a shared uts
// namespace).
func sharesNS(shares []SharedNS, ns string) bool {
	for _, s := range shares {
		if s.NS == ns {
			return true
		}
	}
	return false
}
