package core

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The console of a running container is the master of a pty on the host's
// devpts (the slave is /dev/console inside). The monitor is the only
// reader of that master: serveConsole drains it (a full pty would block
// the container), keeps the last output in a ring buffer
// (lxc.console.buffer.size), writes it to the console log
// (lxc.console.logfile or lxc-start -L, bounded by lxc.console.size and
// rotated with lxc.console.rotate), to the device of lxc-start -c, to our
// terminal with lxc-start -F, and to the clients attached with
// lxc-console -t 0 or --follow:
//
//	container ──/dev/console──> master ──serveConsole──┬─> ring buffer
//	                                                    ├─> console log (size/rotate)
//	                                                    ├─> -c DEVICE, -F terminal
//	                                                    └─> clients (socketpair each)
//	client input (lxc-console -t 0) ──────────────────────> master
//
// The ttys /dev/tty1..N are not drained by the monitor: lxc-console gets a
// duplicate of their master and is their only reader, as in LXC.

// defaultRingSize is the ring buffer kept when lxc.console.buffer.size is
// unset. LXC keeps none then; we keep one for lxc-console --show-log.
const defaultRingSize = 128 << 10

// ring is a byte ring of at most max bytes holding the most recent output.
// It grows as output arrives, so an idle container's console costs the
// monitor a few hundred bytes rather than the whole ring, and wraps once
// it holds max bytes.
type ring struct {
	max  int
	buf  []byte // grows up to max bytes, then wraps
	next int    // where the next byte goes once wrapping
}

func newRing(size int) *ring {
	if size < 1 {
		size = 1
	}
	return &ring{max: size}
}

// wrapping reports whether the ring has reached max and wraps.
func (r *ring) wrapping() bool { return len(r.buf) == r.max }

// Write keeps the last max bytes written.
func (r *ring) Write(p []byte) (int, error) {
	n := len(p)
	if !r.wrapping() {
		if len(r.buf)+len(p) < r.max {
			r.buf = append(r.buf, p...)
			return n, nil
		}
		// Reaching max: from here on a fixed ring holding the same bytes.
		b := make([]byte, r.max)
		copy(b, r.buf)
		r.buf, r.next = b, len(r.buf)
	}
	if len(p) >= len(r.buf) {
		copy(r.buf, p[len(p)-len(r.buf):])
		r.next = 0
		return n, nil
	}
	c := copy(r.buf[r.next:], p)
	if c < len(p) {
		copy(r.buf, p[c:])
	}
	r.next = (r.next + len(p)) % len(r.buf)
	return n, nil
}

