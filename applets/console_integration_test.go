package applets

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testPty is a pty the test drives our client through: the client gets
// the slave, the test reads everything from the master.
type testPty struct {
	t      *testing.T
	master *os.File
	slave  *os.File
	mu     sync.Mutex
	buf    bytes.Buffer
}

func newTestPty(t *testing.T) *testPty {
	t.Helper()
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		t.Fatal(errno)
	}
	_ = unix.IoctlSetWinsize(mfd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80})
	p := &testPty{t: t, master: os.NewFile(uintptr(mfd), "ptmx"), slave: os.NewFile(r, "pts")}
	t.Cleanup(func() { p.master.Close(); p.slave.Close() })
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := p.master.Read(b)
			p.mu.Lock()
			p.buf.Write(b[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *testPty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

func (p *testPty) write(s string) {
	if _, err := p.master.WriteString(s); err != nil {
		p.t.Fatalf("writing to the pty: %v", err)
	}
}

// waitOutput waits until the pty output contains s; poke, when set, is
// sent every second meanwhile (e.g. "\r" to make getty print again).
func (p *testPty) waitOutput(s, poke string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	next := time.Now().Add(time.Second)
	for !strings.Contains(p.output(), s) {
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %q on the pty; got %q", s, p.output())
		}
		if poke != "" && time.Now().After(next) {
			p.write(poke)
			next = time.Now().Add(time.Second)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startOnPty starts our binary with the pty slave as its controlling
// terminal and stdout/stderr; stdin is the slave too unless given.
func (e *testEnv) startOnPty(p *testPty, stdin *os.File, args ...string) *exec.Cmd {
	e.t.Helper()
	cmd := exec.Command(lxcBin, args...)
	cmd.Env = append(append(os.Environ(), "_LXC_SYSTEM_CONFIG="+e.SysConf), e.ExtraEnv...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, p.slave, p.slave
	ctty := 0
	if stdin != nil {
		cmd.Stdin = stdin
		ctty = 1
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: ctty}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// waitExit waits for cmd and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, timeout time.Duration) int {
	t.Helper()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not exit", cmd.Args)
	}
	return cmd.ProcessState.ExitCode()
}

const consoleBanner = "\r\nConnected to tty %s\r\nType <Ctrl+a q> to exit the console, <Ctrl+a Ctrl+a> to enter Ctrl+a itself\r\n"

func (e *testEnv) startBusybox(t *testing.T, extra ...string) string {
	t.Helper()
	name := uniqueName("con")
	e.createBusybox(name, extra...)
	e.must("start", "-n", name)
	return name
}

// TestConsoleTTYGetty: lxc-console reaches the getty on tty1 with LXC's
// banner, the escape leaves with 0 and the container keeps running; a
// second client on the busy tty is refused and a reconnect resumes it.
func TestConsoleTTYGetty(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	// getty is respawned only once the sysinit script is done.
	waitFor(t, 30*time.Second, "getty in the container", func() bool {
		return e.lxc("attach", "-n", name, "--", "pidof", "getty").RC == 0
	})

	p := newTestPty(t)
	cmd := e.startOnPty(p, nil, "console", "-P", e.P, "-n", name)
	p.waitOutput(strings.Replace(consoleBanner, "%s", "1", 1), "", 10*time.Second)
	p.waitOutput(name+" login:", "\r", 20*time.Second)

	// The tty is busy while the first client is connected.
	p2 := newTestPty(t)
	busy := e.startOnPty(p2, nil, "console", "-P", e.P, "-n", name, "-t", "1")
	if rc := waitExit(t, busy, 10*time.Second); rc != 1 {
		t.Fatalf("busy tty: rc=%d output %q", rc, p2.output())
	}
	p2.waitOutput("Denied access to tty", "", 5*time.Second)

	// Ctrl-a q leaves with status 0.
	p.write("\x01q")
	if rc := waitExit(t, cmd, 10*time.Second); rc != 0 {
		t.Fatalf("escape: rc=%d output %q", rc, p.output())
	}
	if r := e.must("info", "-n", name, "-s"); !strings.Contains(r.Stdout, "RUNNING") {
		t.Fatalf("container not running after the console left: %v", r)
	}

	// Reconnecting resumes the same tty: the getty answers a login name.
	p3 := newTestPty(t)
	again := e.startOnPty(p3, nil, "console", "-P", e.P, "-n", name, "-t", "1")
	p3.waitOutput("Connected to tty 1", "", 10*time.Second)
	p3.write("root\r")
	p3.waitOutput("Password:", "", 10*time.Second)
	p3.write("\x01q")
	if rc := waitExit(t, again, 10*time.Second); rc != 0 {
		t.Fatalf("reconnect: rc=%d", rc)
	}
}

// TestConsoleDevConsole: -t 0 reaches init's output on /dev/console (the
// busybox askfirst shell) and the prefix twice sends the prefix itself.
func TestConsoleDevConsole(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := e.startBusybox(t)
	p := newTestPty(t)
	cmd := e.startOnPty(p, nil, "console", "-P", e.P, "-n", name, "-t", "0")
	p.waitOutput("Connected to tty 0", "", 10*time.Second)
	// The first Enter activates the askfirst shell (if not yet active).
	p.write("\r")
	p.waitOutput("# ", "\r", 20*time.Second)
	p.write("echo con$((40+2))\r")
	p.waitOutput("con42", "", 10*time.Second)
	// Ctrl-a Ctrl-a sends one Ctrl-a: the shell's line editor sees it;
	// "q" alone afterwards is an ordinary key, so we are still connected.
	p.write("\x01\x01")
	p.write("\x15echo still$((1+1))\r")
	p.waitOutput("still2", "", 10*time.Second)
	p.write("\x01q")
	if rc := waitExit(t, cmd, 10*time.Second); rc != 0 {
		t.Fatalf("escape: rc=%d", rc)
	}
	if r := e.must("info", "-n", name, "-s"); !strings.Contains(r.Stdout, "RUNNING") {
		t.Fatalf("container not running: %v", r)
	}
}

// TestConsoleErrors: not running, stdin not a terminal, a tty that does
// not exist.
func TestConsoleErrors(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	name := uniqueName("con")
	e.createBusybox(name)
	r := e.lxc("console", "-n", name)
	if r.RC != 1 || !strings.Contains(r.Stderr, name+" is not running") {
		t.Fatalf("not running: %v", r)
	}
	e.must("start", "-n", name)
	r = e.lxc("console", "-n", name)
	if r.RC != 1 || !strings.Contains(r.Stderr, "Failed to add stdin handler") {
		t.Fatalf("stdin not a tty: %v", r)
	}
	p := newTestPty(t)
	cmd := e.startOnPty(p, nil, "console", "-P", e.P, "-n", name, "-t", "9")
	if rc := waitExit(t, cmd, 10*time.Second); rc != 1 {
		t.Fatalf("tty 9: rc=%d %q", rc, p.output())
	}
	p.waitOutput("Denied access to tty", "", 5*time.Second)
}

// TestConsoleLogs: lxc.console.logfile, lxc-start -L and the ring buffer
// (--show-log, --follow) hold the boot output.
func TestConsoleLogs(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	dir := t.TempDir()
	cfgLog := filepath.Join(dir, "console.log")
	name := e.startBusybox(t, "lxc.console.logfile = "+cfgLog, "lxc.console.buffer.size = auto")
	const boot = "Please press Enter to activate this console."
	waitFor(t, 20*time.Second, "boot output in the console log", func() bool {
		b, _ := os.ReadFile(cfgLog)
		return bytes.Contains(b, []byte(boot))
	})
	r := e.must("console", "-n", name, "--show-log")
	if !strings.Contains(r.Stdout, boot) {
		t.Fatalf("--show-log: %v", r)
	}

	// --follow prints the ring, then live output until the container stops.
	p := newTestPty(t)
	follow := e.startOnPty(p, nil, "console", "-P", e.P, "-n", name, "--show-log", "--follow")
	p.waitOutput(boot, "", 10*time.Second)
	e.must("stop", "-n", name, "-k")
	if rc := waitExit(t, follow, 20*time.Second); rc != 0 {
		t.Fatalf("--follow: rc=%d", rc)
	}

	// lxc-start -L FILE.
	startLog := filepath.Join(dir, "start-L.log")
	e.must("start", "-n", name, "-L", startLog)
	waitFor(t, 20*time.Second, "boot output in the -L log", func() bool {
		b, _ := os.ReadFile(startLog)
		return bytes.Contains(b, []byte(boot))
	})
}
