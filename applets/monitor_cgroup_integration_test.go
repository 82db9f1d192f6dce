package applets

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A daemonized monitor is born in lxc.monitor.NAME in every hierarchy (no
// cgroup.procs write moves it there), its cgroup is gone once lxc-stop
// returns, and nothing of ours is left running.
func TestMonitorCgroupLifecycle(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("mcg")
	e.createBusybox(name)
	for round := 0; round < 3; round++ {
		e.must("start", "-n", name, "-d")
		mon := e.record(name).MonitorPID
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(mon), "cgroup"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f := strings.SplitN(l, ":", 3)
			if len(f) != 3 || f[1] == "rdma" || f[1] == "misc" {
				continue
			}
			if !strings.HasSuffix(f[2], "/lxc.monitor."+name) {
				t.Errorf("round %d: monitor %d is in %q, want lxc.monitor.%s", round, mon, l, name)
			}
		}
		e.must("stop", "-n", name, "-k")
		if cg := payloadCgroups(name); len(cg) != 0 {
			t.Fatalf("round %d: cgroups left once lxc-stop returned: %v", round, cg)
		}
		// The remover exits right after removing the cgroup.
		waitFor(t, 2*time.Second, "the monitor and its remover to exit", func() bool {
			return len(ourProcesses(e.P)) == 0
		})
	}
}

// The GOMAXPROCS=1 our monitor runs with does not reach the programs it
// runs with its own environment (network scripts; hooks get a fixed one).
func TestMonitorHookEnvironment(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("mhe")
	dir := t.TempDir()
	out := filepath.Join(dir, "env")
	hook := filepath.Join(dir, "hook.sh")
	writeFile(t, hook, "#!/bin/sh\nenv > "+out+"\n")
	if err := os.Chmod(hook, 0o755); err != nil {
		t.Fatal(err)
	}
	e.createBusybox(name, "lxc.net.0.type = empty", "lxc.net.0.script.up = "+hook)
	e.must("start", "-n", name, "-d")
	e.must("stop", "-n", name, "-k")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "GOMAXPROCS=") || strings.HasPrefix(l, "_LXC_MONITOR=") || strings.HasPrefix(l, "_LXC_GOMAXPROCS=") {
			t.Errorf("script environment has %q", l)
		}
	}
}

// ourProcesses lists pids whose command line names lxcpath (monitors and
// the removers they fork carry it).
func ourProcesses(lxcpath string) []string {
	var pids []string
	ents, _ := os.ReadDir("/proc")
	for _, d := range ents {
		if d.Name()[0] < '0' || d.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(b), lxcpath) {
			continue
		}
		st, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if i := strings.LastIndexByte(string(st), ')'); i > 0 && len(st) > i+2 && st[i+2] == 'Z' {
			continue // a zombie waiting for the host's init
		}
		pids = append(pids, d.Name())
	}
	return pids
}
