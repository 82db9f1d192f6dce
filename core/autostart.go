package core

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// lxc-autostart (src/lxc/tools/lxc_autostart.c).
//
// Selection: every container of the lxcpath whose config loads and has
// lxc.start.auto = 1 (any value with IgnoreAuto), then, group by group in
// the order given, those in the group: the empty group "" is the NULL
// group, i.e. containers without lxc.group. Without groups only the NULL
// group is selected; All selects every container whatever its groups. A
// container is handled once, in the first group that selects it.
// Within a group containers are ordered by lxc.start.order, then name.
//
// Two LXC quirks are not reproduced (both make documented uses fail):
// LXC matches a container's group against the requested one as a prefix
// ("g" selects a container of group "g1"), and in a list like "a,,b" it
// takes every group after the empty one for a duplicate of it and drops
// it; here groups match exactly and "a,,b" means a, NULL group, b.

// AutostartAction is what lxc-autostart does to the selected containers.
type AutostartAction int

// Autostart actions.
const (
	AutoStart    AutostartAction = iota // (default) start stopped ones
	AutoShutdown                        // -s: clean shutdown, kill after the timeout
	AutoKill                            // -k
	AutoReboot                          // -r
)

// AutostartOptions are lxc-autostart's options.
type AutostartOptions struct {
	Action     AutostartAction
	All        bool     // -a: ignore groups
	IgnoreAuto bool     // -A: ignore lxc.start.auto
	Groups     []string // -g items in order, "" = NULL group; nil = NULL group only
	Timeout    int      // -t: seconds for shutdown before killing (-1 forever)
	// Start starts a container as a daemon; nil uses StartDaemonDefault.
	Start func(st *Store, name string) error
	// Sleep is time.Sleep unless a test replaces it.
	Sleep func(time.Duration)
}

// AutostartItem is one selected container, in order.
type AutostartItem struct {
	Name  string
	Delay int // lxc.start.delay
}

// AutostartResult is the outcome for one container acted on.
type AutostartResult struct {
	Name string
	Err  error // nil: done
}

// ParseGroups splits -g arguments ("a,,b", repeatable) into groups in
// order, "" being the NULL group; duplicates are dropped.
func ParseGroups(args []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range args {
		for _, g := range strings.Split(a, ",") {
			if seen[g] {
				continue
			}
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// AutostartSelect returns the containers lxc-autostart acts on, in order.
// For start, running containers are skipped; for shutdown, kill and
// reboot only running ones are kept.
func AutostartSelect(st *Store, o *AutostartOptions) ([]AutostartItem, error) {
	names, err := st.List()
	if err != nil {
		return nil, err
	}
	type cand struct {
		name   string
		cfg    *Config
		groups []string
	}
	var cands []cand
	for _, n := range names {
		cfg, err := st.LoadConfig(n)
		if err != nil {
			continue // LXC skips containers it cannot load
		}
		if !o.IgnoreAuto && cfg.StartAuto != 1 {
			continue
		}
		cands = append(cands, cand{n, cfg, cfg.Groups})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].cfg.StartOrder != cands[j].cfg.StartOrder {
			return cands[i].cfg.StartOrder < cands[j].cfg.StartOrder
		}
		return cands[i].name < cands[j].name
	})
	groups := o.Groups
	if o.All || len(groups) == 0 {
		groups = []string{""}
	}
	done := make([]bool, len(cands))
	var out []AutostartItem
	for _, g := range groups {
		for i, c := range cands {
			if done[i] {
				continue
			}
			if !o.All && !inGroup(g, c.groups) {
				continue
			}
			done[i] = true
			running := st.Status(c.name).State != STOPPED
			if (o.Action == AutoStart) == running {
				continue
			}
			out = append(out, AutostartItem{Name: c.name, Delay: c.cfg.StartDelay})
		}
	}
	return out, nil
}

// inGroup: "" matches a container without groups.
func inGroup(g string, groups []string) bool {
	if g == "" {
		return len(groups) == 0
	}
	for _, x := range groups {
		if x == g {
			return true
		}
	}
	return false
}

// Autostart acts on the selected containers in order and reports each
// outcome through report (which may be nil). After each successful start
// or reboot it waits lxc.start.delay seconds, as LXC does. It returns
// LXC's exit code: 0 all succeeded (or nothing to do), 1 all failed, 2
// some failed.
func Autostart(st *Store, o *AutostartOptions, report func(AutostartResult)) (int, error) {
	items, err := AutostartSelect(st, o)
	if err != nil {
		return 1, err
	}
	start := o.Start
	if start == nil {
		start = func(st *Store, name string) error {
			_, err := StartDaemonDefault(st, name, false)
			return err
		}
	}
	sleep := o.Sleep
	if sleep == nil {
		sleep = time.Sleep
	}
	failed := 0
	for _, it := range items {
		var err error
		switch o.Action {
		case AutoStart:
			err = start(st, it.Name)
		case AutoReboot:
			err = Stop(st, it.Name, StopOptions{Reboot: true, Timeout: o.Timeout})
		case AutoShutdown:
			err = Stop(st, it.Name, StopOptions{Timeout: o.Timeout})
		case AutoKill:
			err = Stop(st, it.Name, StopOptions{Kill: true, Timeout: -1})
		}
		if err != nil {
			failed++
		}
		if report != nil {
			report(AutostartResult{Name: it.Name, Err: err})
		}
		if err == nil && (o.Action == AutoStart || o.Action == AutoReboot) && it.Delay > 0 {
			sleep(time.Duration(it.Delay) * time.Second)
		}
	}
	switch {
	case failed == 0:
		return 0, nil
	case failed == len(items):
		return 1, nil
	default:
		return 2, nil
	}
}

// StartDaemonDefault starts container name as lxc-start -d NAME does with
// no other option: its own config, lxc.init.cmd or /sbin/init, the log
// file and level of its config. With foreground it runs the monitor in
// this process (lxc-start -F) and returns the init's exit status.
func StartDaemonDefault(st *Store, name string, foreground bool) (int, error) {
	cfg, file, err := LoadRunConfig(st, name, "", nil)
	if err != nil {
		return -1, err
	}
	cmd := strings.Fields(cfg.InitCmd)
	if len(cmd) == 0 {
		cmd = []string{"/sbin/init"}
	}
	logFile := cfg.LogFile
	if logFile == "" {
		logFile = DefaultLogFile(st, name)
	}
	level := int(LogError)
	if cfg.LogLevel >= 0 {
		level = cfg.LogLevel
	}
	so := &StartOptions{
		Name: name, Config: cfg, ConfigFile: file, Cmd: cmd,
		Daemon: !foreground, Foreground: foreground,
		UID: -1, GID: -1, LogFile: logFile, LogLevel: level,
	}
	status, err := Start(st, so)
	if err != nil {
		return -1, fmt.Errorf("starting %q: %w", name, err)
	}
	return status, nil
}
