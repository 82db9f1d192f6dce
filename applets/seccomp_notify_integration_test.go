package applets

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// notifyProxy is a seccomp notify proxy speaking LXC's protocol on a
// SOCK_SEQPACKET socket: it answers every notification with errno 42
// (ENOMSG) and records what it saw.
type notifyProxy struct {
	path string
	ln   *net.UnixListener

	mu    sync.Mutex
	seen  []proxySeen
	conns int
	ended int // connections the monitor closed
}

// proxySeen is one notification as the proxy read it.
type proxySeen struct {
	monitorPID, initPID int32
	pid                 uint32
	nr                  int32
	cookie              string
	nfds                int
	cmdline             string // of the caller, read while it waits
	callerNSpid         string // its pid in the container
	initNSpid           string // init's pid in the container
	err                 error
}

func startNotifyProxy(t *testing.T) *notifyProxy {
	t.Helper()
	p := &notifyProxy{path: filepath.Join(t.TempDir(), "proxy.sock")}
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: p.path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	p.ln = ln
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns++
			p.mu.Unlock()
			go p.serve(c)
		}
	}()
	return p
}

// nsPid is the last NSpid of /proc/PID/status: the pid in its own
// namespace.
func nsPid(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "NSpid:" {
			return f[len(f)-1]
		}
	}
	return ""
}

func (p *notifyProxy) serve(c *net.UnixConn) {
	defer c.Close()
	le := binary.LittleEndian
	for {
		buf := make([]byte, 4096)
		oob := make([]byte, syscall.CmsgSpace(8*4))
		n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
		if err != nil || n == 0 {
			p.mu.Lock()
			p.ended++
			p.mu.Unlock()
			return
		}
		s := proxySeen{}
		if msgs, err := syscall.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, m := range msgs {
				fds, _ := syscall.ParseUnixRights(&m)
				for _, fd := range fds {
					syscall.Close(fd)
				}
				s.nfds += len(fds)
			}
		}
		b := buf[:n]
		if n < 32 {
			s.err = fmt.Errorf("message of %d bytes", n)
			p.record(s)
			return
		}
		sn, sr := int(le.Uint16(b[16:])), int(le.Uint16(b[18:]))
		cl := int(le.Uint64(b[24:]))
		if n != 32+sn+sr+cl || sn < 80 || sr < 24 {
			s.err = fmt.Errorf("message of %d bytes, sizes %d/%d, cookie %d", n, sn, sr, cl)
			p.record(s)
			return
		}
		s.monitorPID, s.initPID = int32(le.Uint32(b[8:])), int32(le.Uint32(b[12:]))
		notif := b[32 : 32+sn]
		id := le.Uint64(notif)
		s.pid = le.Uint32(notif[8:])
		s.nr = int32(le.Uint32(notif[16:]))
		s.cookie = string(b[32+sn+sr:])
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.pid))
		s.cmdline = strings.ReplaceAll(string(cmd), "\x00", " ")
		s.callerNSpid = nsPid(int(s.pid))
		s.initNSpid = nsPid(int(s.initPID))
		p.record(s)
		// Answer: the header, the notification, the response.
		out := append([]byte(nil), b[:32+sn+sr]...)
		resp := out[32+sn:]
		clear(resp)
		le.PutUint64(resp[0:], id)
		errno := int32(-42)
		le.PutUint32(resp[16:], uint32(errno))
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

func (p *notifyProxy) record(s proxySeen) {
	p.mu.Lock()
	p.seen = append(p.seen, s)
	p.mu.Unlock()
}

func (p *notifyProxy) snapshot() ([]proxySeen, int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxySeen(nil), p.seen...), p.conns, p.ended
}

const mkdirNotifyProfile = "2\ndenylist\nmkdir notify\n"

