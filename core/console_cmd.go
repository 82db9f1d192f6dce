package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Console commands of the monitor's command socket:
//
//	{"cmd":"console","tty":N}     N = -1 first free tty, 0 the console, 1..lxc.tty.max
//	   tty N>0: reply {"tty":N} + fds [dup of the tty's pty master, token socket]
//	   tty 0:   reply {"tty":0} + fds [data socket: console output out, input in]
//	   The slot stays busy until the client closes its token (or data)
//	   socket, whatever happens to the command connection: the kernel
//	   closes it when the client dies. Refused: {"error":"Denied access to tty"}.
//	{"cmd":"console_winsize","tty":0,"value":"ROWS COLS"}   resize the console
//	{"cmd":"console_log","key":""|"follow"}   reply + fd [socket]: the ring
//	   buffer, then EOF; with "follow" live output continues until the
//	   console goes away.
//	{"cmd":"attach_info"}   reply value = attachInfo as JSON (lxc-attach)
func init() {
	consoleHandler = consoleCommand
}

// errDenied is LXC's refusal of a busy or absent tty.
const errDenied = "Denied access to tty"

func consoleCommand(m *monitor, r *Request) (*Response, []*os.File, bool) {
	switch r.Cmd {
	case "console":
		resp, files := m.consoleTTY(r.TTY)
		return resp, files, true
	case "console_winsize":
		var rows, cols uint16
		if _, err := fmt.Sscanf(r.Value, "%d %d", &rows, &cols); err != nil {
			return &Response{Error: "bad window size"}, nil, true
		}
		f := m.console
		if r.TTY > 0 && r.TTY <= len(m.ttys) {
			f = m.ttys[r.TTY-1]
		}
		if f == nil {
			return &Response{Error: errDenied}, nil, true
		}
		_ = unix.IoctlSetWinsize(int(f.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
		return &Response{}, nil, true
	case "console_log":
		mine, theirs, err := streamPair()
		if err != nil {
			return &Response{Error: err.Error()}, nil, true
		}
		follow := r.Key == "follow"
		hubOf(m).addClient(mine, false, follow, true, -1)
		return &Response{}, []*os.File{theirs}, true
	case "attach_info":
		b, err := json.Marshal(m.attachInfo())
		if err != nil {
			return &Response{Error: err.Error()}, nil, true
		}
		return &Response{InitPID: m.initPID, Value: string(b)}, nil, true
	}
	return nil, nil, false
}

// streamPair returns a connected stream socket pair: the monitor's end
// (non-blocking, so closing it wakes its reader) and the client's end.
func streamPair() (mine, theirs *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	_ = unix.SetNonblock(fds[0], true)
	return os.NewFile(uintptr(fds[0]), "console-monitor"), os.NewFile(uintptr(fds[1]), "console-client"), nil
}

// consoleTTY hands out tty n (see the protocol above).
func (m *monitor) consoleTTY(n int) (*Response, []*os.File) {
	if m.initPID == 0 {
		return &Response{Error: ErrNotRunning.Error()}, nil
	}
	h := hubOf(m)
	h.mu.Lock()
	ntty := len(m.ttys)
	if n == -1 {
		for i := 1; i <= ntty; i++ {
			if !h.busy[i] {
				n = i
				break
			}
		}
	}
	switch {
	case n < 0 || n > ntty, n == 0 && m.console == nil, h.busy[n]:
		h.mu.Unlock()
		return &Response{Error: errDenied}, nil
	}
	h.busy[n] = true
	run := h.run
	h.mu.Unlock()
	free := func() {
		h.mu.Lock()
		if h.run == run {
			delete(h.busy, n)
		}
		h.mu.Unlock()
	}
	mine, theirs, err := streamPair()
	if err != nil {
		free()
		return &Response{Error: err.Error()}, nil
	}
	if n == 0 {
		h.addClient(mine, true, true, false, 0)
		return &Response{TTY: 0}, []*os.File{theirs}
	}
	dup, err := unix.FcntlInt(m.ttys[n-1].Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		free()
		mine.Close()
		theirs.Close()
		return &Response{Error: err.Error()}, nil
	}
	go func() {
		// The token: EOF when the client is gone.
		_, _ = io.Copy(io.Discard, mine)
		mine.Close()
		free()
	}()
	return &Response{TTY: n}, []*os.File{os.NewFile(uintptr(dup), "tty-master"), theirs}
}

// attachInfo is what lxc-attach needs from the monitor: the init, the
// running configuration (capabilities, no_new_privs) and the cgroups to
// join.
type attachInfo struct {
	InitPID int            `json:"init_pid"`
	Config  *Config        `json:"config"`
	Cgroups []attachCgroup `json:"cgroups"`
}

// attachCgroup is one cgroup of the container's processes.
type attachCgroup struct {
	Version int    `json:"version"`
	Dir     string `json:"dir"`
}

func (m *monitor) attachInfo() *attachInfo {
	ai := &attachInfo{InitPID: m.initPID, Config: m.cfg}
	if m.cg != nil {
		for _, p := range m.cg.Placements() {
			ai.Cgroups = append(ai.Cgroups, attachCgroup{Version: p.Version, Dir: p.InitDir()})
		}
	}
	return ai
}

// ErrNotTerminal means lxc-console's stdin is not a terminal.
var ErrNotTerminal = errors.New("stdin is not a terminal")

// ErrTTYDenied means the tty is busy or does not exist.
var ErrTTYDenied = errors.New(errDenied)

// ConsoleOptions are lxc-console's options.
type ConsoleOptions struct {
	// TTY is -1 for the first free tty, 0 for /dev/console.
	TTY int
	// Escape is the prefix key as a control character (1 = Ctrl-a).
	Escape byte
	// Quiet leaves out the banner.
	Quiet bool
}

// ParseEscape reads lxc-console -e: "^b" or "b" both mean Ctrl-b.
func ParseEscape(s string) (byte, error) {
	s = strings.TrimPrefix(s, "^")
	if len(s) != 1 {
		return 0, fmt.Errorf("invalid escape character %q", s)
	}
	c := s[0]
	switch {
	case c >= 'a' && c <= 'z':
		return c - 'a' + 1, nil
	case c >= 'A' && c <= 'Z':
		return c - 'A' + 1, nil
	}
	return 0, fmt.Errorf("invalid escape character %q", s)
}

// Console connects the terminal on stdin/stdout to a tty of a running
// container until the escape sequence (<prefix> q) is typed or the
// container stops.
func Console(st *Store, name string, o ConsoleOptions) error {
	conn, err := Dial(st, name)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err != nil {
		return ErrNotTerminal
	}
	resp, files, err := conn.Call(&Request{Cmd: "console", TTY: o.TTY})
	if err == io.EOF {
		return ErrNotRunning
	}
	if err != nil {
		for _, f := range files {
			f.Close()
		}
		if err.Error() == errDenied {
			return ErrTTYDenied
		}
		if err.Error() == ErrNotRunning.Error() {
			return ErrNotRunning
		}
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("monitor sent no console fd")
	}
	for _, f := range files {
		defer f.Close()
	}
	peer := files[0]
	if o.Escape == 0 {
		o.Escape = 1
	}
	if !o.Quiet {
		e := 'a' + o.Escape - 1
		fmt.Fprintf(os.Stderr, "\nConnected to tty %d\nType <Ctrl+%c q> to exit the console, <Ctrl+%c Ctrl+%c> to enter Ctrl+%c itself\n",
			resp.TTY, e, e, e, e)
	}
	var connMu sync.Mutex
	resize := func() {
		if resp.TTY > 0 {
			copyWinsize(0, int(peer.Fd()))
			return
		}
		ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ)
		if err != nil {
			return
		}
		connMu.Lock()
		_, _, _ = conn.Call(&Request{Cmd: "console_winsize", TTY: 0, Value: fmt.Sprintf("%d %d", ws.Row, ws.Col)})
		connMu.Unlock()
	}
	resize()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	defer signal.Stop(winch)
	go func() {
		for range winch {
			resize()
		}
	}()
	restore := makeRaw(0)
	defer restore()
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(os.Stdout, peer)
		done <- struct{}{}
	}()
	go func() {
		proxyInput(os.Stdin, peer, o.Escape)
		done <- struct{}{}
	}()
	<-done
	return nil
}

