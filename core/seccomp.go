package core

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// lxc.seccomp.*: a profile (seccomp_parse.go) is compiled to a classic BPF
// program (seccomp_bpf.go) and loaded by the container's init on its
// locked thread right before it drops capabilities and execs, and by
// lxc-attach before it execs in the container.
//
// When lxc.seccomp.profile is unset, DefaultSeccompProfile is loaded.
// LXC itself loads nothing then, but nearly every LXC container gets the
// same filter through the shipped common.conf (lxc.seccomp.profile =
// /usr/share/lxc/config/common.seccomp), and a container without it can
// load kernel modules, kexec, or inject keystrokes into a terminal with
// TIOCSTI. A profile of one's own replaces the default; a profile that
// denies nothing ("2\ndenylist\n") lets every syscall through.

// DefaultSeccompProfile blocks what LXC's common.seccomp blocks (forced
// umounts, kexec_load, open_by_handle_at and the kernel module calls)
// plus the keyring syscalls and the terminal-injection ioctls TIOCSTI and
// TIOCLINUX (CVE-2016-10124, CVE-2017-5226). The ioctl request is an int:
// only its low 32 bits are compared (CVE-2019-10063).
const DefaultSeccompProfile = `2
denylist
reject_force_umount  # comment this to allow umount -f;  not recommended
[all]
kexec_load errno 1
open_by_handle_at errno 1
init_module errno 1
finit_module errno 1
delete_module errno 1
keyctl errno 38
add_key errno 38
request_key errno 38
ioctl errno 1 [1,0x5412,SCMP_CMP_MASKED_EQ,0xffffffff]
ioctl errno 1 [1,0x541c,SCMP_CMP_MASKED_EQ,0xffffffff]
`

// SeccompProgram is a compiled lxc.seccomp.profile, ready to load.
type SeccompProgram struct {
	// Profile is the file it was read from.
	Profile string
	// Filter is the BPF program.
	Filter []unix.SockFilter
	// AllowNesting (lxc.seccomp.allow_nesting) loads the filter even when
	// the process already runs under one; otherwise it is skipped then,
	// as LXC does ("Already seccomp-confined, not loading new policy").
	AllowNesting bool
	// Notify: some rule has the action notify. The container's init then
	// loads the filter with a listener and hands it to the monitor, which
	// forwards the notifications to lxc.seccomp.notify.proxy
	// (seccomp_notify.go). Loaded without a listener (lxc-attach), the
	// kernel fails those syscalls with ENOSYS.
	Notify bool
}

// LoadSeccomp reads and compiles the profile of cfg, or the default
// profile when the config sets none. It must run while the
// profile's host path is reachable (before pivot_root).
func LoadSeccomp(cfg *Config) (*SeccompProgram, error) {
	if cfg == nil {
		return nil, nil
	}
	if cfg.SeccompProfile == "" {
		pol, err := ParseSeccompProfile(strings.NewReader(DefaultSeccompProfile))
		if err != nil {
			return nil, fmt.Errorf("default seccomp profile: %w", err)
		}
		return compileProgram("(default)", pol, cfg.SeccompAllowNesting)
	}
	path := cfg.SeccompProfile
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("lxc.seccomp.profile: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("lxc.seccomp.profile %q: not a regular file", path)
	}
	pol, err := ParseSeccompProfile(f)
	if err != nil {
		return nil, fmt.Errorf("lxc.seccomp.profile %q: %w", path, err)
	}
	return compileProgram(path, pol, cfg.SeccompAllowNesting)
}

// CompileSeccompProfile parses and compiles profile text (for templates
// and tests).
func CompileSeccompProfile(text string) (*SeccompProgram, error) {
	pol, err := ParseSeccompProfile(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	return compileProgram("", pol, false)
}

func compileProgram(path string, pol *SeccompPolicy, nesting bool) (*SeccompProgram, error) {
	notify := false
	for _, r := range pol.Rules {
		if r.Action.Kind == SeccompNotify {
			notify = true
		}
	}
	// A default notify would stop init itself on its first syscall after
	// loading the filter, before it can hand the listener to the monitor
	// (LXC only asks for a listener for notify rules, not a default).
	if pol.Default.Kind == SeccompNotify {
		return nil, fmt.Errorf("lxc.seccomp.profile %q: default action notify is not supported (use notify on single syscalls)", path)
	}
	filter, warnings, err := CompileSeccomp(pol)
	if err != nil {
		return nil, fmt.Errorf("lxc.seccomp.profile %q: %w", path, err)
	}
	for _, w := range warnings {
		logf(LogWarn, "lxc.seccomp.profile %q: %s", path, w)
	}
	return &SeccompProgram{Profile: path, Filter: filter, AllowNesting: nesting, Notify: notify}, nil
}

// Seccomp modes and flags of seccomp(2).
const (
	seccompModeFilter  = 2
	seccompSetModeFilt = 1
)

// Apply loads the filter into the calling thread, which it locks to the
// goroutine for good: the filter is per thread (no TSYNC, the caller
// execs next), so the goroutine must exec (or exit) on this thread.
// Loading needs CAP_SYS_ADMIN in the current user namespace or
// no_new_privs. A nil program does nothing.
func (p *SeccompProgram) Apply() error {
	_, err := p.load(false)
	return err
}

// load loads the filter into the calling thread (see Apply). With
// listener set it asks the kernel for a notification listener and
// returns its fd (-1 when nothing was loaded).
func (p *SeccompProgram) load(listener bool) (int, error) {
	if p == nil || len(p.Filter) == 0 {
		return -1, nil
	}
	runtime.LockOSThread()
	if !p.AllowNesting {
		if mode, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err == nil && mode == seccompModeFilter {
			logf(LogInfo, "already seccomp-confined, not loading new policy")
			return -1, nil
		}
	}
	var flags uintptr
	if listener {
		flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	prog := unix.SockFprog{Len: uint16(len(p.Filter)), Filter: &p.Filter[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, seccompSetModeFilt, flags, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(p)
	if errno != 0 {
		if errors.Is(errno, unix.EACCES) {
			return -1, fmt.Errorf("loading seccomp profile %q: %w (needs CAP_SYS_ADMIN or lxc.no_new_privs = 1)", p.Profile, errno)
		}
		return -1, fmt.Errorf("loading seccomp profile %q: %w", p.Profile, errno)
	}
	if !listener {
		return -1, nil
	}
	return int(r), nil
}
