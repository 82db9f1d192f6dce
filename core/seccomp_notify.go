package core

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The notify action of lxc.seccomp.profile (lxc.container.conf(5),
// lxc.seccomp.notify.proxy and lxc.seccomp.notify.cookie), as LXC 5.0.2:
//
//	init                         monitor                          proxy
//	 seccomp(SET_MODE_FILTER,
//	   NEW_LISTENER) → fd
//	 {seccomp-listener}+fd ───>  poll(listener)
//	 close(fd), exec             RECV seccomp_notif
//	                             connect unix:PATH|@NAME (SEQPACKET)
//	                             msg+notif+resp+cookie, ──────────> decides
//	                               fds /proc/PID, /proc/PID/mem
//	                             <──────────────────── msg+notif+resp
//	                             ID_VALID, SEND seccomp_notif_resp
//
// msg is struct seccomp_notify_proxy_msg (lxcseccomp.h): u64 reserved,
// i32 monitor_pid, i32 init_pid, struct seccomp_notif_sizes (3 x u16, as
// the kernel reports them), u64 cookie_len; 32 bytes with the padding.
//
// Whenever the proxy is not configured, cannot be reached, fails or
// answers garbage, the syscall fails with ENOSYS: LXC's default answer. A
// process is never left waiting. (LXC without a proxy leaves the listener
// unpolled, and refuses to start when the proxy is unreachable; we start,
// log the error and answer ENOSYS, retrying the proxy at each
// notification as LXC's reconnect does.)

// syncSeccompListener is the sync message that carries the listener fd.
const syncSeccompListener = "seccomp-listener"

// Layout of the kernel's and LXC's structs (little endian, amd64).
const (
	proxyMsgSize   = 32 // struct seccomp_notify_proxy_msg
	notifSize      = 80 // struct seccomp_notif: id, pid, flags, seccomp_data
	notifRespSize  = 24 // struct seccomp_notif_resp: id, val, error, flags
	notifDataSize  = 64 // struct seccomp_data
	seccompGetSize = 3  // SECCOMP_GET_NOTIF_SIZES
	// proxyTimeout bounds a proxy round trip (LXC: 30 s socket timeouts).
	proxyTimeout = 30 * time.Second
)

// notifSizes is struct seccomp_notif_sizes.
type notifSizes struct {
	Notif, Resp, Data uint16
}

// kernelNotifSizes asks the kernel for its struct sizes; they may be
// larger than ours on a newer kernel, never smaller.
func kernelNotifSizes() (notifSizes, error) {
	var s notifSizes
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, seccompGetSize, 0, uintptr(unsafe.Pointer(&s)))
	if errno != 0 {
		return s, fmt.Errorf("seccomp(SECCOMP_GET_NOTIF_SIZES): %w", errno)
	}
	if s.Notif < notifSize || s.Resp < notifRespSize || s.Data < notifDataSize {
		return s, fmt.Errorf("unexpected seccomp notify sizes %+v", s)
	}
	return s, nil
}

var le = binary.LittleEndian

// seccompNotif is the part of struct seccomp_notif we read.
type seccompNotif struct {
	ID    uint64
	PID   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

func decodeNotif(b []byte) seccompNotif {
	n := seccompNotif{ID: le.Uint64(b[0:]), PID: le.Uint32(b[8:]), Flags: le.Uint32(b[12:]),
		Nr: int32(le.Uint32(b[16:])), Arch: le.Uint32(b[20:]), IP: le.Uint64(b[24:])}
	for i := range n.Args {
		n.Args[i] = le.Uint64(b[32+8*i:])
	}
	return n
}

// seccompNotifResp is struct seccomp_notif_resp.
type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32 // a negative errno, or 0
	Flags uint32
}

func (r seccompNotifResp) encode(b []byte) {
	le.PutUint64(b[0:], r.ID)
	le.PutUint64(b[8:], uint64(r.Val))
	le.PutUint32(b[16:], uint32(r.Error))
	le.PutUint32(b[20:], r.Flags)
}

