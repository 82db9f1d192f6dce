package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// State events are published without a central daemon: each monitor
// appends one JSON line per event to an append-only log in its lxcpath,
// and watchers (lxc-monitor, lxc-wait) tail it with inotify. A watcher
// opens the log and seeks to its end before it reads a container's
// current state, so no transition can fall between the two.
//
// The log is bounded: a writer that finds it larger than eventLogMax
// renames it to eventLogOld (under an flock) and starts a new one.
// Watchers drain the renamed file before they switch to the new one.
const (
	eventLogName = ".lxc-events"
	eventLogOld  = ".lxc-events.1"
	eventLogMax  = 1 << 20
)

// Event is one state change or init exit of a container.
type Event struct {
	Time    int64  `json:"time"` // unix nanoseconds
	LXCPath string `json:"lxcpath"`
	Name    string `json:"name"`
	State   string `json:"state,omitempty"`
	// Exit is the init's exit status ("exited with status [N]").
	Exit *int `json:"exit,omitempty"`
	// Signal is the signal that killed the init, if one did (then Exit
	// is 0, as LXC reports it).
	Signal int `json:"signal,omitempty"`
}

// publishEvent appends ev to the event log of lxcpath.
func publishEvent(lxcpath string, ev Event) error {
	ev.Time = time.Now().UnixNano()
	ev.LXCPath = lxcpath
	line, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	path := filepath.Join(lxcpath, eventLogName)
	// Plain system calls: a monitor publishes several events per start,
	// stop and freeze, and os.OpenFile would add a poller registration
	// attempt and two O_NONBLOCK toggles to each.
	for attempt := 0; attempt < 5; attempt++ {
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
		if err != nil {
			return &os.PathError{Op: "open", Path: path, Err: err}
		}
		if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
			unix.Close(fd)
			return err
		}
		// Another writer may have rotated the file between our open
		// and our lock: then write to the new one.
		var fst, pst unix.Stat_t
		if unix.Fstat(fd, &fst) != nil || unix.Stat(path, &pst) != nil || fst.Ino != pst.Ino {
			unix.Close(fd)
			continue
		}
		if fst.Size+int64(len(line)) > eventLogMax {
			if err := os.Rename(path, filepath.Join(lxcpath, eventLogOld)); err == nil {
				unix.Close(fd)
				continue
			}
		}
		n, err := unix.Write(fd, line)
		unix.Close(fd)
		if err == nil && n < len(line) {
			err = io.ErrShortWrite
		}
		if err != nil {
			return &os.PathError{Op: "write", Path: path, Err: err}
		}
		return nil
	}
	return fmt.Errorf("event log %q keeps changing", path)
}

// EventWatcher tails the event log of one lxcpath.
type EventWatcher struct {
	LXCPath string
	dir     string
	f       *os.File
	ino     uint64
	ifd     int
	buf     []byte
}

// WatchEvents starts watching lxcpath's events from now on.
func WatchEvents(lxcpath string) (*EventWatcher, error) {
	if err := os.MkdirAll(lxcpath, 0o755); err != nil {
		return nil, err
	}
	ifd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	if _, err := unix.InotifyAddWatch(ifd, lxcpath, unix.IN_MODIFY|unix.IN_CREATE|unix.IN_MOVED_TO|unix.IN_MOVED_FROM); err != nil {
		unix.Close(ifd)
		return nil, fmt.Errorf("inotify on %q: %w", lxcpath, err)
	}
	w := &EventWatcher{LXCPath: lxcpath, dir: lxcpath, ifd: ifd}
	if err := w.open(true); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func (w *EventWatcher) open(atEnd bool) error {
	path := filepath.Join(w.dir, eventLogName)
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return err
	}
	if atEnd {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return err
		}
	}
	if w.f != nil {
		w.f.Close()
	}
	w.f, w.ino, w.buf = f, st.Ino, w.buf[:0]
	return nil
}

// Close releases the watcher.
func (w *EventWatcher) Close() {
	if w.f != nil {
		w.f.Close()
	}
	unix.Close(w.ifd)
}

// ErrTimeout is returned by Next when no event arrived in time.
var ErrTimeout = errors.New("timed out")

// Next returns the next event, waiting at most timeout (negative: no
// limit).
func (w *EventWatcher) Next(timeout time.Duration) (*Event, error) {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	chunk := make([]byte, 64<<10)
	for {
		if i := bytes.IndexByte(w.buf, '\n'); i >= 0 {
			line := w.buf[:i]
			w.buf = w.buf[i+1:]
			ev := &Event{}
			if err := json.Unmarshal(line, ev); err != nil {
				continue
			}
			return ev, nil
		}
		n, err := w.f.Read(chunk)
		if n > 0 {
			w.buf = append(w.buf, chunk[:n]...)
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		// At the end of our file: has it been rotated away?
		var st unix.Stat_t
		if unix.Stat(filepath.Join(w.dir, eventLogName), &st) == nil && st.Ino != w.ino {
			if err := w.open(false); err != nil {
				return nil, err
			}
			continue
		}
		wait := -1
		if timeout >= 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return nil, ErrTimeout
			}
			wait = int(left/time.Millisecond) + 1
		}
		fds := []unix.PollFd{{Fd: int32(w.ifd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, wait); err != nil && err != unix.EINTR {
			return nil, err
		}
		// Drain inotify; the file itself is re-read above.
		ib := make([]byte, 4096)
		for {
			if n, _ := unix.Read(w.ifd, ib); n <= 0 {
				break
			}
		}
	}
}
