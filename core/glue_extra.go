package core

import (
	"os"

	"golang.org/x/sys/unix"
)

const cloneNewNet = unix.CLONE_NEWNET

// dispatchExtra answers commands of later features; ok is false for
// unknown commands.
func (m *monitor) dispatchExtra(r *Request) (*Response, []*os.File, bool) {
	if resp, ok := m.cgroupCommand(r); ok {
		return resp, nil, true
	}
	if consoleHandler != nil {
		if resp, files, ok := consoleHandler(m, r); ok {
			return resp, files, true
		}
	}
	return nil, nil, false
}

// runtimeInfo gathers what lxc-info shows about the running container.
func (m *monitor) runtimeInfo() *RuntimeInfo {
	ri := &RuntimeInfo{}
	m.cgroupStats(ri)
	m.netInfo(ri)
	return ri
}

// consoleHandler serves the console commands (tty fds, console log); set
// by the console code.
var consoleHandler func(m *monitor, r *Request) (*Response, []*os.File, bool)
