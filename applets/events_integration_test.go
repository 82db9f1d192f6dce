package applets

// Root integration tests of the state events (issue "State events"):
// lxc-monitor and lxc-wait against real container runs.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// evMonitor is a running lxc-monitor.
type evMonitor struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines <-chan string
}

// startMonitor runs our lxc-monitor with args and returns once it watches
// every lxcpath given (its event log is open), so no event is missed.
func startMonitor(t *testing.T, e *testEnv, args ...string) *evMonitor {
	t.Helper()
	cmd := exec.Command(lxcBin, append([]string{"monitor"}, args...)...)
	cmd.Env = append(os.Environ(), "_LXC_SYSTEM_CONFIG="+e.SysConf)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &evMonitor{t: t, cmd: cmd, lines: rtReadLines(bufio.NewReader(out))}
	t.Cleanup(m.stop)
	var paths []string
	for i, a := range args {
		if a == "-P" && i+1 < len(args) {
			paths = append(paths, filepath.Join(args[i+1], ".lxc-events"))
		}
	}
	waitFor(t, 5*time.Second, "lxc-monitor to watch", func() bool {
		open := map[string]bool{}
		ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid))
		for _, d := range ents {
			l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", cmd.Process.Pid, d.Name()))
			open[l] = true
		}
		for _, p := range paths {
			if !open[p] {
				return false
			}
		}
		return true
	})
	return m
}

func (m *evMonitor) stop() {
	if m.cmd.ProcessState != nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = m.cmd.Process.Kill()
		<-done
		m.t.Errorf("lxc-monitor did not exit on SIGTERM")
	}
}

// expect reads exactly want from the monitor, in order.
func (m *evMonitor) expect(want ...string) {
	m.t.Helper()
	for i, w := range want {
		select {
		case l, ok := <-m.lines:
			if !ok {
				m.t.Fatalf("lxc-monitor ended; line %d: want %q", i, w)
			}
			if l != w {
				m.t.Fatalf("lxc-monitor line %d: %q, want %q", i, l, w)
			}
		case <-time.After(15 * time.Second):
			m.t.Fatalf("lxc-monitor: no line %d (want %q)", i, w)
		}
	}
}

// quiet checks that no further line arrives for a moment.
func (m *evMonitor) quiet() {
	m.t.Helper()
	select {
	case l := <-m.lines:
		m.t.Fatalf("unexpected lxc-monitor line %q", l)
	case <-time.After(300 * time.Millisecond):
	}
}

func evRun(name string, exit int) []string {
	return []string{
		fmt.Sprintf("'%s' changed state to [STARTING]", name),
		fmt.Sprintf("'%s' changed state to [RUNNING]", name),
		fmt.Sprintf("'%s' exited with status [%d]", name, exit),
		fmt.Sprintf("'%s' changed state to [STOPPING]", name),
		fmt.Sprintf("'%s' changed state to [STOPPED]", name),
	}
}

func evState(name, s string) string { return fmt.Sprintf("'%s' changed state to [%s]", name, s) }

// children lists the processes whose parent is pid.
func children(pid int) []int {
	var out []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+1:])
		if len(f) > 2 {
			if pp, _ := strconv.Atoi(f[1]); pp == pid {
				c, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
				out = append(out, c)
			}
		}
	}
	return out
}

func TestEventsStartStopExecute(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("es")
	e.createBusybox(name)
	m := startMonitor(t, e, "-P", e.P)
	if c := children(m.cmd.Process.Pid); len(c) != 0 {
		t.Errorf("lxc-monitor has child processes %v", c)
	}

	e.must("start", "-n", name)
	e.must("stop", "-n", name)
	m.expect(evRun(name, 0)...)
	e.must("execute", "-n", name, "--", "/bin/true")
	m.expect(evRun(name, 0)...)
	if r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "exit 7"); r.RC != 7 {
		t.Fatalf("execute exit 7: %v", r)
	}
	m.expect(evRun(name, 7)...)
	// A signal-killed init: LXC reports WEXITSTATUS, 0.
	e.must("start", "-n", name)
	e.must("stop", "-n", name, "-k")
	m.expect(evRun(name, 0)...)
	// Reboot: exit, STOPPING, STOPPED, STARTING, RUNNING.
	e.must("start", "-n", name)
	m.expect(evRun(name, 0)[:2]...)
	e.must("stop", "-n", name, "-r")
	m.expect(append(evRun(name, 0)[2:], evRun(name, 0)[:2]...)...)
	e.must("stop", "-n", name, "-k")
	m.expect(evRun(name, 0)[2:]...)
	m.quiet()
	m.stop()
	if alive(m.cmd.Process.Pid) {
		t.Error("lxc-monitor still alive")
	}
}

