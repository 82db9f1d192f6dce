package core

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// This file reads lxc.seccomp.profile files in LXC's two formats
// (lxc.container.conf(5), SECCOMP CONFIGURATION):
//
//	1                      version 1: an allowlist of syscall numbers
//	allowlist              (or "whitelist"); every other syscall kills
//	0
//	1
//
//	2                      version 2: names, actions, arch sections
//	denylist [ACTION]      or allowlist / blacklist / whitelist; ACTION is
//	reject_force_umount    the default for syscalls without a rule
//	[all]                  [all], [x86_64], [x86], [x32], ... sections
//	kexec_load errno 1     name [ACTION] [ARG] ...
//	ioctl errno 1 [1,21522,SCMP_CMP_EQ]
//
// ACTION is kill, allow, trap, log, notify or "errno N". An ARG is
// "[INDEX,VALUE,OP]" or, for SCMP_CMP_MASKED_EQ, "[INDEX,VALUE,OP,MASK]",
// meaning (arg & MASK) == VALUE; OP is SCMP_CMP_{NE,LT,LE,EQ,GE,GT,MASKED_EQ}
// or !=, <, <=, ==, >=, >, &=. Numbers may be decimal or 0x-hex (LXC
// itself reads decimal only).

// SeccompActionKind is what the kernel does when a rule matches.
type SeccompActionKind int

// The actions of a seccomp profile.
const (
	SeccompAllow SeccompActionKind = iota
	SeccompErrno
	SeccompKill
	SeccompTrap
	SeccompLog
	SeccompNotify
)

// SeccompAction is an action with its errno (SeccompErrno only).
type SeccompAction struct {
	Kind  SeccompActionKind
	Errno int
}

// String spells the action as a profile does.
func (a SeccompAction) String() string {
	switch a.Kind {
	case SeccompAllow:
		return "allow"
	case SeccompErrno:
		return "errno " + strconv.Itoa(a.Errno)
	case SeccompKill:
		return "kill"
	case SeccompTrap:
		return "trap"
	case SeccompLog:
		return "log"
	case SeccompNotify:
		return "notify"
	}
	return "?"
}

// SeccompCmpOp is an argument comparison (libseccomp's SCMP_CMP_*).
type SeccompCmpOp int

// The comparisons; all are unsigned 64-bit.
const (
	CmpNE SeccompCmpOp = iota + 1
	CmpLT
	CmpLE
	CmpEQ
	CmpGE
	CmpGT
	CmpMaskedEQ
)

var cmpOpNames = map[string]SeccompCmpOp{
	"SCMP_CMP_NE": CmpNE, "!=": CmpNE,
	"SCMP_CMP_LT": CmpLT, "<": CmpLT,
	"SCMP_CMP_LE": CmpLE, "<=": CmpLE,
	"SCMP_CMP_EQ": CmpEQ, "==": CmpEQ,
	"SCMP_CMP_GE": CmpGE, ">=": CmpGE,
	"SCMP_CMP_GT": CmpGT, ">": CmpGT,
	"SCMP_CMP_MASKED_EQ": CmpMaskedEQ, "&=": CmpMaskedEQ,
}

// SeccompArg is one argument condition of a rule.
type SeccompArg struct {
	Index int // 0..5
	Op    SeccompCmpOp
	Value uint64
	Mask  uint64 // CmpMaskedEQ only
}

// SeccompRule is one syscall line of a profile.
type SeccompRule struct {
	// Name is the syscall name (version 2); empty with Nr set (version 1).
	Name string
	// Nr is the syscall number of a version 1 line (native arch), or -1.
	Nr     int
	Action SeccompAction
	Args   []SeccompArg
	// Arch is the section the rule was read in: "all" or an arch name
	// ("x86_64", "i386", "x32"); sections of foreign architectures
	// (arm, s390x, ...) are skipped while parsing, as LXC does.
	Arch string
	// Line is the line number in the profile, for messages.
	Line int
}

// SeccompPolicy is a parsed profile.
type SeccompPolicy struct {
	Version int
	// Allowlist: syscalls without a rule get Default (kill unless given);
	// otherwise (denylist) they are allowed unless Default says otherwise.
	Allowlist bool
	// Default is the action for syscalls no rule matches.
	Default SeccompAction
	Rules   []SeccompRule
}

// maxSeccompProfile bounds a profile file: a real one is a few KiB.
const maxSeccompProfile = 1 << 20

