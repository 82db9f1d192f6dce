package cgroupfs

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DeviceRule is one devices.allow / devices.deny entry ("c 1:3 rwm").
type DeviceRule struct {
	// Allow is true for devices.allow, false for devices.deny.
	Allow bool
	// Type is 'a' (any), 'b' (block) or 'c' (char).
	Type byte
	// Major and Minor are device numbers; -1 means "*".
	Major, Minor int64
	// Access is a mask of unix.BPF_DEVCG_ACC_MKNOD (m), _READ (r), _WRITE (w).
	Access uint32
}

const accAll = unix.BPF_DEVCG_ACC_MKNOD | unix.BPF_DEVCG_ACC_READ | unix.BPF_DEVCG_ACC_WRITE

// global reports whether the rule is "a" (every device, every access),
// which in LXC switches the default instead of adding a rule.
func (r DeviceRule) global() bool {
	return r.Type == 'a' && r.Major < 0 && r.Minor < 0 && r.Access == accAll
}

// ParseDeviceRule parses the value of a devices.allow/deny key, in the
// cgroup v1 syntax: "a", or "TYPE MAJOR:MINOR [ACCESS]" where TYPE is
// a, b or c, MAJOR and MINOR are numbers or "*", ACCESS letters of "rwm"
// (default all).
func ParseDeviceRule(allow bool, value string) (DeviceRule, error) {
	r := DeviceRule{Allow: allow, Major: -1, Minor: -1, Access: accAll}
	f := strings.Fields(value)
	if len(f) == 0 || len(f) > 3 {
		return r, fmt.Errorf("invalid device rule %q", value)
	}
	switch f[0] {
	case "a", "b", "c":
		r.Type = f[0][0]
	default:
		return r, fmt.Errorf("invalid device rule %q: unknown type %q", value, f[0])
	}
	if len(f) == 1 {
		if r.Type != 'a' {
			return r, fmt.Errorf("invalid device rule %q: missing major:minor", value)
		}
		return r, nil
	}
	maj, min, ok := strings.Cut(f[1], ":")
	if !ok {
		return r, fmt.Errorf("invalid device rule %q: want major:minor", value)
	}
	var err error
	if r.Major, err = devNum(maj, 0xfff); err != nil {
		return r, fmt.Errorf("invalid device rule %q: major: %w", value, err)
	}
	if r.Minor, err = devNum(min, 0xfffff); err != nil {
		return r, fmt.Errorf("invalid device rule %q: minor: %w", value, err)
	}
	if len(f) == 3 {
		r.Access = 0
		for _, c := range f[2] {
			switch c {
			case 'r':
				r.Access |= unix.BPF_DEVCG_ACC_READ
			case 'w':
				r.Access |= unix.BPF_DEVCG_ACC_WRITE
			case 'm':
				r.Access |= unix.BPF_DEVCG_ACC_MKNOD
			default:
				return r, fmt.Errorf("invalid device rule %q: access %q not in \"rwm\"", value, f[2])
			}
		}
	}
	return r, nil
}

func devNum(s string, max int64) (int64, error) {
	if s == "*" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > max {
		return 0, fmt.Errorf("%q is not a device number or \"*\"", s)
	}
	return n, nil
}

// DeviceProgram is a compiled device policy: a default and rules, the
// latest matching rule deciding.
type DeviceProgram struct {
	DefaultAllow bool
	Rules        []DeviceRule
}

