package core

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// LsOptions selects what lxc-ls lists (src/lxc/tools/lxc_ls.c).
type LsOptions struct {
	// Filter is an unanchored POSIX ERE on names; FilterSet tells whether
	// one was given (an invalid expression then matches nothing).
	Filter    string
	FilterSet bool
	Active    bool
	Running   bool
	Frozen    bool
	Stopped   bool
	Defined   bool
	// Groups: a container must be in all of them (nil: no -g given).
	Groups []string
	// Nesting is the depth of nested containers to list (0 = none).
	Nesting int
	// Fancy gathers what the -f table needs (state, autostart, runtime
	// details); without it only names are collected.
	Fancy bool
	// Line: -1 (nested names are prefixed with their parents unless
	// Fancy).
	Line bool
}

// LsEntry is one container as lxc-ls shows it. Empty strings are shown
// as "-".
type LsEntry struct {
	Name         string
	NestLevel    int
	State        string
	Running      bool
	Autostart    bool
	Unprivileged bool
	InitPID      int // -1 when unknown
	RAM, Swap    float64
	Groups       string // joined with ", "
	Interface    string
	IPv4, IPv6   string
}

// LsEntries collects the containers lxc-ls shows, in its order: names in
// strcmp order, each followed by its nested containers. Containers whose
// config cannot be loaded are skipped with "Failed to load config for
// NAME" on warn, as LXC's lxc_container_new reports them.
func (s *Store) LsEntries(o LsOptions, warn io.Writer) ([]LsEntry, error) {
	var re *regexp.Regexp
	if o.FilterSet {
		re, _ = regexp.CompilePOSIX(o.Filter)
	}
	var out []LsEntry
	err := s.lsLevel(&out, o, re, "", 0, warn)
	return out, err
}

func (s *Store) lsLevel(out *[]LsEntry, o LsOptions, re *regexp.Regexp, parent string, lvl int, warn io.Writer) error {
	if lvl > o.Nesting {
		return nil
	}
	all, err := s.listCandidates()
	if err != nil {
		return err
	}
	names := all[:0]
	for _, name := range all {
		if o.FilterSet && (re == nil || !re.MatchString(name)) {
			continue
		}
		names = append(names, name)
	}
	// The state is asked only when something depends on it: a plain
	// listing needs just the configs.
	needState := o.Fancy || o.Active || o.Frozen || o.Running || o.Stopped || o.Nesting > 0
	probes := s.lsProbe(names, o.Active || o.Frozen, needState)
	for i, name := range names {
		st, cfg, err := probes[i].st, probes[i].cfg, probes[i].err
		running := st.State != STOPPED
		// --active and --frozen enumerate only live containers, so
		// a stopped one is not even loaded.
		if (o.Active || o.Frozen) && !running {
			continue
		}
		if errors.Is(err, ErrNotFound) {
			continue // a directory without config is no container
		}
		if err != nil {
			fmt.Fprintf(warn, "Failed to load config for %s\n", name)
			continue
		}
		if o.Running && !running {
			continue
		}
		if o.Frozen && !o.Active && st.State != FROZEN {
			continue
		}
		if o.Stopped && st.State != STOPPED {
			continue
		}
		if !hasAllGroups(cfg.Groups, o.Groups) {
			continue
		}
		e := LsEntry{Name: name, NestLevel: lvl, InitPID: -1, Running: running, Groups: strings.Join(cfg.Groups, ", ")}
		if parent != "" && o.Nesting > 0 && (o.Line || !o.Fancy) {
			e.Name = parent + "/" + name
		}
		if o.Fancy {
			e.State = st.State.String()
			e.Autostart = cfg.StartAuto == 1
			e.Unprivileged = len(cfg.IDMap) > 0
			if running {
				e.InitPID = st.InitPID
				if e.InitPID <= 0 {
					e.InitPID = -1
				} else if ri, err := s.RuntimeInfo(name); err == nil && ri != nil {
					e.Interface = strings.Join(ri.Interfaces, ", ")
					e.IPv4 = strings.Join(ri.IPv4, ", ")
					e.IPv6 = strings.Join(ri.IPv6, ", ")
					if ri.Mem.OK {
						e.RAM = float64(ri.Mem.Value) / 1024 / 1024
					}
					if ri.MemSwap.OK {
						e.Swap = float64(ri.MemSwap.Value / 1024 / 1024)
					}
				}
			}
		}
		*out = append(*out, e)
		// Nested containers of a stopped container live in its rootfs
		// under the same lxcpath; running ones would need attach, which
		// lxc-ls does and we do not (yet).
		if o.Nesting > 0 && !running {
			r := strings.TrimPrefix(cfg.RootfsPath, "dir:")
			if r == "" || strings.Contains(r, ":") {
				continue
			}
			inner := &Store{Path: filepath.Join(r, s.Path)}
			if err := inner.lsLevel(out, o, re, e.Name, lvl+1, warn); err != nil {
				return err
			}
		}
	}
	return nil
}

// lsProbe is what lxc-ls learns about one container before filtering.
type lsProbe struct {
	st  Status
	cfg *Config
	err error
}

// lsProbe loads the configs and asks the states of names. Both are
// independent per container and dominated by syscalls, so a few workers
// (one per CPU, not one per container) share the list.
func (s *Store) lsProbe(names []string, liveOnly, needState bool) []lsProbe {
	out := make([]lsProbe, len(names))
	probe := func(i int) {
		p := &out[i]
		if needState {
			p.st = s.Status(names[i])
		}
		if liveOnly && p.st.State == STOPPED {
			return
		}
		p.cfg, p.err = s.LoadConfig(names[i])
	}
	workers := runtime.GOMAXPROCS(0)
	if workers > 8 {
		workers = 8
	}
	if len(names) < 32 || workers < 2 {
		for i := range names {
			probe(i)
		}
		return out
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				probe(i)
			}
		}()
	}
	wg.Wait()
	return out
}

// hasAllGroups is lxc-ls's ls_has_all_grps: every group of must is one of
// has. A nil must (no -g) accepts everything; a given but empty -g still
// rejects containers without groups, as LXC does.
func hasAllGroups(has, must []string) bool {
	if must == nil {
		return true
	}
	if len(has) == 0 {
		return false
	}
	for _, m := range must {
		found := false
		for _, h := range has {
			if strings.TrimSpace(h) == m {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