// Bytes returns the contents, oldest first.
func (r *ring) Bytes() []byte {
	if !r.wrapping() {
		return append([]byte(nil), r.buf...)
	}
	out := make([]byte, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

// consoleLog writes the console log file, bounded by lxc.console.size:
// when a write would pass the limit the file is rotated to FILE.1
// (lxc.console.rotate) or truncated, as LXC does.
type consoleLog struct {
	path    string
	f       *os.File
	limit   int64
	rotate  bool
	written int64
}

func openConsoleLog(path string, limit int64, rotate bool) (*consoleLog, error) {
	l := &consoleLog{path: path, limit: limit, rotate: rotate}
	if err := l.open(false); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *consoleLog) open(trunc bool) error {
	flags := os.O_WRONLY | os.O_APPEND | os.O_CREATE | unix.O_NOFOLLOW
	if trunc {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(l.path, flags, 0o600)
	if err != nil {
		return fmt.Errorf("console log %q: %w", l.path, err)
	}
	l.f = f
	l.written = 0
	if st, err := f.Stat(); err == nil {
		l.written = st.Size()
	}
	return nil
}

// Write appends p, rotating or truncating first when the limit would be
// passed. A chunk larger than the limit keeps only its tail.
func (l *consoleLog) Write(p []byte) (int, error) {
	n := len(p)
	if l.f == nil {
		return n, nil
	}
	if l.limit > 0 {
		if int64(len(p)) > l.limit {
			p = p[int64(len(p))-l.limit:]
		}
		if l.written+int64(len(p)) > l.limit {
			l.f.Close()
			l.f = nil
			if l.rotate {
				_ = os.Rename(l.path, l.path+".1")
			}
			if err := l.open(true); err != nil {
				return n, err
			}
		}
	}
	w, err := l.f.Write(p)
	l.written += int64(w)
	return n, err
}

func (l *consoleLog) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

// consoleClient is one consumer of console output: lxc-console -t 0
// (input too) or lxc-console --show-log/--follow.
type consoleClient struct {
	sock   *os.File
	out    chan []byte
	input  bool // client input goes to the console
	follow bool // stays for live output (else: ring snapshot, then EOF)
	once   sync.Once
	done   chan struct{}
}

func (c *consoleClient) close() {
	c.once.Do(func() {
		close(c.done)
		c.sock.Close()
	})
}

// consoleHub is the monitor's console state: ring buffer, subscribers and
// which ttys are taken by an lxc-console.
type consoleHub struct {
	mu      sync.Mutex
	ring    *ring
	clients map[*consoleClient]bool
	// busy marks ttys (0 = console) that a client holds; the slot is
	// freed when the client's end of its token socket closes.
	busy   map[int]bool
	master *os.File // console master of the current run; nil when none
	run    int      // generation: a reboot invalidates old busy slots
}

var (
	hubsMu sync.Mutex
	hubs   = map[*monitor]*consoleHub{}
)

// hubOf returns the console state of a monitor, creating it.
func hubOf(m *monitor) *consoleHub {
	hubsMu.Lock()
	defer hubsMu.Unlock()
	h := hubs[m]
	if h == nil {
		size := int(m.cfg.ConsoleBufferSize)
		if size <= 0 {
			size = defaultRingSize
		}
		h = &consoleHub{ring: newRing(size), clients: map[*consoleClient]bool{}, busy: map[int]bool{}}
		hubs[m] = h
	}
	return h
}

// broadcast records output in the ring and queues it for every
// following client. A client that does not keep up loses output rather
// than stalling the container.
func (h *consoleHub) broadcast(p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, _ = h.ring.Write(p)
	if len(h.clients) == 0 {
		return
	}
	b := append([]byte(nil), p...)
	for c := range h.clients {
		if !c.follow {
			continue
		}
		select {
		case c.out <- b:
		default:
		}
	}
}

// addClient registers a client whose monitor-side end is sock; the
// client gets the ring contents first when snapshot is set.
func (h *consoleHub) addClient(sock *os.File, input, follow, snapshot bool, tty int) *consoleClient {
	c := &consoleClient{sock: sock, out: make(chan []byte, 256), input: input, follow: follow, done: make(chan struct{})}
	h.mu.Lock()
	if snapshot {
		c.out <- h.ring.Bytes()
	}
	master := h.master
	run := h.run
	if follow {
		h.clients[c] = true
	}
	h.mu.Unlock()
	go func() { // writer
		defer c.close()
		for {
			select {
			case b := <-c.out:
				if _, err := c.sock.Write(b); err != nil {
					return
				}
			case <-c.done:
				return
			default:
				if !follow {
					return // snapshot sent
				}
				select {
				case b := <-c.out:
					if _, err := c.sock.Write(b); err != nil {
						return
					}
				case <-c.done:
					return
				}
			}
		}
	}()
	go func() { // reader: input to the console, EOF frees the client
		buf := make([]byte, 4096)
		for {
			n, err := c.sock.Read(buf)
			if n > 0 && input && master != nil {
				_, _ = master.Write(buf[:n])
			}
			if err != nil {
				break
			}
		}
		c.close()
		h.mu.Lock()
		delete(h.clients, c)
		if tty >= 0 && h.run == run {
			delete(h.busy, tty)
		}
		h.mu.Unlock()
	}()
	return c
}

// beginRun starts a new console generation (a start or reboot).
func (h *consoleHub) beginRun(master *os.File) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.master = master
	h.run++
	h.busy = map[int]bool{}
}

// endRun disconnects every console client: the console is gone.
func (h *consoleHub) endRun() {
	h.mu.Lock()
	cs := make([]*consoleClient, 0, len(h.clients))
	for c := range h.clients {
		cs = append(cs, c)
	}
	h.clients = map[*consoleClient]bool{}
	h.master = nil
	h.mu.Unlock()
	for _, c := range cs {
		c.close()
	}
}

// openPty allocates a pty on the host's devpts and returns master and
// slave, both close-on-exec.
func openPty() (*os.File, *os.File, error) {
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(mfd)
		return nil, nil, fmt.Errorf("unlockpt: %w", err)
	}
	// O_NOCTTY: a session leader (the daemonized monitor) must never
	// acquire the console as its controlling terminal, or the hangup at
	// teardown would kill it with SIGHUP.
	sfd, err := ptyPeer(mfd, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	if err != nil {
		n, err2 := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
		if err2 != nil {
			unix.Close(mfd)
			return nil, nil, fmt.Errorf("ptsname: %w", err2)
		}
		sfd, err = unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			unix.Close(mfd)
			return nil, nil, err
		}
	}
	return os.NewFile(uintptr(mfd), "ptmx"), os.NewFile(uintptr(sfd), "pts"), nil
}

// makeRaw puts the terminal on fd into raw mode and returns a function
// restoring it; a no-op when fd is not a terminal.
func makeRaw(fd int) func() {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	t := *old
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	_ = unix.IoctlSetTermios(fd, unix.TCSETS, &t)
	return func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }
}

