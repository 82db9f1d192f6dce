package core

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lxc-usernsexec runs a command as root in a new user (and mount)
// namespace:
//
//	lxc-usernsexec [-m u|g|b:NSID:HOSTID:RANGE ...] [-s] [-- CMD ...]
//
// Without -m the first /etc/subuid and /etc/subgid ranges of the calling
// user are mapped from 0. -s adds the caller's own uid and gid right after
// the ranges that start at 0.
//
// Root writes the maps itself (LXC calls newuidmap even as root, so that
// there -m needs /etc/subuid entries for root too). Any other user goes
// through the setuid helpers newuidmap/newgidmap, which map a process that
// already runs in the new namespace. A Go process cannot unshare a user
// namespace (it is multi-threaded) and a child exec'd into a namespace
// without maps loses its capabilities, so the namespace is held open by a
// child of ours and the command enters it with util-linux nsenter:
//
//	parent                                      holder (our binary)
//	  start holder (CLONE_NEWUSER|NEWNS) ─────►  blocks reading fd 3
//	  newuidmap H ..., newgidmap H ...
//	  nsenter -t H -U -m -S 0 -G 0 -- CMD   (root in the namespace)
//	  close the pipe ─────────────────────────►  exits
//	  wait; exit with CMD's status

// usernsexecEnv marks the holder process.
const usernsexecEnv = "_LXC_USERNSEXEC"

// ParseUsernsexecMap reads one -m value ("b:0:100000:65536"); "b" gives a
// uid and a gid map.
func ParseUsernsexecMap(s string) ([]IDMap, error) {
	f := strings.Split(s, ":")
	if len(f) != 4 || len(f[0]) != 1 || !strings.Contains("ugb", f[0]) {
		return nil, fmt.Errorf("invalid map %q: want u|g|b:NSID:HOSTID:RANGE", s)
	}
	var n [3]int64
	for i, v := range f[1:] {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil || x < 0 || x > 1<<32-1 {
			return nil, fmt.Errorf("invalid map %q: bad number %q", s, v)
		}
		n[i] = x
	}
	if n[2] == 0 {
		return nil, fmt.Errorf("invalid map %q: empty range", s)
	}
	var out []IDMap
	for _, k := range []byte{'u', 'g'} {
		if f[0][0] == k || f[0][0] == 'b' {
			out = append(out, IDMap{Kind: k, NSID: n[0], HostID: n[1], Range: n[2]})
		}
	}
	return out, nil
}

// ErrNoSubidAllocation is LXC's "Failed to find subuid or subgid
// allocation": the caller has no /etc/subuid or /etc/subgid entry.
var ErrNoSubidAllocation = errors.New("Failed to find subuid or subgid allocation")

// subidFiles are /etc/subuid and /etc/subgid (tests replace them).
var subidFiles = [2]string{"/etc/subuid", "/etc/subgid"}

// DefaultSubidMaps returns the first /etc/subuid and /etc/subgid range of
// the calling user, mapped from 0, as lxc-usernsexec does without -m.
func DefaultSubidMaps() ([]IDMap, error) {
	name := strconv.Itoa(os.Getuid())
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	var out []IDMap
	for i, kind := range []byte{'u', 'g'} {
		m, ok := readSubid(subidFiles[i], name)
		if !ok {
			return nil, ErrNoSubidAllocation
		}
		m.Kind = kind
		out = append(out, m)
	}
	return out, nil
}