// CompileDeviceRules turns devices.allow/deny settings (in order) into a
// policy with LXC's semantics: the policy starts in deny-list mode (every
// device allowed); "devices.deny = a" switches to allow-list mode (default
// deny) and "devices.allow = a" back, each dropping earlier rules. Errors
// name the key and the value.
func CompileDeviceRules(settings []Setting) (*DeviceProgram, error) {
	p := &DeviceProgram{DefaultAllow: true}
	for _, s := range settings {
		k, err := settingKey(s.Key)
		if err != nil || !isDevicesKey(k) {
			return nil, fmt.Errorf("lxc.cgroup2.%s = %q: not a devices key", s.Key, s.Value)
		}
		r, err := ParseDeviceRule(k == "devices.allow", s.Value)
		if err != nil {
			return nil, fmt.Errorf("lxc.cgroup2.%s = %q: %w", k, s.Value, err)
		}
		if r.global() {
			p.DefaultAllow = r.Allow
			p.Rules = nil
			continue
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

// Insn is one eBPF instruction (struct bpf_insn).
type Insn struct {
	Code     uint8
	Dst, Src uint8
	Off      int16
	Imm      int32
}

// eBPF opcodes used by the device program (include/uapi/linux/bpf.h).
const (
	opLdxW    = unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W   // dst = *(u32 *)(src + off)
	opAndK    = unix.BPF_ALU64 | unix.BPF_AND | unix.BPF_K // dst &= imm
	opRshK    = unix.BPF_ALU64 | unix.BPF_RSH | unix.BPF_K // dst >>= imm
	opMovK    = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_K // dst = imm
	opMovX    = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_X // dst = src
	opJneK    = unix.BPF_JMP | unix.BPF_JNE | unix.BPF_K   // if dst != imm goto +off
	opJeqK    = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K   // if dst == imm goto +off
	opExit    = unix.BPF_JMP | unix.BPF_EXIT
	regRet    = 0
	regCtx    = 1
	regType   = 2
	regAccess = 3
	regMajor  = 4
	regMinor  = 5
	regTmp    = 6
)

// Instructions assembles the program. The context is struct
// bpf_cgroup_dev_ctx {u32 access_type (access<<16 | type); u32 major;
// u32 minor}; the program returns 1 to allow, 0 to deny.
//
//	r2 = type, r3 = access, r4 = major, r5 = minor
//	for each rule, latest first:
//	    skip unless type matches (rule type 'a' matches both)
//	    allow rule: skip unless requested access ⊆ rule access
//	    deny rule:  skip unless requested access ∩ rule access ≠ ∅
//	    skip unless major matches, skip unless minor matches
//	    return rule.Allow
//	return DefaultAllow
//
// Latest-first with those access tests gives what v1 devices.allow/deny
// written in order would give: a later "deny c 1:3 w" removes write from
// an earlier "allow c 1:3 rwm" and leaves read.
func (p *DeviceProgram) Instructions() []Insn {
	prog := []Insn{
		{Code: opLdxW, Dst: regType, Src: regCtx, Off: 0},
		{Code: opAndK, Dst: regType, Imm: 0xffff},
		{Code: opLdxW, Dst: regAccess, Src: regCtx, Off: 0},
		{Code: opRshK, Dst: regAccess, Imm: 16},
		{Code: opLdxW, Dst: regMajor, Src: regCtx, Off: 4},
		{Code: opLdxW, Dst: regMinor, Src: regCtx, Off: 8},
	}
	for i := len(p.Rules) - 1; i >= 0; i-- {
		r := p.Rules[i]
		var blk []Insn
		// Jumps are written with Off = -1 and patched to the block end.
		switch r.Type {
		case 'b':
			blk = append(blk, Insn{Code: opJneK, Dst: regType, Off: -1, Imm: unix.BPF_DEVCG_DEV_BLOCK})
		case 'c':
			blk = append(blk, Insn{Code: opJneK, Dst: regType, Off: -1, Imm: unix.BPF_DEVCG_DEV_CHAR})
		}
		if r.Allow {
			if r.Access != accAll {
				blk = append(blk,
					Insn{Code: opMovX, Dst: regTmp, Src: regAccess},
					Insn{Code: opAndK, Dst: regTmp, Imm: int32(^r.Access & accAll)},
					Insn{Code: opJneK, Dst: regTmp, Off: -1, Imm: 0})
			}
		} else {
			blk = append(blk,
				Insn{Code: opMovX, Dst: regTmp, Src: regAccess},
				Insn{Code: opAndK, Dst: regTmp, Imm: int32(r.Access)},
				Insn{Code: opJeqK, Dst: regTmp, Off: -1, Imm: 0})
		}
		if r.Major >= 0 {
			blk = append(blk, Insn{Code: opJneK, Dst: regMajor, Off: -1, Imm: int32(r.Major)})
		}
		if r.Minor >= 0 {
			blk = append(blk, Insn{Code: opJneK, Dst: regMinor, Off: -1, Imm: int32(r.Minor)})
		}
		blk = append(blk, Insn{Code: opMovK, Dst: regRet, Imm: b2i(r.Allow)}, Insn{Code: opExit})
		for j := range blk {
			if blk[j].Off == -1 {
				blk[j].Off = int16(len(blk) - j - 1)
			}
		}
		prog = append(prog, blk...)
	}
	return append(prog, Insn{Code: opMovK, Dst: regRet, Imm: b2i(p.DefaultAllow)}, Insn{Code: opExit})
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// encodeInsns lays instructions out as the kernel's struct bpf_insn array
// (8 bytes each, little-endian on the architectures we build for; the
// register byte is dst in the low nibble, src in the high one).
func encodeInsns(insns []Insn) []byte {
	out := make([]byte, 0, 8*len(insns))
	for _, in := range insns {
		var b [8]byte
		b[0] = in.Code
		b[1] = in.Dst&0xf | in.Src<<4
		binary.LittleEndian.PutUint16(b[2:], uint16(in.Off))
		binary.LittleEndian.PutUint32(b[4:], uint32(in.Imm))
		out = append(out, b[:]...)
	}
	return out
}

// Eval runs the policy in Go, for tests and for callers wanting to know
// what the kernel program will decide. typ is 'b' or 'c', access a mask.
func (p *DeviceProgram) Eval(typ byte, major, minor int64, access uint32) bool {
	for i := len(p.Rules) - 1; i >= 0; i-- {
		r := p.Rules[i]
		if r.Type != 'a' && r.Type != typ {
			continue
		}
		if r.Allow && access&^r.Access != 0 {
			continue
		}
		if !r.Allow && access&r.Access == 0 {
			continue
		}
		if (r.Major >= 0 && r.Major != major) || (r.Minor >= 0 && r.Minor != minor) {
			continue
		}
		return r.Allow
	}
	return p.DefaultAllow
}