// ParseSeccompProfile reads a profile in LXC's version 1 or 2 format.
func ParseSeccompProfile(r io.Reader) (*SeccompPolicy, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSeccompProfile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSeccompProfile {
		return nil, fmt.Errorf("profile larger than %d bytes", maxSeccompProfile)
	}
	if strings.IndexByte(string(b), 0) >= 0 {
		return nil, errors.New("profile contains a NUL byte")
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(make([]byte, 64*1024), maxSeccompProfile)
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, errors.New("empty seccomp profile")
	}
	switch v := strings.TrimSpace(lines[0]); v {
	case "1":
		return parseSeccompV1(lines)
	case "2":
		return parseSeccompV2(lines)
	default:
		return nil, fmt.Errorf("line 1: unsupported seccomp profile version %q (want 1 or 2)", v)
	}
}

func parseSeccompV1(lines []string) (*SeccompPolicy, error) {
	p := &SeccompPolicy{Version: 1, Allowlist: true, Default: SeccompAction{Kind: SeccompKill}}
	if len(lines) < 2 {
		return nil, errors.New("line 2: missing policy type (allowlist)")
	}
	if t := strings.TrimSpace(lines[1]); t != "allowlist" && t != "whitelist" {
		return nil, fmt.Errorf("line 2: version 1 supports only an allowlist, not %q", t)
	}
	for i, l := range lines[2:] {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		f := strings.Fields(l)[0]
		nr, err := strconv.ParseUint(f, 10, 31)
		if err != nil {
			return nil, fmt.Errorf("line %d: invalid syscall number %q", i+3, f)
		}
		p.Rules = append(p.Rules, SeccompRule{Nr: int(nr), Action: SeccompAction{Kind: SeccompAllow},
			Arch: "native", Line: i + 3})
	}
	return p, nil
}

// seccompSections maps LXC's section names to our arch names; "" marks
// architectures that are not ours (their rules are skipped).
var seccompSections = map[string]string{
	"all": "all", "x86_64": "x86_64", "x86": "i386", "x32": "x32",
	"arm": "", "arm64": "", "mips": "", "mips64": "", "mips64n32": "",
	"mipsel": "", "mipsel64": "", "mipsel64n32": "", "ppc": "", "ppc64": "",
	"ppc64le": "", "s390": "", "s390x": "", "riscv64": "",
}