// ptyPeer opens the slave of a pty master by fd (TIOCGPTPEER), never by
// path.
func ptyPeer(mfd, flags int) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), uintptr(unix.TIOCGPTPEER), uintptr(flags))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// copyWinsize copies the window size of the terminal on from to the pty
// (master or slave) on to.
func copyWinsize(from, to int) {
	if ws, err := unix.IoctlGetWinsize(from, unix.TIOCGWINSZ); err == nil {
		_ = unix.IoctlSetWinsize(to, unix.TIOCSWINSZ, ws)
	}
}

// serveConsole keeps the console pty drained and fans its output out (see
// the diagram above). It returns when the console master is closed at
// teardown.
func (m *monitor) serveConsole() {
	master := m.console
	h := hubOf(m)
	h.beginRun(master)
	defer h.endRun()
	var outs []io.Writer
	if m.o.Foreground {
		outs = append(outs, os.Stdout)
		copyWinsize(0, int(master.Fd()))
		restore := makeRaw(0)
		go func() {
			_, _ = io.Copy(master, os.Stdin)
		}()
		defer restore()
	}
	if dev := m.o.ConsoleDev; dev != "" {
		// lxc-start -c DEVICE: the console is proxied to that device.
		if f, err := os.OpenFile(dev, os.O_RDWR|unix.O_NOCTTY, 0); err == nil {
			defer f.Close()
			outs = append(outs, f)
			go func() {
				_, _ = io.Copy(master, f)
			}()
		} else {
			logf(LogError, "console device %q: %v", dev, err)
		}
	}
	logPath := m.o.ConsoleLog
	if logPath == "" {
		logPath = m.cfg.ConsoleLogfile
	}
	if logPath != "" {
		l, err := openConsoleLog(logPath, m.cfg.ConsoleSize, m.cfg.ConsoleRotate)
		if err != nil {
			logf(LogError, "%v", err)
		} else {
			defer l.Close()
			outs = append(outs, l)
		}
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := master.Read(buf)
		if n > 0 {
			for _, w := range outs {
				_, _ = w.Write(buf[:n])
			}
			h.broadcast(buf[:n])
		}
		if errors.Is(err, unix.EIO) && m.console == master {
			// No process holds the slave right now (init closed the
			// fd it was given and has not opened /dev/console yet,
			// or a getty is respawning): the console lives on until
			// teardown closes the master.
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if err != nil {
			return
		}
	}
}
