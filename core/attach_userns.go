package core

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Attach into a container with a user namespace: the raw fork path (see
// the doc comment of attach.go and rawfork_linux.go).
//
// The attached process runs our sealed binary once more, inside all the
// container's namespaces, with this hidden entry:
//
//	argv: "lxc" "attach"   env: _LXC_ATTACH=1
//	fd 0-2: the command's stdio (the pty slave or the caller's)
//	fd 3:   pipe with the attachSpec as JSON
//	fd 4:   report pipe to lxc-attach (records, see rawfork_linux.go)

// attachSpec is what the finishing stage needs.
type attachSpec struct {
	Argv         []string        `json:"argv"`
	Env          []string        `json:"env"`
	Cwd          string          `json:"cwd"`
	CallerCwd    string          `json:"caller_cwd"`
	UID          int             `json:"uid"`
	GID          int             `json:"gid"`
	Arch         string          `json:"arch"`
	Remount      bool            `json:"remount"`
	ElevatedCaps bool            `json:"elevated_caps"`
	Config       *Config         `json:"config"`
	Seccomp      *SeccompProgram `json:"seccomp"`
	Ctty         bool            `json:"ctty"`
}

// attachFailure is the finishing stage's error, sent back on fd 4.
type attachFailure struct {
	Exec  bool   `json:"exec"`
	Cmd   string `json:"cmd"`
	Errno int    `json:"errno"`
	Msg   string `json:"msg"`
}

// AttachFinishMain is the hidden entry of the attached process (see
// above); HiddenEntry calls it when argv is "lxc attach" and _LXC_ATTACH=1.
// It never returns on success: the command replaces it.
func AttachFinishMain() int {
	// Capabilities, no_new_privs, seccomp and the -R mount namespace
	// are per thread: everything happens on this one, which execs.
	runtime.LockOSThread()
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	unix.CloseOnExec(3)
	unix.CloseOnExec(4)
	os.Clearenv()
	rep := os.NewFile(4, "report")
	specf := os.NewFile(3, "spec")
	b, err := io.ReadAll(io.LimitReader(specf, 16<<20))
	specf.Close()
	spec := &attachSpec{}
	if err == nil {
		err = json.Unmarshal(b, spec)
	}
	if err != nil {
		reportFailure(rep, &attachFailure{Msg: "bad attach spec"})
		return 1
	}
	err = attachFinish(spec)
	var ee *ExecError
	if errors.As(err, &ee) {
		var errno unix.Errno
		_ = errors.As(ee.Err, &errno)
		reportFailure(rep, &attachFailure{Exec: true, Cmd: ee.Cmd, Errno: int(errno), Msg: ee.Err.Error()})
		return 127
	}
	reportFailure(rep, &attachFailure{Msg: err.Error()})
	return 1
}

// reportFailure sends one message record (atomic: below PIPE_BUF).
func reportFailure(rep *os.File, f *attachFailure) {
	if len(f.Msg) > 3000 {
		f.Msg = f.Msg[:3000]
	}
	if len(f.Cmd) > 512 {
		f.Cmd = f.Cmd[:512]
	}
	b, _ := json.Marshal(f)
	rec := make([]byte, 16, 16+len(b))
	binary.NativeEndian.PutUint64(rec[0:], rawRepMessage)
	binary.NativeEndian.PutUint64(rec[8:], uint64(len(b)))
	_, _ = rep.Write(append(rec, b...))
}

// attachFinish sets up the process the way attachChild does for the
// in-process path, and execs the command. It only returns on error.
func attachFinish(s *attachSpec) error {
	cfg := s.Config
	if cfg == nil {
		cfg = &Config{}
	}
	if s.Remount {
		fd, err := unix.Open("/proc/self/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("-R: opening the pid namespace: %w", err)
		}
		err = remountProcSys([]attachNS{{file: "pid", flag: unix.CLONE_NEWPID, fd: fd}})
		unix.Close(fd)
		if err != nil {
			return err
		}
	}
	argv := s.Argv
	if len(argv) == 0 {
		uid := s.UID
		if uid < 0 {
			uid = 0
		}
		argv = []string{loginShell(uid)}
	}
	if s.Cwd != "" {
		if err := unix.Chdir(s.Cwd); err != nil {
			return fmt.Errorf("--cwd %q: %w", s.Cwd, err)
		}
	} else if s.CallerCwd == "" || unix.Chdir(s.CallerCwd) != nil {
		if err := unix.Chdir("/"); err != nil {
			return fmt.Errorf("chdir /: %w", err)
		}
	}
	if s.Arch != "" {
		per, err := personalityOf(s.Arch)
		if err != nil {
			return err
		}
		if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, uintptr(per), 0, 0); errno != 0 {
			return fmt.Errorf("personality %q: %w", s.Arch, errno)
		}
	}
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	if s.Ctty {
		if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
			return fmt.Errorf("making the pty the controlling terminal: %w", err)
		}
	}
	path, err := lookPath(argv[0], s.Env)
	if err != nil {
		return &ExecError{Cmd: argv[0], Err: unix.ENOENT}
	}
	// As init does: seccomp while CAP_SYS_ADMIN is still there, then
	// the bounding set, the ids, no_new_privs.
	if err := s.Seccomp.Apply(); err != nil {
		return err
	}
	if !s.ElevatedCaps {
		if err := dropCapabilities(cfg); err != nil {
			return err
		}
	}
	if s.UID >= 0 || s.GID >= 0 {
		if err := unix.Setgroups(nil); err != nil && !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("setgroups: %w", err)
		}
		if s.GID >= 0 {
			if err := unix.Setresgid(s.GID, s.GID, s.GID); err != nil {
				return fmt.Errorf("setgid %d: %w", s.GID, err)
			}
		}
		if s.UID >= 0 {
			if err := unix.Setresuid(s.UID, s.UID, s.UID); err != nil {
				return fmt.Errorf("setuid %d: %w", s.UID, err)
			}
		}
	}
	if cfg.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("setting no_new_privs: %w", err)
		}
	}
	if err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("close_range: %w", err)
	}
	err = unix.Exec(path, argv, s.Env)
	return &ExecError{Cmd: argv[0], Err: err}
}

