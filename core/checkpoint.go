package core

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lxc-checkpoint drives the criu binary as LXC does (src/lxc/criu.c):
//
//	criu dump|pre-dump --tcp-established --file-locks --link-remap
//	     --manage-cgroups=full --ext-mount-map auto
//	     --enable-external-sharing --enable-external-masters
//	     --enable-fs hugetlbfs --enable-fs tracefs -D DIR -o DIR/ACTION.log
//	     [--cgroup-root CTRLS:PATH]... [-v4] [--action-script SCRIPT]
//	     [--ext-mount-map /TARGET:TARGET]...        (bind lxc.mount.entry)
//	     -t INITPID --skip-in-flight --freeze-cgroup /sys/fs/cgroup/freezer/PATH
//	     [--ext-mount-map /dev/console:console --external tty[RDEV:DEV]]
//	     [--prev-images-dir DIR --track-mem] --force-irmap [--leave-running]
//	criu restore ...same common part... --root ROOTFS --restore-detached
//	     --restore-sibling [--inherit-fd fd[N]:tty[..]]
//	     [--ext-mount-map console:NAME] [--lsm-profile apparmor:PROFILE]
//	     [--external veth[ETH]:PAIR[@LINK]]...
//
// (liblxc 5.0.2 spells verbosity "-v4" and adds "--track-mem" to a dump
// on top of a pre-dump; no --pidfile: the restored init is found among
// the monitor's children, see restore.go.) The dump saves the console's
// tty id to DIR/tty.info, which the restore reads back.
//
// Before any of that, "criu check" must succeed: its output is the
// error the user sees when it does not (criu 3.17 cannot initialise on
// recent kernels).

// CriuArgs is everything a criu command line is built from.
type CriuArgs struct {
	Action       string // "dump", "pre-dump" or "restore"
	Dir          string // -D
	Verbose      bool
	ActionScript string
	PredumpDir   string
	Stop         bool     // dump: do not pass --leave-running
	CgroupRoots  []string // "ctrl1,ctrl2:/path" per hierarchy
	BindMounts   [][2]string
	InitPID      int
	FreezerPath  string // relative freezer cgroup of the container ("" on cgroup2)
	TTYID        string // "tty[rdev:dev]" of the console, "" without
	RootfsMount  string // restore: --root
	ConsoleFD    int    // restore: fd of the console pty (-1 none)
	ConsoleTTY   string // restore: saved tty info
	ConsoleName  string // restore: console pty name
	LSMProfile   string // restore: "apparmor:PROFILE", "" none
	Veths        []CriuVeth
}

// CriuVeth is a veth (or macvlan) the restore recreates: Name inside
// the container, Pair the host side, Link its bridge (macvlan: parent).
type CriuVeth struct {
	Name, Pair, Link string
	Macvlan          bool
}

// Build returns the criu argv (without "criu").
func (a *CriuArgs) Build() []string {
	args := []string{a.Action, "--tcp-established", "--file-locks", "--link-remap",
		"--manage-cgroups=full", "--ext-mount-map", "auto", "--enable-external-sharing",
		"--enable-external-masters", "--enable-fs", "hugetlbfs", "--enable-fs", "tracefs",
		"-D", a.Dir, "-o", filepath.Join(a.Dir, a.Action+".log")}
	for _, r := range a.CgroupRoots {
		args = append(args, "--cgroup-root", r)
	}
	if a.Verbose {
		args = append(args, "-v4")
	}
	if a.ActionScript != "" {
		args = append(args, "--action-script", a.ActionScript)
	}
	dump := a.Action == "dump" || a.Action == "pre-dump"
	for _, m := range a.BindMounts {
		if dump {
			args = append(args, "--ext-mount-map", "/"+strings.TrimPrefix(m[0], "/")+":"+m[0])
		} else {
			args = append(args, "--ext-mount-map", m[0]+":"+m[1])
		}
	}
	if dump {
		args = append(args, "-t", strconv.Itoa(a.InitPID), "--skip-in-flight")
		if a.FreezerPath != "" {
			args = append(args, "--freeze-cgroup", "/sys/fs/cgroup/freezer/"+strings.TrimPrefix(a.FreezerPath, "/"))
		}
		if a.TTYID != "" {
			args = append(args, "--ext-mount-map", "/dev/console:console", "--external", a.TTYID)
		}
		if a.PredumpDir != "" {
			args = append(args, "--prev-images-dir", a.PredumpDir, "--track-mem")
		}
		args = append(args, "--force-irmap")
		if a.Action == "dump" && !a.Stop {
			args = append(args, "--leave-running")
		}
		return args
	}
	args = append(args, "--root", a.RootfsMount, "--restore-detached", "--restore-sibling")
	if a.ConsoleTTY != "" && a.ConsoleFD >= 0 {
		args = append(args, "--inherit-fd", fmt.Sprintf("fd[%d]:%s", a.ConsoleFD, a.ConsoleTTY))
	}
	if a.ConsoleName != "" {
		args = append(args, "--ext-mount-map", "console:"+a.ConsoleName)
	}
	if a.LSMProfile != "" {
		args = append(args, "--lsm-profile", a.LSMProfile)
	}
	for i, v := range a.Veths {
		eth := v.Name
		if eth == "" {
			eth = "eth" + strconv.Itoa(i)
		}
		s := "veth[" + eth + "]:" + v.Pair
		if v.Macvlan {
			s = "macvlan[" + eth + "]:" + v.Link
		} else if v.Link != "" {
			s += "@" + v.Link
		}
		args = append(args, "--external", s)
	}
	return args
}