// proxyInput copies keyboard input to w until <escape> q. The escape key
// followed by any other key sends that key only, so the escape key twice
// sends it once (LXC's src/lxc/terminal.c).
func proxyInput(r io.Reader, w io.Writer, escape byte) {
	buf := make([]byte, 1024)
	sawEscape := false
	for {
		n, err := r.Read(buf)
		out := make([]byte, 0, n)
		for _, c := range buf[:n] {
			if c == escape && !sawEscape {
				sawEscape = true
				continue
			}
			if sawEscape {
				sawEscape = false
				if c == 'q' {
					if len(out) > 0 {
						_, _ = w.Write(out)
					}
					return
				}
			}
			out = append(out, c)
		}
		if len(out) > 0 {
			if _, werr := w.Write(out); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// ConsoleLog writes the console ring buffer of a running container to w;
// with follow, live console output continues until the container stops.
func ConsoleLog(st *Store, name string, follow bool, w io.Writer) error {
	key := ""
	if follow {
		key = "follow"
	}
	_, files, err := command(st, name, &Request{Cmd: "console_log", Key: key})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("monitor sent no console log fd")
	}
	for _, f := range files[1:] {
		f.Close()
	}
	defer files[0].Close()
	_, err = io.Copy(w, files[0])
	return err
}