func TestEventsManyExecutes(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("em")
	e.createBusybox(name)
	m := startMonitor(t, e, "-P", e.P, "-n", name)
	const n = 200
	t0 := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			if r := e.lxc("execute", "-n", name, "--", "/bin/true"); r.RC != 0 {
				t.Errorf("execute %d: %v", i, r)
				return
			}
		}
	}()
	for i := 0; i < n; i++ {
		m.expect(evRun(name, 0)...)
	}
	wg.Wait()
	t.Logf("%d executes seen by lxc-monitor in %v", n, time.Since(t0))
	m.quiet()
}

func TestEventsAbortFreeze(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("ea")
	e.createBusybox(name)
	m := startMonitor(t, e, "-P", e.P)

	if r := e.lxc("start", "-n", name, "-s", "lxc.hook.pre-start=/bin/false"); r.RC != 1 {
		t.Fatalf("start with a failing hook: %v", r)
	}
	m.expect(evState(name, "STARTING"), evState(name, "ABORTING"), evState(name, "ABORTING"), evState(name, "STOPPING"), evState(name, "STOPPED"))
	if r := e.lxc("start", "-n", name, "--", "/nonexistent/init"); r.RC == 0 {
		t.Fatalf("start of a missing init: %v", r)
	}
	m.expect(evState(name, "STARTING"), evState(name, "ABORTING"), evState(name, "ABORTING"), evState(name, "STOPPING"), evState(name, "STOPPED"))

	e.must("start", "-n", name)
	m.expect(evRun(name, 0)[:2]...)
	e.must("freeze", "-n", name)
	// cgroup v1 sequence as LXC 5.0.2.
	m.expect(evState(name, "FREEZING"), evState(name, "FROZEN"), evState(name, "FROZEN"))
	if s := e.rtState(name); s != "FROZEN" {
		t.Fatalf("state %q", s)
	}
	e.must("unfreeze", "-n", name)
	m.expect(evState(name, "THAWED"), evState(name, "THAWED"), evState(name, "RUNNING"))
	e.must("stop", "-n", name, "-k")
	m.expect(evRun(name, 0)[2:]...)
	m.quiet()
}

func TestEventsRegexTwoPaths(t *testing.T) {
	requireRoot(t)
	e1, e2 := newEnv(t), newEnv(t)
	foo, bar, baz := uniqueName("foo"), uniqueName("bar"), uniqueName("baz")
	e1.createBusybox(foo)
	e2.createBusybox(bar)
	e1.createBusybox(baz)
	e2.createBusybox(foo + "x") // anchored: must not match
	m := startMonitor(t, e1, "-n", foo+"|"+bar, "-P", e1.P, "-P", e2.P)
	for _, c := range []struct {
		e    *testEnv
		name string
	}{{e1, baz}, {e2, foo + "x"}, {e1, foo}, {e2, bar}} {
		c.e.must("execute", "-n", c.name, "--", "/bin/true")
	}
	m.expect(append(evRun(foo, 0), evRun(bar, 0)...)...)
	m.quiet()
	// A container created after lxc-monitor started, in a new lxcpath
	// dir that did not exist: still seen (same lxcpath).
	late := foo
	e1.must("destroy", "-n", late)
	e1.createBusybox(late)
	e1.must("execute", "-n", late, "--", "/bin/true")
	m.expect(evRun(late, 0)...)
}