// readSubid finds the first "name:start:count" line of a subid file.
func readSubid(path, name string) (IDMap, bool) {
	f, err := os.Open(path)
	if err != nil {
		return IDMap{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for sc.Scan() {
		p := strings.Split(strings.TrimSpace(sc.Text()), ":")
		if len(p) != 3 || p[0] != name {
			continue
		}
		start, err1 := strconv.ParseInt(p[1], 10, 64)
		count, err2 := strconv.ParseInt(p[2], 10, 64)
		if err1 != nil || err2 != nil || start < 0 || count <= 0 {
			return IDMap{}, false
		}
		return IDMap{NSID: 0, HostID: start, Range: count}, true
	}
	return IDMap{}, false
}

// MapSelf appends the caller's uid and gid, each in the container right
// after a range that starts at 0 (lxc-usernsexec -s).
func MapSelf(maps []IDMap) []IDMap {
	var nsUID, nsGID int64
	for _, m := range maps {
		if m.Kind == 'u' && nsUID >= m.NSID && nsUID < m.NSID+m.Range {
			nsUID += m.Range
		}
		if m.Kind == 'g' && nsGID >= m.NSID && nsGID < m.NSID+m.Range {
			nsGID += m.Range
		}
	}
	return append(maps,
		IDMap{Kind: 'g', NSID: nsGID, HostID: int64(os.Getgid()), Range: 1},
		IDMap{Kind: 'u', NSID: nsUID, HostID: int64(os.Getuid()), Range: 1})
}

// UsernsExec runs cmd (default /bin/sh) as root in a new user and mount
// namespace with maps, and returns its exit status (128+N when killed by
// signal N; LXC returns 0 then).
func UsernsExec(maps []IDMap, cmd []string) (int, error) {
	if len(cmd) == 0 {
		cmd = []string{"/bin/sh"}
	}
	uids, gids, err := sysProcIDMaps(maps)
	if err != nil {
		return 1, err
	}
	var c *exec.Cmd
	if os.Geteuid() == 0 {
		path, err := exec.LookPath(cmd[0])
		if err != nil {
			return 1, fmt.Errorf("Failed to execute %q: %w", cmd[0], err)
		}
		c = exec.Command(path)
		c.Args = cmd
		c.SysProcAttr = &syscall.SysProcAttr{
			Cloneflags:  unix.CLONE_NEWUSER | unix.CLONE_NEWNS,
			UidMappings: uids, GidMappings: gids, GidMappingsEnableSetgroups: true,
			Credential: &syscall.Credential{Uid: 0, Gid: 0},
		}
	} else {
		return usernsExecUnprivileged(uids, gids, cmd)
	}
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := c.Start(); err != nil {
		return 1, fmt.Errorf("Failed to start the child in a new user namespace: %w", err)
	}
	return waitStatus(c)
}

// usernsExecUnprivileged is UsernsExec for a non-root caller.
func usernsExecUnprivileged(uids, gids []syscall.SysProcIDMap, cmd []string) (int, error) {
	for _, t := range []string{"newuidmap", "newgidmap", "nsenter"} {
		if _, err := exec.LookPath(t); err != nil {
			pkg := "shadow's uidmap package"
			if t == "nsenter" {
				pkg = "util-linux"
			}
			return 1, fmt.Errorf("%s is not installed (%s): a user other than root needs it to map ids", t, pkg)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 1, err
	}
	defer w.Close()
	holder := exec.Command("/proc/self/exe", "usernsexec")
	holder.Env = []string{usernsexecEnv + "=hold"}
	holder.ExtraFiles = []*os.File{r}
	holder.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS}
	err = holder.Start()
	r.Close()
	if err != nil {
		return 1, fmt.Errorf("Failed to start the child in a new user namespace: %w", err)
	}
	defer func() { w.Close(); _ = holder.Wait() }()
	pid := holder.Process.Pid
	err = newIDMap("newuidmap", pid, uids)
	if err == nil {
		err = newIDMap("newgidmap", pid, gids)
	}
	if err != nil {
		return 1, fmt.Errorf("Failed to write id mapping for child process: %w", err)
	}
	p := strconv.Itoa(pid)
	c := exec.Command("nsenter", append([]string{"--user=/proc/" + p + "/ns/user", "--mount=/proc/" + p + "/ns/mnt",
		"--setuid", "0", "--setgid", "0", "--"}, cmd...)...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := c.Start(); err != nil {
		return 1, fmt.Errorf("Failed to enter the new user namespace: %w", err)
	}
	return waitStatus(c)
}

// waitStatus waits for c and returns its exit status, 128+N for signal N.
func waitStatus(c *exec.Cmd) (int, error) {
	err := c.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 1, err
	}
	ws := c.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}

// newIDMap runs newuidmap or newgidmap for pid.
func newIDMap(tool string, pid int, maps []syscall.SysProcIDMap) error {
	args := []string{strconv.Itoa(pid)}
	for _, m := range maps {
		args = append(args, strconv.Itoa(m.ContainerID), strconv.Itoa(m.HostID), strconv.Itoa(m.Size))
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %s", tool, strings.Join(args, " "), strings.TrimSpace(string(out)))
	}
	return nil
}

// UsernsExecChild is the holder process of a non-root lxc-usernsexec: it
// keeps the new namespaces alive until its parent closes fd 3. It returns
// false when the process is not the holder; otherwise the caller exits
// with the returned status.
func UsernsExecChild() (bool, int) {
	if os.Getenv(usernsexecEnv) != "hold" {
		return false, 0
	}
	f := os.NewFile(3, "hold")
	_, _ = io.Copy(io.Discard, f)
	return true, 0
}
