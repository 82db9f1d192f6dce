package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The monitor serves requests on a SOCK_SEQPACKET unix socket,
// NAME/command in the container directory (mode 0600; the peer must be
// root or the monitor's own uid, checked with SO_PEERCRED). A refused
// connection means no monitor: the container is STOPPED.
//
// Each message is one JSON object. A request names a command; the reply
// carries the result, and fds ride along with SCM_RIGHTS (console). After
// "watch", "stop", "shutdown" and "reboot" the connection stays open and
// the monitor pushes {"type":"state"} messages; EOF means the monitor has
// exited (STOPPED).
const commandSocket = "command"

// Request is a command sent to a monitor.
type Request struct {
	Cmd   string `json:"cmd"`
	TTY   int    `json:"tty,omitempty"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
	// Timeout in seconds for freeze, -1 none.
	Timeout int `json:"timeout,omitempty"`
}

// Response is a monitor's answer or pushed state.
type Response struct {
	Type       string `json:"type,omitempty"` // "" reply, "state" pushed state, "exit"
	Error      string `json:"error,omitempty"`
	State      string `json:"state,omitempty"`
	InitPID    int    `json:"init_pid,omitempty"`
	MonitorPID int    `json:"monitor_pid,omitempty"`
	Value      string `json:"value,omitempty"`
	Exit       *int   `json:"exit,omitempty"`
	TTY        int    `json:"tty,omitempty"`
	// Info is the runtime information of a running container.
	Info *RuntimeInfo `json:"info,omitempty"`
}

// sockAddr returns an address for the socket in dir that fits sun_path,
// going through /proc/self/fd/N of an O_PATH fd for long paths. The
// returned close function releases that fd.
func sockAddr(dir string) (string, func(), error) {
	p := filepath.Join(dir, commandSocket)
	if len(p) < 100 {
		return p, func() {}, nil
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", fd, commandSocket), func() { unix.Close(fd) }, nil
}

// listenCommand binds the command socket of a container directory. A stale
// socket file from a crashed monitor is replaced: callers hold the
// container lock and have established that no monitor answers.
func listenCommand(dir string) (*net.UnixListener, error) {
	addr, done, err := sockAddr(dir)
	if err != nil {
		return nil, err
	}
	defer done()
	_ = os.Remove(filepath.Join(dir, commandSocket))
	old := unix.Umask(0o177)
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: addr, Net: "unixpacket"})
	unix.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("binding command socket: %w", err)
	}
	ln.SetUnlinkOnClose(false)
	return ln, nil
}

// Conn is a client connection to a monitor.
type Conn struct {
	c *net.UnixConn
}

// Dial connects to a container's monitor. A missing socket or refused
// connection is ErrNotRunning.
func Dial(st *Store, name string) (*Conn, error) {
	addr, done, err := sockAddr(st.Dir(name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNotRunning
		}
		return nil, err
	}
	defer done()
	// No socket file: no monitor. Checked first because most containers
	// an lxc-ls looks at are stopped, and a socket, its registration with
	// the poller and a failed connect cost several times a stat.
	var fst unix.Stat_t
	if err := unix.Lstat(addr, &fst); errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return nil, ErrNotRunning
	}
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: addr, Net: "unixpacket"})
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) {
			return nil, ErrNotRunning
		}
		return nil, err
	}
	return &Conn{c: c}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// Send sends a request.
func (c *Conn) Send(r *Request) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = c.c.Write(b)
	return err
}

// Recv reads one response and any fds sent with it. io.EOF: the monitor
// went away. A zero timeout means none.
func (c *Conn) Recv(timeout time.Duration) (*Response, []*os.File, error) {
	if timeout > 0 {
		c.c.SetReadDeadline(time.Now().Add(timeout))
		defer c.c.SetReadDeadline(time.Time{})
	}
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(16*4))
	n, oobn, flags, _, err := c.c.ReadMsgUnix(buf, oob)
	if err == nil && flags&unix.MSG_TRUNC != 0 {
		return nil, nil, fmt.Errorf("response from monitor larger than %d bytes", len(buf))
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, nil, ErrTimeout
		}
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return nil, nil, io.EOF
		}
		return nil, nil, err
	}
	files := parseRights(oob[:oobn])
	if n == 0 {
		return nil, files, io.EOF
	}
	r := &Response{}
	if err := json.Unmarshal(buf[:n], r); err != nil {
		return nil, files, fmt.Errorf("bad response from monitor: %w", err)
	}
	if r.Error != "" {
		return r, files, errors.New(r.Error)
	}
	return r, files, nil
}

// Call sends a request and reads the reply.
func (c *Conn) Call(r *Request) (*Response, []*os.File, error) {
	if err := c.Send(r); err != nil {
		return nil, nil, err
	}
	return c.Recv(0)
}

func parseRights(oob []byte) []*os.File {
	if len(oob) == 0 {
		return nil
	}
	cmsgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var files []*os.File
	for _, c := range cmsgs {
		fds, err := unix.ParseUnixRights(&c)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			unix.CloseOnExec(fd)
			files = append(files, os.NewFile(uintptr(fd), "fd"))
		}
	}
	return files
}

// command sends one request to a container's monitor and returns the
// reply; ErrNotRunning when there is no monitor.
func command(st *Store, name string, r *Request) (*Response, []*os.File, error) {
	c, err := Dial(st, name)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	resp, files, err := c.Call(r)
	if err == io.EOF {
		return nil, nil, ErrNotRunning
	}
	return resp, files, err
}

// writeResponse sends a response (and fds) on a server-side connection.
func writeResponse(c *net.UnixConn, r *Response, files ...*os.File) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var oob []byte
	if len(files) > 0 {
		fds := make([]int, len(files))
		for i, f := range files {
			fds[i] = int(f.Fd())
		}
		oob = unix.UnixRights(fds...)
	}
	_, _, err = c.WriteMsgUnix(b, oob, nil)
	return err
}

// peerAllowed checks SO_PEERCRED: root or our own uid.
func peerAllowed(c *net.UnixConn) bool {
	raw, err := c.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	raw.Control(func(fd uintptr) {
		cred, err := unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
		if err == nil && (cred.Uid == 0 || int(cred.Uid) == os.Geteuid()) {
			ok = true
		}
	})
	return ok
}