// CheckpointOptions are lxc-checkpoint's options.
type CheckpointOptions struct {
	Dir          string // -D
	Stop         bool   // -s
	Verbose      bool   // -v
	PreDump      bool   // -p
	Restore      bool   // -r
	Foreground   bool   // -F (restore)
	ActionScript string // -A
	PredumpDir   string // --predump-dir
}

// ErrCriu: criu is missing or refuses to work on this system.
var ErrCriu = errors.New("criu is not usable")

// criuCheck finds criu and runs "criu check".
func criuCheck() (string, error) {
	path, err := exec.LookPath("criu")
	if err != nil {
		return "", fmt.Errorf("%w: criu is not installed (not found in $PATH)", ErrCriu)
	}
	out, err := exec.Command(path, "check").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: \"criu check\" failed (%v): %s", ErrCriu, err, strings.TrimSpace(string(out)))
	}
	return path, nil
}

// Checkpoint dumps (or pre-dumps) the running container name into o.Dir;
// with o.Restore it refuses after building nothing, see below.
func Checkpoint(st *Store, name string, o CheckpointOptions) error {
	if o.Dir == "" {
		return errors.New("checkpoint directory (-D) is required")
	}
	if o.Restore && o.Stop {
		return errors.New("-s is incompatible with -r")
	}
	cfg, err := st.LoadConfig(name)
	if err != nil {
		return err
	}
	for _, n := range cfg.Net {
		switch n.Type {
		case "veth", "none", "empty", "macvlan", "":
		default:
			return fmt.Errorf("found un-dumpable network: %s (%s)", n.Type, n.Name)
		}
	}
	criu, err := criuCheck()
	if err != nil {
		return err
	}
	if o.Restore {
		return restoreContainer(st, name, cfg, criu, o) // restore.go
	}
	s := st.Status(name)
	if s.State == STOPPED || s.InitPID <= 0 {
		return fmt.Errorf("%s is not running: %w", name, ErrNotRunning)
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return err
	}
	a := dumpArgs(cfg, s.InitPID, o)
	if a.TTYID != "" {
		// The restore hands criu the new console as this tty (LXC's
		// tty.info).
		if err := os.WriteFile(filepath.Join(o.Dir, "tty.info"), []byte(a.TTYID), 0o644); err != nil {
			return err
		}
	}
	out, err := exec.Command(criu, a.Build()...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("criu %s failed (%v): %s (see %s)", a.Action, err, strings.TrimSpace(string(out)),
			filepath.Join(o.Dir, a.Action+".log"))
	}
	return nil
}

// dumpArgs fills CriuArgs for a dump of the container whose init is pid.
func dumpArgs(cfg *Config, pid int, o CheckpointOptions) *CriuArgs {
	a := &CriuArgs{Action: "dump", Dir: o.Dir, Verbose: o.Verbose, ActionScript: o.ActionScript,
		PredumpDir: o.PredumpDir, Stop: o.Stop, InitPID: pid, ConsoleFD: -1}
	if o.PreDump {
		a.Action = "pre-dump"
	}
	a.CgroupRoots, a.FreezerPath = procCgroupRoots(pid)
	a.BindMounts = bindMountEntries(cfg)
	if cfg.ConsolePath != "none" {
		var st unix.Stat_t
		if unix.Stat(fmt.Sprintf("/proc/%d/root/dev/console", pid), &st) == nil && st.Rdev != 0 {
			a.TTYID = fmt.Sprintf("tty[%x:%x]", st.Rdev, st.Dev)
		}
	}
	return a
}

// bindMountEntries lists the lxc.mount.entry bind mounts as
// {target, source}: criu maps them as external mounts.
func bindMountEntries(cfg *Config) [][2]string {
	var out [][2]string
	for _, l := range cfg.MountEntries {
		e, err := parseMountEntry(l)
		if err != nil || e.Opts.Flags&unix.MS_BIND == 0 {
			continue
		}
		out = append(out, [2]string{e.Target, e.Source})
	}
	return out
}

// procCgroupRoots reads /proc/PID/cgroup: "ctrls:path" per v1 hierarchy
// (named hierarchies without their "name=" prefix, as LXC lists them)
// and the freezer path.
func procCgroupRoots(pid int) (roots []string, freezer string) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), ":", 3)
		if len(p) != 3 || p[1] == "" {
			continue
		}
		roots = append(roots, p[1]+":"+p[2])
		for _, c := range strings.Split(p[1], ",") {
			if c == "freezer" {
				freezer = p[2]
			}
		}
	}
	return roots, freezer
}
