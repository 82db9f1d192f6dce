package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/lxc-go/lxc/netcfg"
)

// lxc-unshare: run a command in new namespaces
// (src/lxc/tools/lxc_unshare.c).
//
// The command is started through a re-exec of our own binary as
// "lxc-unshare" with the environment variable _LXC_UNSHARE_CHILD set. The
// kernel creates the namespaces at clone (exec.Cmd with Cloneflags), so
// that child is already inside all of them; it waits for the parent to
// finish its side, then does the in-namespace steps and execs the
// command (so the command keeps the child's pid, pid 1 with PID):
//
//	parent                                child (re-exec, new namespaces)
//	clone(flags) ───────────────────────> blocks reading fd 3
//	move -i interfaces into its netns
//	write "go" to the pipe, close ──────> sethostname (-H), mount /proc,
//	                                      /dev/shm, /dev/mqueue (-M),
//	                                      setgid/setuid (-u), execvp CMD
//	wait, exit with CMD's status
//
// The applet calls UnshareChild first thing: a process started without
// the marker, or whose parent is not the one named in it, is not a child.

// unshareEnv is the marker carrying the child's instructions.
const unshareEnv = "_LXC_UNSHARE_CHILD"

// UnshareOptions are lxc-unshare's options.
type UnshareOptions struct {
	Flags    uintptr  // CLONE_NEW* from ParseUnshareNamespaces
	User     string   // -u: user name or uid
	Hostname string   // -H
	Ifaces   []string // -i
	Daemon   bool     // -d
	Remount  bool     // -M
	Cmd      []string
}

// namespaceFlags maps LXC's namespace names (both its tool spellings
// and the /proc/PID/ns names) to clone flags.
var namespaceFlags = map[string]uintptr{
	"MOUNT": unix.CLONE_NEWNS, "mnt": unix.CLONE_NEWNS,
	"PID": unix.CLONE_NEWPID, "pid": unix.CLONE_NEWPID,
	"UTSNAME": unix.CLONE_NEWUTS, "uts": unix.CLONE_NEWUTS,
	"IPC": unix.CLONE_NEWIPC, "ipc": unix.CLONE_NEWIPC,
	"USER": unix.CLONE_NEWUSER, "user": unix.CLONE_NEWUSER,
	"NETWORK": unix.CLONE_NEWNET, "net": unix.CLONE_NEWNET,
	"CGROUP": unix.CLONE_NEWCGROUP, "cgroup": unix.CLONE_NEWCGROUP,
}

// ParseUnshareNamespaces parses "-s MOUNT|PID" (pipe-separated; several -s
// accumulate).
func ParseUnshareNamespaces(specs []string) (uintptr, error) {
	var f uintptr
	for _, s := range specs {
		for _, n := range strings.Split(s, "|") {
			v, ok := namespaceFlags[strings.TrimSpace(n)]
			if !ok {
				return 0, fmt.Errorf("unknown namespace %q (MOUNT, PID, UTSNAME, IPC, USER, NETWORK, CGROUP)", n)
			}
			f |= v
		}
	}
	return f, nil
}

// Validate checks the option combinations LXC refuses.
func (o *UnshareOptions) Validate() error {
	switch {
	case o.Flags == 0:
		return errors.New("a namespace to execute command is required")
	case o.Hostname != "" && o.Flags&unix.CLONE_NEWUTS == 0:
		return errors.New("-H <hostname> needs -s UTSNAME option")
	case o.Remount && o.Flags&unix.CLONE_NEWNS == 0:
		return errors.New("-M needs -s MOUNT option")
	case len(o.Ifaces) > 0 && o.Flags&unix.CLONE_NEWNET == 0:
		return errors.New("-i <interfacename> needs -s NETWORK option")
	case len(o.Cmd) == 0:
		return errors.New("no command given")
	}
	return nil
}

// unshareChildSpec is what the child reads from the marker.
type unshareChildSpec struct {
	Parent   int      `json:"parent"`
	Hostname string   `json:"hostname,omitempty"`
	Remount  bool     `json:"remount,omitempty"`
	UID      int      `json:"uid"`
	NewUser  bool     `json:"new_user,omitempty"`
	GID      int      `json:"gid"`
	Cmd      []string `json:"cmd"`
}