// attachRaw starts the attached process of a container with a user
// namespace through the raw fork path and returns it (a child of ours,
// running the command once this returns).
func attachRaw(o *AttachOptions, cfg *Config, nss []attachNS, stdio []*os.File, ctty bool,
	cgroupProcs []string, callerCwd string) (*os.Process, error) {
	spec := &attachSpec{
		Argv: o.Cmd, Env: attachEnv(o), Cwd: o.Cwd, CallerCwd: callerCwd, UID: o.UID, GID: o.GID,
		Arch: o.Arch, Remount: o.Remount, ElevatedCaps: o.ElevatedCaps, Config: cfg, Ctty: ctty,
	}
	if !o.NoSeccomp {
		prog, err := LoadSeccomp(cfg)
		if err != nil {
			return nil, err
		}
		spec.Seccomp = prog
	}
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	self, err := sealedSelf()
	if err != nil {
		return nil, fmt.Errorf("opening our binary: %w", err)
	}
	defer self.Close()
	specR, specW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer specW.Close()
	repR, repW, err := os.Pipe()
	if err != nil {
		specR.Close()
		return nil, err
	}
	defer repR.Close()

	a := &rawAttach{exe: int32(self.Fd()), report: -1}
	var high []int
	closeHigh := func() {
		for _, fd := range high {
			unix.Close(fd)
		}
		high = nil
	}
	defer closeHigh()
	// Every source fd above the targets 0-4, so that no dup3 in the
	// child overwrites a source it still needs.
	dupHigh := func(fd uintptr) (int32, error) {
		n, err := unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 10)
		if err != nil {
			return -1, err
		}
		high = append(high, n)
		return int32(n), nil
	}
	srcs := []*os.File{stdio[0], stdio[1], stdio[2], specR, repW}
	for i, f := range srcs {
		if a.dupFrom[i], err = dupHigh(f.Fd()); err != nil {
			specR.Close()
			repW.Close()
			return nil, err
		}
	}
	a.report = a.dupFrom[4]
	specR.Close()
	repW.Close()
	for _, n := range nss {
		if a.nns == len(a.nsFD) {
			return nil, errors.New("too many namespaces")
		}
		a.nsFD[a.nns], a.nsFlag[a.nns] = int32(n.fd), int32(n.flag)
		if n.flag == unix.CLONE_NEWUSER {
			if a.nns != 0 {
				return nil, errors.New("the user namespace must be joined first")
			}
			a.setIDs = true
		}
		a.nns++
	}
	argv, err := syscall.SlicePtrFromStrings([]string{"lxc", "attach"})
	if err != nil {
		return nil, err
	}
	envp, err := syscall.SlicePtrFromStrings([]string{"_LXC_ATTACH=1"})
	if err != nil {
		return nil, err
	}
	empty := []byte{0}
	a.argv, a.envp, a.empty = unsafe.Pointer(&argv[0]), unsafe.Pointer(&envp[0]), unsafe.Pointer(&empty[0])

	middle, errno := rawAttachFork(a)
	runtime.KeepAlive(a)
	runtime.KeepAlive(argv)
	runtime.KeepAlive(envp)
	runtime.KeepAlive(empty)
	closeHigh() // our copies, including the report pipe's write end
	if errno != 0 {
		return nil, fmt.Errorf("fork: %w", errno)
	}
	reapMiddle := func() {
		var ws unix.WaitStatus
		for {
			if _, err := unix.Wait4(middle, &ws, 0, nil); err != unix.EINTR {
				return
			}
		}
	}

	pid := 0
	var failure error
	for pid == 0 && failure == nil {
		kind, val, msg, err := readReport(repR)
		if err != nil {
			failure = fmt.Errorf("attaching: the helper process ended early (%v)", err)
			break
		}
		if kind == rawRepPID {
			pid = int(val)
			continue
		}
		failure = reportError(kind, val, msg, nss)
	}
	reapMiddle()
	if pid == 0 {
		return nil, failure
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.Process, error) {
		_ = proc.Kill()
		_, _ = proc.Wait()
		return nil, err
	}
	if failure != nil {
		return fail(failure)
	}
	for _, p := range cgroupProcs {
		if err := os.WriteFile(p, []byte(strconv.Itoa(pid)), 0); err != nil {
			return fail(fmt.Errorf("joining cgroup %q: %w", p, err))
		}
	}
	if _, err := specW.Write(specJSON); err != nil {
		if kind, val, msg, rerr := readReport(repR); rerr == nil {
			return fail(reportError(kind, val, msg, nss))
		}
		return fail(fmt.Errorf("sending the attach spec: %w", err))
	}
	specW.Close()
	// EOF: the command was executed (the report pipe is close-on-exec).
	kind, val, msg, err := readReport(repR)
	if err == io.EOF {
		return proc, nil
	}
	if err != nil {
		return fail(fmt.Errorf("attaching: %w", err))
	}
	return fail(reportError(kind, val, msg, nss))
}

