package core

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// BusyboxOptions are the inputs of the built-in busybox template.
type BusyboxOptions struct {
	Name   string
	Path   string // container directory (holds config)
	Rootfs string
	// Args are the template arguments after "--": --busybox-path PATH.
	Args   []string
	Stdout io.Writer
}

// BusyboxTemplate builds a busybox rootfs and appends the busybox config
// lines, producing the same files, modes and config lines as LXC 5.0's
// lxc-busybox script (/usr/share/lxc/templates/lxc-busybox), without
// needing a shell. The host's busybox (PATH, else /bin/busybox) is copied
// in, with one symlink per applet.
func BusyboxTemplate(o BusyboxOptions) error {
	bb := ""
	for i := 0; i < len(o.Args); i++ {
		a := o.Args[i]
		switch {
		case a == "--busybox-path" && i+1 < len(o.Args):
			i++
			bb = o.Args[i]
		case strings.HasPrefix(a, "--busybox-path="):
			bb = strings.TrimPrefix(a, "--busybox-path=")
		default:
			return fmt.Errorf("busybox template: unknown argument %q (only --busybox-path PATH is accepted)", a)
		}
	}
	if bb == "" {
		if p, err := exec.LookPath("busybox"); err == nil {
			bb = p
		} else {
			bb = "/bin/busybox"
		}
	}
	if err := checkExecutable(bb); err != nil {
		return fmt.Errorf("failed to find busybox binary (%s): %w", bb, err)
	}
	if err := installBusybox(o.Rootfs, bb); err != nil {
		return fmt.Errorf("failed to install rootfs: %w", err)
	}
	if err := configureBusybox(o.Rootfs, bb); err != nil {
		return fmt.Errorf("failed to configure busybox: %w", err)
	}
	if err := busyboxConfig(o.Path, o.Rootfs, o.Name); err != nil {
		return fmt.Errorf("failed to write config file: %w", err)
	}
	return nil
}

// busyboxTree is the directory tree the template creates (mode 0755).
var busyboxTree = []string{
	"selinux", "dev", "home", "root", "etc", "etc/init.d", "bin", "usr/bin",
	"sbin", "usr/sbin", "proc", "sys", "mnt", "tmp", "var/log", "var/run",
	"dev/pts", "lib", "usr/lib", "lib64", "usr/lib64",
}

const busyboxRcS = `#!/bin/sh
/bin/syslogd
/bin/mount -a
/bin/udhcpc
`

const busyboxInittab = `::sysinit:/etc/init.d/rcS
tty1::respawn:/bin/getty -L tty1 115200 vt100
console::askfirst:/bin/sh
`

const busyboxUdhcpcScript = `#!/bin/sh
case "$1" in
  deconfig)
    ip addr flush dev $interface
    ;;

  renew|bound)
    # flush all the routes
    if [ -n "$router" ]; then
      ip route del default 2> /dev/null
    fi

    # check broadcast
    if [ -n "$broadcast" ]; then
      broadcast="broadcast $broadcast"
    fi

    # add a new ip address
    ip addr add $ip/$mask $broadcast dev $interface

    if [ -n "$router" ]; then
      ip route add default via $router dev $interface
    fi

    [ -n "$domain" ] && echo search $domain > /etc/resolv.conf
    for i in $dns ; do
      grep "nameserver $i" /etc/resolv.conf > /dev/null 2>&1
      if [ $? -ne 0 ]; then
        echo nameserver $i >> /etc/resolv.conf
      fi
    done
    ;;
esac
exit 0
`

// udhcpcDefaultRE finds the default event script in "udhcpc --help".
var udhcpcDefaultRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`-s.*Run PROG.*\(default (/[^)]*)\)`)
})