// lookupUser resolves -u: a name from the user database or a number.
func lookupUser(s string) (uid, gid int, err error) {
	if s == "" {
		return -1, -1, nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		if n, nerr := strconv.Atoi(s); nerr == nil && n >= 0 {
			if u, err = user.LookupId(s); err != nil {
				return n, n, nil
			}
		} else {
			return -1, -1, fmt.Errorf("user %q: %w", s, err)
		}
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, nil
}

// Unshare runs o.Cmd in new namespaces and returns its exit status
// (128+N when killed by signal N), or 0 at once with Daemon.
func Unshare(o *UnshareOptions) (int, error) {
	if err := o.Validate(); err != nil {
		return 1, err
	}
	uid, gid, err := lookupUser(o.User)
	if err != nil {
		return 1, err
	}
	spec := unshareChildSpec{Parent: os.Getpid(), Hostname: o.Hostname, Remount: o.Remount, UID: uid, GID: gid, Cmd: o.Cmd,
		NewUser: o.Flags&unix.CLONE_NEWUSER != 0}
	rd, wr, err := os.Pipe()
	if err != nil {
		return 1, err
	}
	defer rd.Close()
	defer wr.Close()
	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        []string{"lxc-unshare"},
		Env:         append(os.Environ(), unshareEnv+"="+string(mustJSON(spec))),
		Stdin:       os.Stdin,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		ExtraFiles:  []*os.File{rd},
		SysProcAttr: &syscall.SysProcAttr{Cloneflags: o.Flags},
	}
	if o.Daemon {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
		cmd.SysProcAttr.Setsid = true
	}
	if err := cmd.Start(); err != nil {
		return 1, fmt.Errorf("cloning a process in new namespaces: %w", err)
	}
	rd.Close()
	fail := func(err error) (int, error) {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 1, err
	}
	if len(o.Ifaces) > 0 {
		ns, err := netcfg.OpenNS(cmd.Process.Pid)
		if err != nil {
			return fail(err)
		}
		for _, ifn := range o.Ifaces {
			if _, err := netcfg.MoveIn(ns, ifn, ifn); err != nil {
				ns.Close()
				return fail(fmt.Errorf("moving %q into the new network namespace: %w", ifn, err))
			}
		}
		ns.Close()
	}
	if _, err := wr.Write([]byte("go")); err != nil {
		return fail(err)
	}
	wr.Close()
	if o.Daemon {
		_ = cmd.Process.Release()
		return 0, nil
	}
	err = cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Exited():
		return ws.ExitStatus(), nil
	case ws.Signaled():
		return 128 + int(ws.Signal()), nil
	}
	return 1, err
}

// UnshareChild does the child's side when this process is an lxc-unshare
// child (see above); it returns false at once otherwise. On success it
// does not return (the command replaces the process); an error is the
// reason the command could not be run.
func UnshareChild() (bool, error) {
	v, ok := os.LookupEnv(unshareEnv)
	if !ok {
		return false, nil
	}
	os.Unsetenv(unshareEnv)
	var spec unshareChildSpec
	if err := json.Unmarshal([]byte(v), &spec); err != nil {
		return true, fmt.Errorf("bad %s: %w", unshareEnv, err)
	}
	// A pid namespace makes our parent invisible (getppid() == 0).
	if pp := os.Getppid(); pp != spec.Parent && pp != 0 {
		return true, fmt.Errorf("%s set by a process that is not our parent", unshareEnv)
	}
	sync := os.NewFile(3, "sync")
	buf := make([]byte, 2)
	if n, _ := sync.Read(buf); n != 2 {
		return true, errors.New("the parent gave up")
	}
	sync.Close()
	if spec.Hostname != "" {
		if err := unix.Sethostname([]byte(spec.Hostname)); err != nil {
			return true, fmt.Errorf("sethostname %q: %w", spec.Hostname, err)
		}
	}
	if spec.Remount {
		if err := unshareRemount(); err != nil {
			return true, err
		}
	}
	// In a new user namespace nothing is mapped (as with LXC's tool):
	// the ids cannot be changed and the process runs as the overflow id.
	if spec.GID >= 0 {
		if err := syscall.Setgroups([]int{spec.GID}); err != nil && !spec.NewUser {
			return true, fmt.Errorf("setgroups: %w", err)
		}
		if err := syscall.Setgid(spec.GID); err != nil && !spec.NewUser {
			return true, fmt.Errorf("setgid %d: %w", spec.GID, err)
		}
	}
	if spec.UID >= 0 {
		if err := syscall.Setuid(spec.UID); err != nil && !spec.NewUser {
			return true, fmt.Errorf("setuid %d: %w", spec.UID, err)
		}
	}
	path, err := exec.LookPath(spec.Cmd[0])
	if err != nil {
		return true, fmt.Errorf("failed to exec %q: %w", spec.Cmd[0], err)
	}
	err = syscall.Exec(path, spec.Cmd, os.Environ())
	return true, fmt.Errorf("failed to exec %q: %w", spec.Cmd[0], err)
}

// unshareRemount mounts a fresh /proc, /dev/shm and /dev/mqueue in the
// new mount namespace (-M), after making the tree private so nothing
// reaches the host.
func unshareRemount() error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making / private: %w", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	if err := unix.Mount("shmfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("mounting /dev/shm: %w", err)
	}
	if err := unix.Mount("mqueue", "/dev/mqueue", "mqueue", 0, ""); err != nil {
		return fmt.Errorf("mounting /dev/mqueue: %w", err)
	}
	return nil
}
