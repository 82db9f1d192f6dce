package core

import (
	"fmt"
	"sort"

	"golang.org/x/sys/unix"
)

// This file compiles a SeccompPolicy to a classic BPF seccomp filter,
// without libseccomp. The program's shape:
//
//	    ld  [arch]
//	    jeq AUDIT_ARCH_X86_64 ─────────────► x86_64:
//	    jeq AUDIT_ARCH_I386 ───► i386:         ld  [nr]
//	    ret KILL_PROCESS         ld [nr]       jge 0x40000000 ──► x32 (same shape)
//	                             dispatch      dispatch: jeq NR ──► body(NR)
//	                             ret DEFAULT   ret DEFAULT
//
//	body(NR): for each rule of NR, conditional rules first, in file order:
//	    compare each argument (64 bits as two 32-bit halves, high first);
//	    any mismatch jumps to the next rule; all matched: ret ACTION
//	    after the last rule: ret DEFAULT (or the unconditional rule's action)
//
// x32 and i386 are filtered as well, with their own syscall numbers, as LXC
// does on amd64 (it adds both as compat architectures): otherwise a
// denylisted syscall would be one "int 0x80" away. Any other architecture
// value is killed, like libseccomp's default bad-arch action.

// Kernel constants of include/uapi/linux/seccomp.h and audit.h.
const (
	seccompRetKillProcess = 0x80000000
	seccompRetTrap        = 0x00030000
	seccompRetErrno       = 0x00050000
	seccompRetUserNotif   = 0x7fc00000
	seccompRetLog         = 0x7ffc0000
	seccompRetAllow       = 0x7fff0000

	auditArchX86_64 = 0xc000003e
	auditArchI386   = 0x40000003
	x32SyscallBit   = 0x40000000

	// offsets in struct seccomp_data
	seccompDataNr   = 0
	seccompDataArch = 4
	seccompDataArgs = 16
)

// seccompRet is the filter return value of an action.
func seccompRet(a SeccompAction) uint32 {
	switch a.Kind {
	case SeccompAllow:
		return seccompRetAllow
	case SeccompErrno:
		return seccompRetErrno | uint32(a.Errno&0xffff)
	case SeccompTrap:
		return seccompRetTrap
	case SeccompLog:
		return seccompRetLog
	case SeccompNotify:
		return seccompRetUserNotif
	}
	// kill: the whole process, not just the thread (SCMP_ACT_KILL is
	// KILL_THREAD; for a single-threaded process both end it with SIGSYS,
	// and a multi-threaded one must not run on with a thread missing).
	return seccompRetKillProcess
}

// seccompArch is one architecture block of the filter.
type seccompArch struct {
	name  string         // "x86_64", "x32", "i386"
	table map[string]int // names to numbers
	bit   int            // added to every number (x32)
}

// seccompArches lists the blocks; the tables are built on first use, not
// in every process at start.
func seccompArches() []seccompArch {
	return []seccompArch{
		{name: "x86_64", table: syscallsX86_64()},
		{name: "x32", table: syscallsX32(), bit: x32SyscallBit},
		{name: "i386", table: syscallsI386()},
	}
}

// bpfAsm is a tiny classic-BPF assembler with symbolic jump targets.
type bpfAsm struct {
	insns  []bpfInsn
	labels map[string]int
	n      int
}

type bpfInsn struct {
	code   uint16
	k      uint32
	jt, jf string // conditional targets; "" is the next instruction
	ja     string // unconditional target
}

func (a *bpfAsm) label() string {
	a.n++
	return fmt.Sprintf("L%d", a.n)
}

func (a *bpfAsm) mark(l string) { a.labels[l] = len(a.insns) }

func (a *bpfAsm) stmt(code uint16, k uint32) {
	a.insns = append(a.insns, bpfInsn{code: code, k: k})
}

func (a *bpfAsm) jump(code uint16, k uint32, jt, jf string) {
	a.insns = append(a.insns, bpfInsn{code: code, k: k, jt: jt, jf: jf})
}

// far jumps to l if A op k, whatever the distance.
func (a *bpfAsm) far(code uint16, k uint32, l string) {
	a.insns = append(a.insns, bpfInsn{code: code, k: k, jt: "", jf: "+1"})
	a.insns = append(a.insns, bpfInsn{code: unix.BPF_JMP | unix.BPF_JA, ja: l})
}

func (a *bpfAsm) ret(k uint32) { a.stmt(unix.BPF_RET|unix.BPF_K, k) }

func (a *bpfAsm) assemble() ([]unix.SockFilter, error) {
	if len(a.insns) > 4096 {
		return nil, fmt.Errorf("seccomp program too large (%d instructions, the kernel takes 4096)", len(a.insns))
	}
	out := make([]unix.SockFilter, len(a.insns))
	off := func(i int, l string) (int, error) {
		switch l {
		case "":
			return 0, nil
		case "+1":
			return 1, nil
		}
		t, ok := a.labels[l]
		if !ok || t <= i {
			return 0, fmt.Errorf("bad jump target %q", l)
		}
		return t - i - 1, nil
	}
	for i, in := range a.insns {
		f := unix.SockFilter{Code: in.code, K: in.k}
		if in.ja != "" {
			o, err := off(i, in.ja)
			if err != nil {
				return nil, err
			}
			f.K = uint32(o)
		} else if in.code&0x07 == unix.BPF_JMP {
			jt, err := off(i, in.jt)
			if err != nil {
				return nil, err
			}
			jf, err := off(i, in.jf)
			if err != nil {
				return nil, err
			}
			if jt > 255 || jf > 255 {
				return nil, fmt.Errorf("seccomp program: conditional jump too far at %d", i)
			}
			f.Jt, f.Jf = uint8(jt), uint8(jf)
		}
		out[i] = f
	}
	return out, nil
}