func installBusybox(rootfs, bb string) error {
	for _, d := range busyboxTree {
		p := filepath.Join(rootfs, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(rootfs, "tmp"), 0o777|fs.ModeSticky); err != nil {
		return err
	}
	files := []struct {
		path string
		data string
		perm os.FileMode
	}{
		{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644},
		{"etc/group", "root:x:0:root\n", 0o644},
		{"etc/init.d/rcS", busyboxRcS, 0o744},
		{"etc/inittab", busyboxInittab, 0o644},
	}
	for _, f := range files {
		if err := writeNew(filepath.Join(rootfs, f.path), []byte(f.data), f.perm); err != nil {
			return err
		}
	}
	// The udhcpc event script goes where this busybox looks for it.
	script := "/usr/share/udhcpc/default.script"
	out, _ := exec.Command(bb, "udhcpc", "--help").CombinedOutput()
	if m := udhcpcDefaultRE().FindSubmatch(out); m != nil {
		script = string(m[1])
	}
	sdir := filepath.Join(rootfs, filepath.Dir(script))
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		return err
	}
	// LXC's template makes this directory 0644 (sic); keep it identical.
	if err := os.Chmod(sdir, 0o644); err != nil {
		return err
	}
	return writeNew(filepath.Join(rootfs, script), []byte(busyboxUdhcpcScript), 0o744)
}

func configureBusybox(rootfs, bb string) error {
	dst := filepath.Join(rootfs, "bin", "busybox")
	if err := copyFile(bb, dst, 0o755); err != nil {
		return fmt.Errorf("failed to copy busybox binary: %w", err)
	}
	out, err := exec.Command(dst, "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	hasPasswd := false
	for _, a := range strings.Fields(string(out)) {
		if strings.Contains(a, "busybox") || strings.Contains(a, "/") {
			continue
		}
		if a == "passwd" {
			hasPasswd = true
		}
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", a)); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	if err := os.Link(dst, filepath.Join(rootfs, "sbin", "init")); err != nil {
		return err
	}
	for _, f := range []string{"etc/fstab", "etc/shadow"} {
		if err := writeNew(filepath.Join(rootfs, f), nil, 0o644); err != nil {
			return err
		}
	}
	// "chmod +s bin/passwd" in the script follows the symlink: busybox
	// itself (and its hard link sbin/init) becomes setuid and setgid.
	if hasPasswd {
		if err := os.Chmod(dst, 0o755|fs.ModeSetuid|fs.ModeSetgid); err != nil {
			return err
		}
	}
	return nil
}

// busyboxConfig appends the template's config lines to PATH/config.
func busyboxConfig(path, rootfs, name string) error {
	cfg := filepath.Join(path, "config")
	old, err := os.ReadFile(cfg)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var b bytes.Buffer
	b.Write(old)
	hasRootfs := false
	for _, l := range strings.Split(string(old), "\n") {
		if strings.HasPrefix(l, "lxc.rootfs.path") {
			hasRootfs = true
		}
	}
	if !hasRootfs {
		fmt.Fprintf(&b, "lxc.rootfs.path = %s\n", rootfs)
	}
	fmt.Fprintf(&b, `lxc.signal.halt = SIGUSR1
lxc.signal.reboot = SIGTERM
lxc.uts.name = "%s"
lxc.autodev = 1
lxc.tty.max = 5
lxc.pty.max = 1
lxc.cap.drop = sys_module mac_admin mac_override sys_time

# When using LXC with apparmor, uncomment the next line to run unconfined:
#lxc.apparmor.profile = unconfined

lxc.mount.auto = cgroup:mixed proc:mixed sys:ro
lxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0
lxc.mount.entry = mqueue dev/mqueue mqueue defaults,optional,create=dir 0 0
`, name)
	for _, d := range []string{"lib", "usr/lib", "lib64", "usr/lib64"} {
		if isDir("/"+d) && isDir(filepath.Join(rootfs, d)) {
			fmt.Fprintf(&b, "lxc.mount.entry = /%s %s none ro,bind 0 0\n", d, d)
		}
	}
	b.WriteString("lxc.mount.entry = /sys/kernel/security sys/kernel/security none ro,bind,optional 0 0\n")
	return storeWriteFile(cfg, b.Bytes(), 0o640)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// writeNew creates a file that must not exist yet (O_EXCL|O_NOFOLLOW: the
// rootfs is fresh, so anything already there is unexpected).
func writeNew(p string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Chmod(perm); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