func decodeNotifResp(b []byte) seccompNotifResp {
	return seccompNotifResp{ID: le.Uint64(b[0:]), Val: int64(le.Uint64(b[8:])),
		Error: int32(le.Uint32(b[16:])), Flags: le.Uint32(b[20:])}
}

// encodeProxyMsg builds what goes to the proxy: the header, the
// notification and a response template (its id set), then the cookie.
func encodeProxyMsg(monitorPID, initPID int, sz notifSizes, notif []byte, cookie string) []byte {
	b := make([]byte, proxyMsgSize+int(sz.Notif)+int(sz.Resp)+len(cookie))
	le.PutUint32(b[8:], uint32(int32(monitorPID)))
	le.PutUint32(b[12:], uint32(int32(initPID)))
	le.PutUint16(b[16:], sz.Notif)
	le.PutUint16(b[18:], sz.Resp)
	le.PutUint16(b[20:], sz.Data)
	le.PutUint64(b[24:], uint64(len(cookie)))
	copy(b[proxyMsgSize:proxyMsgSize+int(sz.Notif)], notif)
	resp := b[proxyMsgSize+int(sz.Notif):]
	seccompNotifResp{ID: le.Uint64(notif)}.encode(resp)
	copy(b[proxyMsgSize+int(sz.Notif)+int(sz.Resp):], cookie)
	return b
}

// decodeProxyReply checks the proxy's answer (header, notification,
// response; no cookie) and returns the response for notification id.
func decodeProxyReply(b []byte, sz notifSizes, id uint64) (seccompNotifResp, error) {
	want := proxyMsgSize + int(sz.Notif) + int(sz.Resp)
	if len(b) != want {
		return seccompNotifResp{}, fmt.Errorf("proxy answered %d bytes, want %d", len(b), want)
	}
	if le.Uint64(b) != 0 {
		return seccompNotifResp{}, errors.New("proxy filled reserved data in its answer")
	}
	r := decodeNotifResp(b[proxyMsgSize+int(sz.Notif):])
	if r.ID != id {
		return seccompNotifResp{}, fmt.Errorf("proxy answered for notification %#x, not %#x", r.ID, id)
	}
	return r, nil
}

// proxySockaddr turns lxc.seccomp.notify.proxy ("unix:/path" or
// "unix:@name") into a socket address; x/sys/unix makes a leading '@'
// an abstract name.
func proxySockaddr(v string) (*unix.SockaddrUnix, error) {
	p, ok := strings.CutPrefix(v, "unix:")
	if !ok || p == "" || p == "@" {
		return nil, fmt.Errorf("lxc.seccomp.notify.proxy %q: want unix:PATH or unix:@NAME", v)
	}
	if len(p) >= 108 {
		return nil, fmt.Errorf("lxc.seccomp.notify.proxy %q: address too long", v)
	}
	return &unix.SockaddrUnix{Name: p}, nil
}

// applySeccomp loads the seccomp program init prepared (nil: none). With
// notify rules the filter comes with a listener, which goes to the
// monitor over the sync socket and is closed here: init keeps nothing a
// process of the container could use to answer its own notifications.
func applySeccomp(p *SeccompProgram, syncf *os.File) error {
	if p == nil || !p.Notify {
		return p.Apply()
	}
	fd, err := p.load(true)
	if err != nil || fd < 0 {
		return err
	}
	err = sendMsg(syncf, &syncMsg{Type: syncSeccompListener}, fd)
	unix.Close(fd)
	if err != nil {
		return fmt.Errorf("sending the seccomp listener to the monitor: %w", err)
	}
	return nil
}

// seccompNotifier answers the notifications of one container run.
type seccompNotifier struct {
	listener *os.File
	proxy    int // connected proxy socket, or -1
	addr     *unix.SockaddrUnix
	cookie   string
	sizes    notifSizes
	monPID   int
	initPID  int
	req      []byte
	// stopR/stopW: closing stopW wakes the loop to end it.
	stopR, stopW int
	done         chan struct{}
	warned       bool
}

