package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// The monitor and the container's init talk over a SOCK_SEQPACKET
// socketpair (fd 3 in init). Each message is one JSON object; file
// descriptors ride along with SCM_RIGHTS. The socket is close-on-exec in
// init, so EOF after "exec" means the container's command replaced init.
//
//	monitor                                    init (pid 1, new namespaces)
//	  clone ────────────────────────────────────> LockOSThread, wait
//	  cgroups attach, host-side network
//	  {spec} ───────────────────────────────────>
//	                                             cgroupns, hostname, rootfs,
//	                                             mounts, /dev, ttys, pivot_root,
//	                                             sysctl, prlimit, proc
//	  <──────────────────── {ttys} + SCM_RIGHTS(tty masters)
//	  <──────────────────── {ready} | {error}
//	  start-host hooks
//	  {exec} ───────────────────────────────────>
//	                                             start hook, caps, no_new_privs,
//	                                             close fds, execve
//	  <──────────────────── EOF (exec done) | {error}
//
// Messages are length-checked: a message larger than maxSyncMsg is an
// error, never truncated (CVE-2021-43784).
const maxSyncMsg = 4 << 20

type syncMsg struct {
	Type  string    `json:"type"`
	Error string    `json:"error,omitempty"`
	Spec  *InitSpec `json:"spec,omitempty"`
	PID   int       `json:"pid,omitempty"`
	// Start carries lxc-start's options to a daemonized monitor.
	Start *StartOptions `json:"start,omitempty"`
}

// sendMsg writes one message with optional fds.
func sendMsg(f *os.File, m *syncMsg, fds ...int) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if len(b) > maxSyncMsg {
		return fmt.Errorf("sync message %q too large (%d bytes)", m.Type, len(b))
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	for {
		err = unix.Sendmsg(int(f.Fd()), b, oob, nil, 0)
		if err != unix.EINTR {
			return err
		}
	}
}

// recvMsg reads one message and any fds passed with it. io.EOF means the
// peer closed (for init: exec'd).
func recvMsg(f *os.File) (*syncMsg, []*os.File, error) {
	// Peek at the size of the next message first: most are tiny, and a
	// 4 MiB buffer per message costs a GC cycle in every init.
	var n, oobn int
	var err error
	size := 0
	for {
		size, _, err = unix.Recvfrom(int(f.Fd()), nil, unix.MSG_PEEK|unix.MSG_TRUNC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if size > maxSyncMsg {
		return nil, nil, fmt.Errorf("sync message too large (%d bytes)", size)
	}
	buf := make([]byte, max(size, 1))
	oob := make([]byte, unix.CmsgSpace(64*4))
	for {
		n, oobn, _, _, err = unix.Recvmsg(int(f.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, nil, err
	}
	var files []*os.File
	if oobn > 0 {
		cmsgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cmsgs {
			fds, err := unix.ParseUnixRights(&c)
			if err != nil {
				continue
			}
			for _, fd := range fds {
				files = append(files, os.NewFile(uintptr(fd), "passed-fd"))
			}
		}
	}
	if n == 0 {
		for _, f := range files {
			f.Close()
		}
		return nil, nil, io.EOF
	}
	m := &syncMsg{}
	if err := json.Unmarshal(buf[:n], m); err != nil {
		return nil, files, fmt.Errorf("bad sync message: %w", err)
	}
	if m.Type == "error" {
		return m, files, errors.New(m.Error)
	}
	return m, files, nil
}

// socketpair returns a connected SOCK_SEQPACKET pair, close-on-exec.
func socketpair() (*os.File, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	for _, fd := range fds {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, maxSyncMsg)
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, maxSyncMsg)
	}
	return os.NewFile(uintptr(fds[0]), "sync-parent"), os.NewFile(uintptr(fds[1]), "sync-child"), nil
}