func parseSeccompV2(lines []string) (*SeccompPolicy, error) {
	p := &SeccompPolicy{Version: 2}
	if len(lines) < 2 {
		return nil, errors.New("line 2: missing policy type (allowlist or denylist)")
	}
	head := strings.TrimSpace(lines[1])
	typ, rest, _ := strings.Cut(head, " ")
	switch typ {
	case "allowlist", "whitelist":
		p.Allowlist = true
		p.Default = SeccompAction{Kind: SeccompKill}
	case "denylist", "blacklist":
		p.Default = SeccompAction{Kind: SeccompAllow}
	default:
		return nil, fmt.Errorf("line 2: bad seccomp policy style %q (want allowlist or denylist)", typ)
	}
	if rest = strings.TrimSpace(rest); rest != "" && rest[0] != '#' {
		a, _, err := parseSeccompAction(rest)
		if err != nil {
			return nil, fmt.Errorf("line 2: default action: %w", err)
		}
		p.Default = a
	}
	// A rule without an action does the opposite of the policy's default.
	ruleDefault := SeccompAction{Kind: SeccompKill}
	if p.Allowlist {
		ruleDefault = SeccompAction{Kind: SeccompAllow}
	}
	arch := "all"
	for i, raw := range lines[2:] {
		ln := i + 3
		l := strings.TrimSpace(raw)
		if l == "" || l[0] == '#' {
			continue
		}
		if l[0] == '[' {
			name, ok := strings.CutSuffix(l, "]")
			if !ok {
				return nil, fmt.Errorf("line %d: bad architecture section %q", ln, l)
			}
			a, known := seccompSections[strings.ToLower(name[1:])]
			if !known {
				return nil, fmt.Errorf("line %d: unsupported architecture %q", ln, l)
			}
			arch = a
			continue
		}
		if arch == "" {
			continue // a foreign architecture's section
		}
		name, rest, _ := strings.Cut(l, " ")
		if name == "reject_force_umount" || strings.HasPrefix(name, "reject_force_umount") {
			// LXC: umount2(..., MNT_FORCE) fails with EACCES.
			p.Rules = append(p.Rules, SeccompRule{Name: "umount2", Nr: -1, Arch: arch, Line: ln,
				Action: SeccompAction{Kind: SeccompErrno, Errno: 13},
				Args:   []SeccompArg{{Index: 1, Op: CmpMaskedEQ, Value: 1, Mask: 1}}})
			continue
		}
		if !validSyscallName(name) {
			return nil, fmt.Errorf("line %d: invalid syscall name %q", ln, name)
		}
		r := SeccompRule{Name: name, Nr: -1, Action: ruleDefault, Arch: arch, Line: ln}
		rest = strings.TrimSpace(rest)
		if rest != "" && rest[0] != '[' && rest[0] != '#' {
			a, n, err := parseSeccompAction(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", ln, name, err)
			}
			r.Action = a
			rest = strings.TrimSpace(rest[n:])
		}
		args, err := parseSeccompArgs(rest)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", ln, name, err)
		}
		r.Args = args
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

func validSyscallName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// parseSeccompAction reads an action at the start of s and returns how
// many bytes it used.
func parseSeccompAction(s string) (SeccompAction, int, error) {
	word := s
	if i := strings.IndexAny(s, " \t["); i >= 0 {
		word = s[:i]
	}
	switch word {
	case "kill":
		return SeccompAction{Kind: SeccompKill}, len(word), nil
	case "allow":
		return SeccompAction{Kind: SeccompAllow}, len(word), nil
	case "trap":
		return SeccompAction{Kind: SeccompTrap}, len(word), nil
	case "log":
		return SeccompAction{Kind: SeccompLog}, len(word), nil
	case "notify":
		return SeccompAction{Kind: SeccompNotify}, len(word), nil
	case "errno":
		rest := s[len(word):]
		trimmed := strings.TrimLeft(rest, " \t")
		n := len(trimmed)
		if i := strings.IndexAny(trimmed, " \t["); i >= 0 {
			n = i
		}
		num := trimmed[:n]
		e, err := strconv.ParseUint(num, 0, 16)
		if err != nil || e > 4095 {
			return SeccompAction{}, 0, fmt.Errorf("invalid errno %q (want 0..4095)", num)
		}
		return SeccompAction{Kind: SeccompErrno, Errno: int(e)}, len(s) - len(trimmed) + n, nil
	}
	return SeccompAction{}, 0, fmt.Errorf("unrecognized action %q", word)
}

// parseSeccompArgs reads up to six "[INDEX,VALUE,OP(,MASK)]" conditions.
func parseSeccompArgs(s string) ([]SeccompArg, error) {
	var args []SeccompArg
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" || s[0] == '#' {
			return args, nil
		}
		if s[0] != '[' {
			// LXC ignores what follows the action; so do we, unless it
			// looks like a broken argument.
			if strings.Contains(s, "[") {
				return nil, fmt.Errorf("unexpected %q before an argument", s)
			}
			return args, nil
		}
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, fmt.Errorf("unterminated argument %q", s)
		}
		f := strings.Split(s[1:end], ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) != 3 && len(f) != 4 {
			return nil, fmt.Errorf("argument %q: want [INDEX,VALUE,OP] or [INDEX,VALUE,SCMP_CMP_MASKED_EQ,MASK]", s[:end+1])
		}
		idx, err := strconv.ParseUint(f[0], 10, 8)
		if err != nil || idx > 5 {
			return nil, fmt.Errorf("argument %q: index must be 0..5", s[:end+1])
		}
		val, err := strconv.ParseUint(f[1], 0, 64)
		if err != nil {
			return nil, fmt.Errorf("argument %q: invalid value %q", s[:end+1], f[1])
		}
		op, ok := cmpOpNames[f[2]]
		if !ok {
			return nil, fmt.Errorf("argument %q: unknown comparison %q", s[:end+1], f[2])
		}
		a := SeccompArg{Index: int(idx), Op: op, Value: val}
		if op == CmpMaskedEQ {
			if len(f) != 4 {
				return nil, fmt.Errorf("argument %q: SCMP_CMP_MASKED_EQ needs a mask", s[:end+1])
			}
			if a.Mask, err = strconv.ParseUint(f[3], 0, 64); err != nil {
				return nil, fmt.Errorf("argument %q: invalid mask %q", s[:end+1], f[3])
			}
		} else if len(f) == 4 {
			return nil, fmt.Errorf("argument %q: only SCMP_CMP_MASKED_EQ takes a mask", s[:end+1])
		}
		if len(args) == 6 {
			return nil, errors.New("more than 6 argument conditions")
		}
		args = append(args, a)
		s = s[end+1:]
	}
}