// startSeccompNotify starts answering the notifications of listener for
// the container of cfg (monitor side). It takes listener over; a nil
// result means the listener was closed (every notification then fails
// with ENOSYS in the kernel).
func startSeccompNotify(listener *os.File, cfg *Config, initPID int) *seccompNotifier {
	sz, err := kernelNotifSizes()
	if err != nil {
		logf(LogError, "seccomp notify: %v", err)
		listener.Close()
		return nil
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		logf(LogError, "seccomp notify: %v", err)
		listener.Close()
		return nil
	}
	n := &seccompNotifier{listener: listener, proxy: -1, cookie: cfg.SeccompNotifyCookie, sizes: sz,
		monPID: os.Getpid(), initPID: initPID, req: make([]byte, sz.Notif),
		stopR: p[0], stopW: p[1], done: make(chan struct{})}
	if cfg.SeccompNotifyProxy != "" {
		if n.addr, err = proxySockaddr(cfg.SeccompNotifyProxy); err != nil {
			logf(LogError, "seccomp notify: %v", err)
		} else if err := n.connect(); err != nil {
			// LXC fails the start here; we answer ENOSYS until the
			// proxy can be reached.
			logf(LogError, "seccomp notify: %v", err)
		}
	}
	go n.loop()
	return n
}

// stop ends the loop and closes everything; nil-safe, for teardown.
func (n *seccompNotifier) stop() {
	if n == nil {
		return
	}
	unix.Close(n.stopW)
	select {
	case <-n.done:
	case <-time.After(5 * time.Second):
		// Never close fds under a running loop (they could be reused).
		logf(LogError, "seccomp notify: handler did not stop")
		return
	}
	unix.Close(n.stopR)
	n.listener.Close()
	if n.proxy >= 0 {
		unix.Close(n.proxy)
		n.proxy = -1
	}
}

func (n *seccompNotifier) loop() {
	defer close(n.done)
	lfd := int32(n.listener.Fd())
	for {
		fds := []unix.PollFd{{Fd: lfd, Events: unix.POLLIN}, {Fd: int32(n.stopR), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			logf(LogError, "seccomp notify: poll: %v", err)
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			n.handle()
			continue
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			return // no process uses the filter any more
		}
	}
}

// ioctl on the listener with a pointer argument.
func (n *seccompNotifier) ioctl(req uint, arg unsafe.Pointer) error {
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, n.listener.Fd(), uintptr(req), uintptr(arg))
		if errno != unix.EINTR {
			if errno != 0 {
				return errno
			}
			return nil
		}
	}
}

// idValid reports whether notification id is still pending (its task
// has not been killed, its pid not reused).
func (n *seccompNotifier) idValid(id uint64) bool {
	return n.ioctl(unix.SECCOMP_IOCTL_NOTIF_ID_VALID, unsafe.Pointer(&id)) == nil
}

// handle receives one notification and answers it. poll said a
// notification is pending, so RECV does not block (it fails with ENOENT
// if the task was killed meanwhile).
func (n *seccompNotifier) handle() {
	clear(n.req) // the kernel wants a zeroed buffer
	if err := n.ioctl(unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&n.req[0])); err != nil {
		if err != unix.ENOENT {
			logf(LogError, "seccomp notify: receiving a notification: %v", err)
		}
		return
	}
	notif := decodeNotif(n.req)
	resp, err := n.forward(notif)
	if err != nil {
		if !n.warned || !errors.Is(err, errNoProxy) {
			logf(LogError, "seccomp notify: syscall %d of pid %d: %v; answering ENOSYS", notif.Nr, notif.PID, err)
		}
		n.warned = n.warned || errors.Is(err, errNoProxy)
		resp = seccompNotifResp{ID: notif.ID, Error: -int32(unix.ENOSYS)}
	}
	if !n.idValid(notif.ID) {
		return // the caller is gone
	}
	var b [notifRespSize]byte
	resp.encode(b[:])
	if err := n.ioctl(unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&b[0])); err != nil && err != unix.ENOENT {
		logf(LogError, "seccomp notify: answering notification %#x: %v", notif.ID, err)
	}
}

