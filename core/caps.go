package core

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// capabilityNames are the kernel's capability names by number
// (include/uapi/linux/capability.h), lower-case without "cap_", as
// lxc.cap.drop and lxc.cap.keep spell them.
var capabilityNames = [...]string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
	"net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
	"sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
	"setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

// CapabilityNumber returns the number of a capability name ("sys_admin",
// "CAP_SYS_ADMIN" or a number).
func CapabilityNumber(name string) (int, bool) {
	n := strings.TrimPrefix(strings.ToLower(name), "cap_")
	for i, c := range capabilityNames {
		if c == n {
			return i, true
		}
	}
	if i, err := strconv.Atoi(n); err == nil && i >= 0 && i <= lastCap() {
		return i, true
	}
	return 0, false
}

// lastCap is the highest capability the running kernel knows.
func lastCap() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return len(capabilityNames) - 1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 {
		return len(capabilityNames) - 1
	}
	return n
}

// dropCapabilities applies lxc.cap.drop or lxc.cap.keep to the bounding
// set of the calling thread and clears the inheritable and ambient sets
// (CVE-2022-29162), right before exec.
func dropCapabilities(cfg *Config) error {
	if len(cfg.CapDrop) > 0 && len(cfg.CapKeep) > 0 {
		return fmt.Errorf("lxc.cap.drop and lxc.cap.keep cannot both be set")
	}
	last := lastCap()
	drop := make([]bool, last+1)
	switch {
	case len(cfg.CapKeep) > 0:
		for i := range drop {
			drop[i] = true
		}
		for _, k := range cfg.CapKeep {
			if k == "none" {
				continue
			}
			n, ok := CapabilityNumber(k)
			if !ok {
				return fmt.Errorf("lxc.cap.keep: unknown capability %q", k)
			}
			if n <= last {
				drop[n] = false
			}
		}
	default:
		for _, d := range cfg.CapDrop {
			n, ok := CapabilityNumber(d)
			if !ok {
				return fmt.Errorf("lxc.cap.drop: unknown capability %q", d)
			}
			if n <= last {
				drop[n] = true
			}
		}
	}
	for i, d := range drop {
		if !d {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(i), 0, 0, 0); err != nil {
			return fmt.Errorf("dropping capability %s: %w", capName(i), err)
		}
	}
	_ = unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	for i := range data {
		// The bounding set limits what exec grants; permitted and
		// effective stay until exec so setuid/setgroups still work.
		data[i].Inheritable = 0
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

func capName(i int) string {
	if i < len(capabilityNames) {
		return capabilityNames[i]
	}
	return strconv.Itoa(i)
}