// TestSeccompNotifyProxy: a notify rule sends mkdir to the proxy, whose
// errno 42 answer is what mkdir returns in the container; other syscalls
// run; the proxy sees LXC's message with the monitor and init pids and
// the cookie; nothing is left when the container stops.
func TestSeccompNotifyProxy(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	proxy := startNotifyProxy(t)
	prof := filepath.Join(t.TempDir(), "notify.seccomp")
	writeFile(t, prof, mkdirNotifyProfile)
	name := uniqueName("scn")
	e.createBusybox(name, "lxc.seccomp.profile = "+prof,
		"lxc.seccomp.notify.proxy = unix:"+proxy.path,
		"lxc.seccomp.notify.cookie = cookie-"+name)

	r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c",
		"mkdir /tmp/x; echo rc=$?; test -e /tmp/x || echo absent; touch /tmp/ok && echo fine")
	if r.RC != 0 || !strings.Contains(r.Stderr, "No message of desired type") ||
		!strings.Contains(r.Stdout, "rc=1") || !strings.Contains(r.Stdout, "absent") || !strings.Contains(r.Stdout, "fine") {
		t.Fatalf("mkdir under a notify rule: %v", r)
	}
	seen, conns, _ := proxy.snapshot()
	if len(seen) != 1 {
		t.Fatalf("proxy saw %d notifications, want 1: %+v", len(seen), seen)
	}
	s := seen[0]
	if s.err != nil {
		t.Fatalf("proxy: %v", s.err)
	}
	const mkdirX86_64 = 83
	if s.nr != mkdirX86_64 || s.cookie != "cookie-"+name || s.nfds != 2 {
		t.Errorf("notification: nr %d cookie %q fds %d", s.nr, s.cookie, s.nfds)
	}
	if !strings.Contains(s.cmdline, "mkdir /tmp/x") || s.callerNSpid == "" || s.callerNSpid == "1" {
		t.Errorf("caller pid %d: cmdline %q, pid in the container %q", s.pid, s.cmdline, s.callerNSpid)
	}
	if s.initPID <= 0 || s.initNSpid != "1" {
		t.Errorf("init pid %d is pid %q in the container, want 1", s.initPID, s.initNSpid)
	}
	if s.monitorPID <= 0 || s.monitorPID == s.initPID {
		t.Errorf("monitor pid %d", s.monitorPID)
	}
	if conns != 1 {
		t.Errorf("monitor connected %d times, want 1", conns)
	}
	// The monitor (lxc-execute itself) closed the proxy connection and
	// nothing of the container is left.
	waitFor(t, 5*time.Second, "the proxy connection to close", func() bool {
		_, _, ended := proxy.snapshot()
		return ended == 1
	})
	if cg := payloadCgroups(name); len(cg) > 0 {
		t.Errorf("cgroups left behind: %v", cg)
	}

	// A daemonized monitor gets the listener the same way.
	e.must("start", "-n", name, "-d", "--", "/bin/sh", "-c",
		"mkdir /tmp/y 2>/tmp/err; echo $? >/tmp/rc; exec sleep 1000")
	rc := filepath.Join(e.P, name, "rootfs", "tmp", "rc")
	waitFor(t, 10*time.Second, "the command to record mkdir's status", func() bool {
		b, _ := os.ReadFile(rc)
		return strings.HasSuffix(string(b), "\n")
	})
	b, _ := os.ReadFile(rc)
	msg, _ := os.ReadFile(filepath.Join(e.P, name, "rootfs", "tmp", "err"))
	if strings.TrimSpace(string(b)) != "1" || !strings.Contains(string(msg), "No message of desired type") {
		t.Errorf("daemon: mkdir rc %q, stderr %q", b, msg)
	}
	mon := e.record(name).MonitorPID
	e.must("stop", "-n", name, "-k")
	if seen, _, _ := proxy.snapshot(); len(seen) != 2 || seen[1].monitorPID != int32(mon) {
		t.Errorf("daemon monitor %d: proxy saw %+v", mon, seen)
	}
	waitFor(t, 5*time.Second, "the daemon monitor to exit and close the proxy", func() bool {
		_, _, ended := proxy.snapshot()
		return ended == 2 && !processExists(mon)
	})
	if cg := payloadCgroups(name); len(cg) > 0 {
		t.Errorf("cgroups left behind: %v", cg)
	}
}

func processExists(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// TestSeccompNotifyNoProxy: without a proxy, or with one that cannot be
// reached, a notified syscall fails with ENOSYS (LXC's default answer)
// at once; the container runs on and stops cleanly.
func TestSeccompNotifyNoProxy(t *testing.T) {
	requireRoot(t)
	e := newEnv(t)
	prof := filepath.Join(t.TempDir(), "notify.seccomp")
	writeFile(t, prof, mkdirNotifyProfile)
	gone := filepath.Join(t.TempDir(), "nobody-listens.sock")
	for _, tc := range []struct {
		what  string
		extra []string
	}{
		{"no proxy", nil},
		{"unreachable proxy", []string{"lxc.seccomp.notify.proxy = unix:" + gone}},
		{"unreachable abstract proxy", []string{"lxc.seccomp.notify.proxy = unix:@lxc-go-test-none-" + strconv.Itoa(os.Getpid())}},
	} {
		name := uniqueName("scn")
		e.createBusybox(name, append([]string{"lxc.seccomp.profile = " + prof}, tc.extra...)...)
		start := time.Now()
		r := e.lxc("execute", "-n", name, "--", "/bin/sh", "-c", "mkdir /tmp/x; echo rc=$?; touch /tmp/ok && echo fine")
		if r.RC != 0 || !strings.Contains(r.Stderr, "Function not implemented") ||
			!strings.Contains(r.Stdout, "rc=1") || !strings.Contains(r.Stdout, "fine") {
			t.Errorf("%s: %v", tc.what, r)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: took %v", tc.what, d)
		}
	}

	// A daemonized container is not stuck: it runs on and stops.
	name := uniqueName("scn")
	e.createBusybox(name, "lxc.seccomp.profile = "+prof)
	e.must("start", "-n", name, "-d", "--", "/bin/sh", "-c",
		"mkdir /tmp/y 2>/tmp/err; echo $? >/tmp/rc; exec sleep 1000")
	rc := filepath.Join(e.P, name, "rootfs", "tmp", "rc")
	waitFor(t, 10*time.Second, "the command to record mkdir's status", func() bool {
		b, _ := os.ReadFile(rc)
		return strings.HasSuffix(string(b), "\n")
	})
	msg, _ := os.ReadFile(filepath.Join(e.P, name, "rootfs", "tmp", "err"))
	if !strings.Contains(string(msg), "Function not implemented") {
		t.Errorf("daemon: mkdir stderr %q", msg)
	}
	if r := e.lxc("info", "-n", name, "-s"); !strings.Contains(r.Stdout, "RUNNING") {
		t.Errorf("info: %v", r)
	}
	mon := e.record(name).MonitorPID
	e.must("stop", "-n", name, "-k")
	waitFor(t, 5*time.Second, "the monitor to exit", func() bool { return !processExists(mon) })
	if cg := payloadCgroups(name); len(cg) > 0 {
		t.Errorf("cgroups left behind: %v", cg)
	}
}