var errNoProxy = errors.New("no seccomp proxy registered (lxc.seccomp.notify.proxy)")

// connect (re)connects to the proxy.
func (n *seccompNotifier) connect() error {
	if n.proxy >= 0 {
		unix.Close(n.proxy)
		n.proxy = -1
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("seccomp proxy socket: %w", err)
	}
	if err := unix.Connect(fd, n.addr); err != nil {
		unix.Close(fd)
		return fmt.Errorf("connecting to the seccomp proxy %q: %w", n.addr.Name, err)
	}
	tv := unix.NsecToTimeval(proxyTimeout.Nanoseconds())
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	n.proxy = fd
	return nil
}

// forward hands a notification to the proxy and returns its answer.
func (n *seccompNotifier) forward(notif seccompNotif) (seccompNotifResp, error) {
	var none seccompNotifResp
	if n.addr == nil {
		return none, errNoProxy
	}
	if n.proxy < 0 {
		if err := n.connect(); err != nil {
			return none, err
		}
	}
	// As LXC, the proxy gets the caller's /proc/PID directory and memory,
	// opened before ID_VALID proves the pid still is the caller.
	pidDir, err := unix.Open(fmt.Sprintf("/proc/%d", notif.PID), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return none, fmt.Errorf("opening /proc/%d: %w", notif.PID, err)
	}
	defer unix.Close(pidDir)
	mem, err := unix.Open(fmt.Sprintf("/proc/%d/mem", notif.PID), unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return none, fmt.Errorf("opening /proc/%d/mem: %w", notif.PID, err)
	}
	defer func() {
		if mem >= 0 {
			unix.Close(mem)
		}
	}()
	if !n.idValid(notif.ID) {
		return none, errors.New("the notification is no longer valid")
	}
	msg := encodeProxyMsg(n.monPID, n.initPID, n.sizes, n.req, n.cookie)
	rights := unix.UnixRights(pidDir, mem)
	for attempt := 0; ; attempt++ {
		k, err := unix.SendmsgN(n.proxy, msg, rights, nil, unix.MSG_NOSIGNAL)
		if err == nil && k == len(msg) {
			break
		}
		if err == nil {
			err = fmt.Errorf("short write (%d of %d bytes)", k, len(msg))
		}
		if attempt > 0 {
			unix.Close(n.proxy)
			n.proxy = -1
			return none, fmt.Errorf("sending to the seccomp proxy: %w", err)
		}
		if cerr := n.connect(); cerr != nil {
			return none, fmt.Errorf("sending to the seccomp proxy: %w; %w", err, cerr)
		}
	}
	unix.Close(mem)
	mem = -1
	b, err := n.readReply(len(msg) - len(n.cookie))
	if err != nil {
		// A late answer would be taken for the next one: start over.
		unix.Close(n.proxy)
		n.proxy = -1
		return none, err
	}
	return decodeProxyReply(b, n.sizes, notif.ID)
}

// readReply waits for the proxy's answer (at most proxyTimeout, and not
// past stop) and reads it whole.
func (n *seccompNotifier) readReply(size int) ([]byte, error) {
	deadline := time.Now().Add(proxyTimeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil, errors.New("the seccomp proxy did not answer in time")
		}
		fds := []unix.PollFd{{Fd: int32(n.proxy), Events: unix.POLLIN}, {Fd: int32(n.stopR), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, int(left.Milliseconds())+1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return nil, err
		}
		if fds[1].Revents != 0 {
			return nil, errors.New("stopping")
		}
		if fds[0].Revents == 0 {
			continue
		}
		buf := make([]byte, size)
		k, _, _, _, err := unix.Recvmsg(n.proxy, buf, nil, unix.MSG_TRUNC|unix.MSG_DONTWAIT)
		if err == unix.EAGAIN || err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the seccomp proxy's answer: %w", err)
		}
		if k == 0 {
			return nil, errors.New("the seccomp proxy closed the connection")
		}
		if k != size {
			return nil, fmt.Errorf("proxy answered %d bytes, want %d", k, size)
		}
		return buf, nil
	}
}
