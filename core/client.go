package core

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func statusOf(s *Store, name string) Status {
	st := Status{State: STOPPED}
	resp, _, err := command(s, name, &Request{Cmd: "state"})
	if err != nil {
		return st
	}
	if v, err := ParseState(resp.State); err == nil {
		st.State = v
	}
	st.InitPID, st.MonitorPID = resp.InitPID, resp.MonitorPID
	return st
}

func runtimeInfo(s *Store, name string) (*RuntimeInfo, error) {
	resp, _, err := command(s, name, &Request{Cmd: "info"})
	if err != nil {
		return nil, err
	}
	if resp.Info == nil {
		return &RuntimeInfo{}, nil
	}
	return resp.Info, nil
}

// Start starts a container (lxc-start, lxc-execute). With o.Daemon it
// returns once the container is RUNNING; otherwise it runs the monitor in
// this process and returns the init's exit status when the container
// stops. The container lock is held until RUNNING (or failure).
func Start(st *Store, o *StartOptions) (int, error) {
	o.LXCPath = st.Path
	closeInheritedOnExec()
	if err := ValidateNetwork(o.Config); err != nil {
		return -1, err
	}
	dir := st.Dir(o.Name)
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		if err := os.MkdirAll(dir, 0o770); err != nil {
			return -1, err
		}
		o.CreatedDir = true
	}
	unlock, err := lockContainer(st, o.Name)
	if err != nil {
		return -1, err
	}
	locked := true
	release := func() {
		if locked {
			unlock()
			locked = false
		}
	}
	defer release()
	if s := statusOf(st, o.Name); s.State != STOPPED {
		return -1, ErrRunning
	}
	if o.Daemon {
		return startDaemon(st, o)
	}
	if o.PidFile != "" {
		if err := os.WriteFile(o.PidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			return -1, err
		}
		defer os.Remove(o.PidFile)
	}
	var startErr error
	status, err := runMonitor(st, o, func(s State, err error) {
		startErr = err
		release()
	})
	if err != nil {
		return -1, err
	}
	return status, startErr
}

// startDaemon spawns a monitor in the background and waits until it
// reports RUNNING or the reason it failed.
func startDaemon(st *Store, o *StartOptions) (int, error) {
	parent, child, err := socketpair()
	if err != nil {
		return -1, err
	}
	defer parent.Close()
	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        []string{"[lxc monitor] " + st.Path + " " + o.Name},
		Env:         monitorEnv(),
		ExtraFiles:  []*os.File{child},
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := spawnMonitor(o, cmd); err != nil {
		child.Close()
		return -1, fmt.Errorf("starting the monitor: %w", err)
	}
	child.Close()
	defer cmd.Process.Release()
	if o.PidFile != "" {
		if err := os.WriteFile(o.PidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
			_ = cmd.Process.Kill()
			return -1, err
		}
	}
	if err := sendMsg(parent, &syncMsg{Type: "start", Start: o}); err != nil {
		_ = cmd.Process.Kill()
		return -1, err
	}
	m, _, err := recvMsg(parent)
	if err == io.EOF {
		return -1, errors.New("the monitor exited before the container was running")
	}
	if err != nil {
		if m != nil && m.Type == "error" {
			// The monitor closes the socket once nothing of the
			// start is left (its own cgroup included): return no
			// earlier.
			awaitEOF(parent, 10*time.Second)
		}
		return -1, err
	}
	if m.Type != "running" {
		return -1, fmt.Errorf("unexpected message %q from the monitor", m.Type)
	}
	return 0, nil
}

// awaitEOF waits until the peer of f closes, at most timeout.
func awaitEOF(f *os.File, timeout time.Duration) {
	pfd := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 512)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		n, err := unix.Poll(pfd, int(left/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return
		}
		if pfd[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			return
		}
		if k, _, err := unix.Recvfrom(int(f.Fd()), buf, unix.MSG_DONTWAIT); err == nil && k == 0 {
			return
		} else if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			return
		}
	}
}

// monitorEnv is the daemon monitor's environment: the caller's (hooks
// see it), with GOMAXPROCS=1 unless the caller chose a value, which the
// monitor removes again at once (monitorMain). One P is all a monitor
// needs; with more, every wake-up of a goroutine also wakes an idle
// thread to look for work, which is most of the context switches when
// many containers start at once.
func monitorEnv() []string {
	env := append(os.Environ(), "_LXC_MONITOR=1")
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		env = append(env, "GOMAXPROCS=1", "_LXC_GOMAXPROCS=1")
	}
	return env
}

// StopOptions are lxc-stop's options.
type StopOptions struct {
	Reboot  bool
	NoWait  bool
	Timeout int // seconds; -1 forever
	Kill    bool
	NoKill  bool
	NoLock  bool
}

// Stop stops (or reboots) a running container. ErrNotRunning when there
// is no monitor.
func Stop(st *Store, name string, o StopOptions) error {
	c, err := Dial(st, name)
	if err != nil {
		CleanupStale(st, name)
		return err
	}
	defer c.Close()
	cmd := "shutdown"
	switch {
	case o.Kill:
		cmd = "stop"
	case o.Reboot:
		cmd = "reboot"
	}
	if _, _, err := c.Call(&Request{Cmd: cmd}); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	if o.NoWait {
		return nil
	}
	var deadline time.Time
	if o.Timeout >= 0 && !o.Kill {
		deadline = time.Now().Add(time.Duration(o.Timeout) * time.Second)
	}
	sawStop := false
	for {
		var wait time.Duration
		if !deadline.IsZero() {
			wait = time.Until(deadline)
			if wait <= 0 {
				wait = time.Nanosecond
			}
		}
		r, _, err := c.Recv(wait)
		switch {
		case err == io.EOF:
			return nil
		case err == ErrTimeout:
			if o.NoKill {
				return fmt.Errorf("timed out waiting for %q to stop", name)
			}
			// Escalate: lxc.signal.stop (SIGKILL) on a new connection.
			c.Close()
			return Stop(st, name, StopOptions{Kill: true, Timeout: -1})
		case err != nil:
			return err
		}
		if o.Reboot {
			if r.State == "STOPPED" || r.State == "STOPPING" {
				sawStop = true
			}
			if sawStop && r.State == "RUNNING" {
				return nil
			}
		}
	}
}

// lockContainer serialises lifecycle operations on a container.
func lockContainer(st *Store, name string) (func(), error) {
	l, err := st.Lock(name)
	if err != nil {
		return nil, err
	}
	return func() { _ = l.Unlock() }, nil
}

// closeInheritedOnExec marks every fd above 2 close-on-exec, so that fds
// inherited from whoever ran us (LXC's lxc_check_inherited) reach neither
// the daemonized monitor nor the hooks. Fds the Go runtime opened are
// close-on-exec already; files handed to a child on purpose (ExtraFiles)
// are dup'ed without the flag in the child.
func closeInheritedOnExec() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, d := range ents {
		if fd, err := strconv.Atoi(d.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
