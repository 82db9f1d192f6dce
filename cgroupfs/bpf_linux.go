package cgroupfs

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// progLoadAttr is the BPF_PROG_LOAD part of union bpf_attr, up to
// expected_attach_type; the kernel accepts a shorter attr than its own
// and zero-fills the rest.
type progLoadAttr struct {
	progType           uint32
	insnCnt            uint32
	insns              uint64
	license            uint64
	logLevel           uint32
	logSize            uint32
	logBuf             uint64
	kernVersion        uint32
	progFlags          uint32
	progName           [16]byte
	progIfindex        uint32
	expectedAttachType uint32
}

// progAttachAttr is the BPF_PROG_ATTACH part of union bpf_attr.
type progAttachAttr struct {
	targetFd     uint32
	attachBpfFd  uint32
	attachType   uint32
	attachFlags  uint32
	replaceBpfFd uint32
}

func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) (uintptr, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return 0, errno
	}
	return r, nil
}

// LoadDeviceProgram loads the program as BPF_PROG_TYPE_CGROUP_DEVICE and
// returns its fd. On refusal the verifier log is part of the error.
func LoadDeviceProgram(p *DeviceProgram) (int, error) {
	code := encodeInsns(p.Instructions())
	license := []byte("GPL\x00")
	load := func(logBuf []byte) (uintptr, error) {
		attr := progLoadAttr{
			progType:           unix.BPF_PROG_TYPE_CGROUP_DEVICE,
			insnCnt:            uint32(len(code) / 8),
			insns:              uint64(uintptr(unsafe.Pointer(&code[0]))),
			license:            uint64(uintptr(unsafe.Pointer(&license[0]))),
			expectedAttachType: unix.BPF_CGROUP_DEVICE,
		}
		copy(attr.progName[:], "lxc_devices")
		if logBuf != nil {
			attr.logLevel = 1
			attr.logSize = uint32(len(logBuf))
			attr.logBuf = uint64(uintptr(unsafe.Pointer(&logBuf[0])))
		}
		fd, err := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		runtime.KeepAlive(code)
		runtime.KeepAlive(license)
		runtime.KeepAlive(logBuf)
		return fd, err
	}
	fd, err := load(nil)
	if err == nil {
		return int(fd), nil
	}
	if errors.Is(err, unix.EPERM) {
		return -1, fmt.Errorf("load device program: %w (needs CAP_SYS_ADMIN or CAP_BPF)", err)
	}
	// Retry with the verifier log to say why.
	logBuf := make([]byte, 64*1024)
	if fd, err2 := load(logBuf); err2 == nil {
		return int(fd), nil
	}
	msg := string(bytes.TrimRight(logBuf[:max(0, bytes.IndexByte(logBuf, 0))], "\n"))
	if msg != "" {
		return -1, fmt.Errorf("load device program: %w: %s", err, msg)
	}
	return -1, fmt.Errorf("load device program: %w", err)
}

// AttachDeviceProgram loads p and attaches it to the cgroup2 directory dir
// with BPF_F_ALLOW_MULTI, so programs of parent cgroups keep applying (a
// device must pass all of them). The program stays attached until the
// cgroup is removed; no fd is kept.
func AttachDeviceProgram(dir string, p *DeviceProgram) error {
	cg, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open cgroup %q: %w", dir, err)
	}
	defer unix.Close(cg)
	prog, err := LoadDeviceProgram(p)
	if err != nil {
		return err
	}
	defer unix.Close(prog)
	attr := progAttachAttr{
		targetFd:    uint32(cg),
		attachBpfFd: uint32(prog),
		attachType:  unix.BPF_CGROUP_DEVICE,
		attachFlags: unix.BPF_F_ALLOW_MULTI,
	}
	if _, err := bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err != nil {
		return fmt.Errorf("attach device program to %q: %w", dir, err)
	}
	return nil
}