func TestEventsJSON(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("ej")
	e.createBusybox(name)
	m := startMonitor(t, e, "-P", e.P, "--format=json")
	if r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "exit 3"); r.RC != 3 {
		t.Fatal(r)
	}
	var got []string
	for i := 0; i < 5; i++ {
		select {
		case l := <-m.lines:
			var ev map[string]any
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("line %q: %v", l, err)
			}
			if ev["name"] != name || ev["lxcpath"] != e.P {
				t.Errorf("line %q: name/lxcpath", l)
			}
			if ts, _ := ev["time"].(string); ts == "" {
				t.Errorf("line %q: no time", l)
			} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
				t.Errorf("line %q: time: %v", l, err)
			}
			if s, ok := ev["state"].(string); ok {
				got = append(got, s)
			} else if x, ok := ev["exit"].(float64); ok {
				got = append(got, fmt.Sprintf("exit %d", int(x)))
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no JSON line after %v", got)
		}
	}
	if strings.Join(got, ",") != "STARTING,RUNNING,exit 3,STOPPING,STOPPED" {
		t.Fatalf("JSON events %v", got)
	}
}

func TestEventsWait(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("ew")
	e.createBusybox(name)

	// Already in one of the states.
	e.must("wait", "-n", name, "-s", "RUNNING|STOPPED")
	// Timeout.
	t0 := time.Now()
	r := e.lxc("wait", "-n", name, "-s", "RUNNING", "-t", "1")
	if d := time.Since(t0); r.RC != 1 || d < 900*time.Millisecond || d > 4*time.Second {
		t.Fatalf("wait -t 1: %v after %v", r, d)
	}
	// -t 0 checks once.
	t0 = time.Now()
	if r := e.lxc("wait", "-n", name, "-s", "RUNNING", "-t", "0"); r.RC != 1 || time.Since(t0) > 2*time.Second {
		t.Fatalf("wait -t 0: %v", r)
	}
	e.must("wait", "-n", name, "-s", "STOPPED", "-t", "0")
	// Invalid states.
	for _, s := range []string{"BOGUS", "running", "RUNNING|", ""} {
		r := e.lxc("wait", "-n", name, "-s", s, "-t", "1")
		if r.RC != 1 || r.Stderr == "" {
			t.Errorf("wait -s %q: %v", s, r)
		}
	}
	if r := e.lxc("wait", "-n", name, "-s", "BOGUS"); !strings.Contains(r.Stderr, "invalid state 'BOGUS'") {
		t.Errorf("wait -s BOGUS: %v", r)
	}

	// Waiting for RUNNING before the container exists.
	early := uniqueName("ewe")
	done := make(chan result, 1)
	go func() { done <- e.lxc("wait", "-n", early, "-s", "RUNNING|FROZEN", "-t", "30") }()
	time.Sleep(300 * time.Millisecond)
	e.createBusybox(early)
	e.must("start", "-n", early)
	select {
	case r := <-done:
		if r.RC != 0 {
			t.Fatalf("wait for a container created later: %v", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("wait for a container created later hung")
	}
	// Waiting for STOPPED while it stops.
	go func() { done <- e.lxc("wait", "-n", early, "-s", "STOPPED", "-t", "30") }()
	time.Sleep(100 * time.Millisecond)
	e.must("stop", "-n", early, "-k")
	if r := <-done; r.RC != 0 {
		t.Fatalf("wait STOPPED: %v", r)
	}
	// FROZEN.
	e.must("start", "-n", name)
	go func() { done <- e.lxc("wait", "-n", name, "-s", "FROZEN", "-t", "30") }()
	time.Sleep(100 * time.Millisecond)
	e.must("freeze", "-n", name)
	if r := <-done; r.RC != 0 {
		t.Fatalf("wait FROZEN: %v", r)
	}
	e.must("unfreeze", "-n", name)
	e.must("stop", "-n", name, "-k")
}

// TestEventsWaitRace starts lxc-wait and lxc-start at the same moment,
// many times: lxc-wait must never hang and never miss the transition.
// The container lives 0.1 s after RUNNING, so RUNNING is there to see
// whichever process wins the race; STOPPED follows by itself.
func TestEventsWaitRace(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	const workers, rounds = 2, 100
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		name := uniqueName("er")
		e.createBusybox(name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				var inner sync.WaitGroup
				var wr, sr result
				inner.Add(2)
				go func() { defer inner.Done(); wr = e.lxc("wait", "-n", name, "-s", "RUNNING", "-t", "10") }()
				go func() {
					defer inner.Done()
					sr = e.lxc("start", "-n", name, "--", "/bin/sh", "-c", "sleep 0.1")
				}()
				inner.Wait()
				if sr.RC != 0 || wr.RC != 0 {
					t.Errorf("%s round %d: start %v, wait %v", name, i, sr, wr)
					return
				}
				// Then it stops by itself.
				if r := e.lxc("wait", "-n", name, "-s", "STOPPED", "-t", "10"); r.RC != 0 {
					t.Errorf("%s round %d: wait STOPPED: %v", name, i, r)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d wait/start races in %v", workers*rounds, time.Since(t0))

	// The strict form: wait -s RUNNING started with the start, container
	// staying up until the wait returned.
	name := uniqueName("ers")
	e.createBusybox(name)
	for i := 0; i < 50; i++ {
		var inner sync.WaitGroup
		var wr, sr result
		inner.Add(2)
		go func() { defer inner.Done(); wr = e.lxc("wait", "-n", name, "-s", "RUNNING", "-t", "10") }()
		go func() { defer inner.Done(); sr = e.lxc("start", "-n", name, "--", "/bin/sh", "-c", "exec sleep 100") }()
		inner.Wait()
		if sr.RC != 0 || wr.RC != 0 {
			t.Fatalf("round %d: start %v, wait %v", i, sr, wr)
		}
		inner.Add(2)
		go func() { defer inner.Done(); wr = e.lxc("wait", "-n", name, "-s", "STOPPED", "-t", "10") }()
		go func() { defer inner.Done(); sr = e.lxc("stop", "-n", name, "-k") }()
		inner.Wait()
		if sr.RC != 0 || wr.RC != 0 {
			t.Fatalf("round %d: stop %v, wait %v", i, sr, wr)
		}
	}
}

func TestEventsLogRotation(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("eg")
	e.createBusybox(name)
	m := startMonitor(t, e, "-P", e.P, "-n", name)
	log := filepath.Join(e.P, ".lxc-events")
	// Many events of another container, appended as a monitor would.
	fill := func(n int) {
		f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, `{"time":%d,"lxcpath":%q,"name":"filler","state":"RUNNING"}`+"\n", time.Now().UnixNano(), e.P)
		}
		if _, err := f.WriteString(b.String()); err != nil {
			t.Fatal(err)
		}
	}
	for round := 0; round < 3; round++ {
		fi, _ := os.Stat(log)
		line := len(fmt.Sprintf(`{"time":%d,"lxcpath":%q,"name":"filler","state":"RUNNING"}`+"\n", time.Now().UnixNano(), e.P))
		if need := (1<<20 - int(fi.Size()) - 300) / line; need > 0 {
			fill(need)
		}
		for i := 0; i < 3; i++ {
			e.must("execute", "-n", name, "--", "/bin/true")
			m.expect(evRun(name, 0)...)
		}
		cur, err := os.Stat(log)
		if err != nil {
			t.Fatal(err)
		}
		old, err := os.Stat(log + ".1")
		if err != nil {
			t.Fatalf("round %d: no rotated log: %v", round, err)
		}
		if cur.Size() > 1<<20 || old.Size() > 1<<20 || cur.Size() > 64<<10 {
			t.Fatalf("round %d: event logs %d and %d bytes", round, cur.Size(), old.Size())
		}
	}
	ents, _ := os.ReadDir(e.P)
	for _, d := range ents {
		if strings.HasPrefix(d.Name(), ".lxc-events") && d.Name() != ".lxc-events" && d.Name() != ".lxc-events.1" {
			t.Errorf("extra event log %s", d.Name())
		}
	}
	m.quiet()
}

func TestEventsNoLeftovers(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("en")
	e.createBusybox(name)
	cmd := exec.Command(lxcBin, "wait", "-P", e.P, "-n", name, "-s", "RUNNING")
	cmd.Env = append(os.Environ(), "_LXC_SYSTEM_CONFIG="+e.SysConf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if c := children(cmd.Process.Pid); len(c) != 0 {
		t.Errorf("lxc-wait has children %v", c)
	}
	e.must("start", "-n", name)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("lxc-wait: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("lxc-wait hung")
	}
	// A killed lxc-wait leaves nothing behind either.
	cmd = exec.Command(lxcBin, "wait", "-P", e.P, "-n", name, "-s", "FROZEN")
	cmd.Env = append(os.Environ(), "_LXC_SYSTEM_CONFIG="+e.SysConf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	kids := children(cmd.Process.Pid)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if len(kids) != 0 {
		t.Errorf("lxc-wait had children %v", kids)
	}
	e.must("stop", "-n", name, "-k")
}