// syscallGroup is the rules of one syscall number in one arch block.
type syscallGroup struct {
	nr    int
	rules []SeccompRule
}

// CompileSeccomp turns a policy into a seccomp BPF program. Warnings list
// rules that could not be resolved (unknown syscall names are skipped
// with a warning, as LXC does).
func CompileSeccomp(p *SeccompPolicy) (prog []unix.SockFilter, warnings []string, err error) {
	a := &bpfAsm{labels: map[string]int{}}
	def := seccompRet(p.Default)
	blocks := map[string][]syscallGroup{}
	for _, arch := range seccompArches() {
		var groups []syscallGroup
		index := map[int]int{}
		for _, r := range p.Rules {
			nr := -1
			switch {
			case r.Arch == "native" && arch.name == "x86_64":
				nr = r.Nr
			case r.Arch == "native":
				continue
			case r.Arch != "all" && r.Arch != arch.name:
				continue
			default:
				n, ok := arch.table[r.Name]
				if !ok {
					if arch.name == "x86_64" || r.Arch == arch.name {
						warnings = append(warnings, fmt.Sprintf("line %d: unknown syscall %q on %s: rule not applied", r.Line, r.Name, arch.name))
					}
					continue
				}
				nr = n + arch.bit
			}
			i, ok := index[nr]
			if !ok {
				i = len(groups)
				index[nr] = i
				groups = append(groups, syscallGroup{nr: nr})
			}
			groups[i].rules = append(groups[i].rules, r)
		}
		sort.SliceStable(groups, func(i, j int) bool { return groups[i].nr < groups[j].nr })
		blocks[arch.name] = groups
	}

	lX86, lI386, lX32 := a.label(), a.label(), a.label()
	a.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompDataArch)
	a.far(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, auditArchX86_64, lX86)
	a.far(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, auditArchI386, lI386)
	a.ret(seccompRetKillProcess)

	a.mark(lX86)
	a.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompDataNr)
	a.far(unix.BPF_JMP|unix.BPF_JGE|unix.BPF_K, x32SyscallBit, lX32)
	a.block(blocks["x86_64"], def)

	a.mark(lX32)
	a.block(blocks["x32"], def)

	a.mark(lI386)
	a.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, seccompDataNr)
	a.block(blocks["i386"], def)

	prog, err = a.assemble()
	return prog, warnings, err
}

// block emits the dispatch on the syscall number (in A) and the bodies.
func (a *bpfAsm) block(groups []syscallGroup, def uint32) {
	labels := make([]string, len(groups))
	for i, g := range groups {
		labels[i] = a.label()
		a.far(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, uint32(g.nr), labels[i])
	}
	a.ret(def)
	for i, g := range groups {
		a.mark(labels[i])
		a.body(g.rules, def)
	}
}

// body emits the rules of one syscall: conditional ones first, then the
// first unconditional one (later unconditional duplicates are unreachable).
func (a *bpfAsm) body(rules []SeccompRule, def uint32) {
	var ordered []SeccompRule
	for _, r := range rules {
		if len(r.Args) > 0 {
			ordered = append(ordered, r)
		}
	}
	for _, r := range rules {
		if len(r.Args) == 0 {
			ordered = append(ordered, r)
			break
		}
	}
	for _, r := range ordered {
		if len(r.Args) == 0 {
			a.ret(seccompRet(r.Action))
			return
		}
		next := a.label()
		for _, c := range r.Args {
			a.argCmp(c, next)
		}
		a.ret(seccompRet(r.Action))
		a.mark(next)
	}
	a.ret(def)
}

// argCmp falls through when argument c holds and jumps to fail otherwise.
// A 64-bit comparison is done on the high half, then on the low half.
func (a *bpfAsm) argCmp(c SeccompArg, fail string) {
	lo := uint32(c.Value)
	hi := uint32(c.Value >> 32)
	offLo := uint32(seccompDataArgs + 8*c.Index) // little endian
	offHi := offLo + 4
	ld := func(off uint32) { a.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, off) }
	jeq := uint16(unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K)
	jgt := uint16(unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K)
	jge := uint16(unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K)
	ok := a.label()
	checkLo := a.label()
	switch c.Op {
	case CmpEQ:
		ld(offHi)
		a.jump(jeq, hi, "", fail)
		ld(offLo)
		a.jump(jeq, lo, "", fail)
	case CmpMaskedEQ:
		ld(offHi)
		a.stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, uint32(c.Mask>>32))
		a.jump(jeq, hi, "", fail)
		ld(offLo)
		a.stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, uint32(c.Mask))
		a.jump(jeq, lo, "", fail)
	case CmpNE:
		ld(offHi)
		a.jump(jeq, hi, "", ok)
		ld(offLo)
		a.jump(jeq, lo, fail, "")
	case CmpGT, CmpGE:
		// hi > H: true; hi == H: decide on lo; hi < H: false
		ld(offHi)
		a.jump(jgt, hi, ok, "")
		a.jump(jeq, hi, checkLo, fail)
		a.mark(checkLo)
		ld(offLo)
		if c.Op == CmpGT {
			a.jump(jgt, lo, "", fail)
		} else {
			a.jump(jge, lo, "", fail)
		}
	case CmpLT, CmpLE:
		// hi > H: false; hi == H: decide on lo; hi < H: true
		ld(offHi)
		a.jump(jgt, hi, fail, "")
		a.jump(jeq, hi, checkLo, ok)
		a.mark(checkLo)
		ld(offLo)
		if c.Op == CmpLT {
			a.jump(jge, lo, fail, "")
		} else {
			a.jump(jgt, lo, fail, "")
		}
	}
	a.mark(ok)
}