// readReport reads one record of the report pipe.
func readReport(r io.Reader) (kind, val uint64, msg []byte, err error) {
	var rec [16]byte
	if _, err = io.ReadFull(r, rec[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			err = errors.New("short report")
		}
		return 0, 0, nil, err
	}
	kind = binary.NativeEndian.Uint64(rec[0:])
	val = binary.NativeEndian.Uint64(rec[8:])
	if kind == rawRepMessage {
		if val > 4096 {
			return 0, 0, nil, errors.New("bad report")
		}
		msg = make([]byte, val)
		if _, err = io.ReadFull(r, msg); err != nil {
			return 0, 0, nil, errors.New("short report")
		}
	}
	return kind, val, msg, nil
}

// reportError turns a report record into an error.
func reportError(kind, val uint64, msg []byte, nss []attachNS) error {
	switch kind & 0xff {
	case rawRepSetns:
		i := int(kind >> 8)
		name := "?"
		if i < len(nss) {
			name = nss[i].file
		}
		return fmt.Errorf("joining the %s namespace: %w", name, unix.Errno(val))
	case rawRepCreds:
		return fmt.Errorf("becoming root of the container's user namespace: %w", unix.Errno(val))
	case rawRepFork:
		return fmt.Errorf("forking into the container's pid namespace: %w", unix.Errno(val))
	case rawRepDup:
		return fmt.Errorf("setting up the attached process's fds: %w", unix.Errno(val))
	case rawRepExec:
		return fmt.Errorf("executing our binary in the container: %w", unix.Errno(val))
	case rawRepMessage:
		f := &attachFailure{}
		if err := json.Unmarshal(msg, f); err != nil {
			return errors.New("attaching: bad report")
		}
		if f.Exec {
			var e error = unix.Errno(f.Errno)
			if f.Errno == 0 {
				e = errors.New(strings.TrimSpace(f.Msg))
			}
			return &ExecError{Cmd: f.Cmd, Err: e}
		}
		return errors.New(f.Msg)
	}
	return fmt.Errorf("attaching: unknown report %d", kind)
}

// containerRootIDs returns the host uid and gid of root in the user
// namespace of pid (from its uid_map and gid_map).
func containerRootIDs(pid int) (uid, gid int, err error) {
	read := func(f string) (int, error) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, f))
		if err != nil {
			return -1, err
		}
		for _, l := range strings.Split(string(b), "\n") {
			fs := strings.Fields(l)
			if len(fs) != 3 {
				continue
			}
			in, _ := strconv.ParseInt(fs[0], 10, 64)
			out, _ := strconv.ParseInt(fs[1], 10, 64)
			n, _ := strconv.ParseInt(fs[2], 10, 64)
			if in <= 0 && 0 < in+n {
				return int(out - in), nil
			}
		}
		return -1, fmt.Errorf("no mapping for root in /proc/%d/%s", pid, f)
	}
	if uid, err = read("uid_map"); err != nil {
		return
	}
	gid, err = read("gid_map")
	return
}
