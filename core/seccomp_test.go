package core

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSeccompParse(t *testing.T) {
	kill := SeccompAction{Kind: SeccompKill}
	allow := SeccompAction{Kind: SeccompAllow}
	errno := func(n int) SeccompAction { return SeccompAction{Kind: SeccompErrno, Errno: n} }
	tests := []struct {
		name    string
		in      string
		want    *SeccompPolicy
		wantErr string
	}{
		{name: "v1", in: "1\nallowlist\n0\n1\n\n# c\n60\n", want: &SeccompPolicy{Version: 1, Allowlist: true, Default: kill,
			Rules: []SeccompRule{{Nr: 0, Action: allow, Arch: "native", Line: 3}, {Nr: 1, Action: allow, Arch: "native", Line: 4}, {Nr: 60, Action: allow, Arch: "native", Line: 7}}}},
		{name: "v1 whitelist", in: "1\nwhitelist\n", want: &SeccompPolicy{Version: 1, Allowlist: true, Default: kill}},
		{name: "v1 denylist", in: "1\ndenylist\n", wantErr: "only an allowlist"},
		{name: "v1 bad nr", in: "1\nallowlist\nread\n", wantErr: `line 3: invalid syscall number "read"`},
		{name: "bad version", in: "3\ndenylist\n", wantErr: "unsupported seccomp profile version"},
		{name: "empty", in: "", wantErr: "empty"},
		{name: "nul", in: "2\x00\n", wantErr: "NUL"},
		{name: "v2 denylist", in: "2\ndenylist\nmknod errno 0\nkexec_load\n", want: &SeccompPolicy{Version: 2, Default: allow,
			Rules: []SeccompRule{{Name: "mknod", Nr: -1, Action: errno(0), Arch: "all", Line: 3}, {Name: "kexec_load", Nr: -1, Action: kill, Arch: "all", Line: 4}}}},
		{name: "v2 blacklist default", in: "2\nblacklist errno 1\n", want: &SeccompPolicy{Version: 2, Default: errno(1)}},
		{name: "v2 allowlist", in: "2\nallowlist\nread\nwrite trap\n", want: &SeccompPolicy{Version: 2, Allowlist: true, Default: kill,
			Rules: []SeccompRule{{Name: "read", Nr: -1, Action: allow, Arch: "all", Line: 3}, {Name: "write", Nr: -1, Action: SeccompAction{Kind: SeccompTrap}, Arch: "all", Line: 4}}}},
		{name: "v2 whitelist default errno", in: "2\nwhitelist errno 38\n", want: &SeccompPolicy{Version: 2, Allowlist: true, Default: errno(38)}},
		{name: "v2 bad style", in: "2\ngreylist\n", wantErr: "bad seccomp policy style"},
		{name: "v2 sections", in: "2\ndenylist\n[x86_64]\nmkdir errno 42\n[arm64]\nfoo\n[X86]\nchmod log\n[all]\nlink notify\n", want: &SeccompPolicy{Version: 2, Default: allow,
			Rules: []SeccompRule{{Name: "mkdir", Nr: -1, Action: errno(42), Arch: "x86_64", Line: 4}, {Name: "chmod", Nr: -1, Action: SeccompAction{Kind: SeccompLog}, Arch: "i386", Line: 8},
				{Name: "link", Nr: -1, Action: SeccompAction{Kind: SeccompNotify}, Arch: "all", Line: 10}}}},
		{name: "v2 bad section", in: "2\ndenylist\n[vax]\n", wantErr: `line 3: unsupported architecture "[vax]"`},
		{name: "v2 args", in: "2\ndenylist\nioctl errno 1 [1,0x5412,SCMP_CMP_MASKED_EQ,0xffffffff] [0,3,<=]\n", want: &SeccompPolicy{Version: 2, Default: allow,
			Rules: []SeccompRule{{Name: "ioctl", Nr: -1, Action: errno(1), Arch: "all", Line: 3, Args: []SeccompArg{{Index: 1, Op: CmpMaskedEQ, Value: 0x5412, Mask: 0xffffffff}, {Index: 0, Op: CmpLE, Value: 3}}}}}},
		{name: "v2 args default action", in: "2\ndenylist\npersonality [0,8,SCMP_CMP_NE]\n", want: &SeccompPolicy{Version: 2, Default: allow,
			Rules: []SeccompRule{{Name: "personality", Nr: -1, Action: kill, Arch: "all", Line: 3, Args: []SeccompArg{{Index: 0, Op: CmpNE, Value: 8}}}}}},
		{name: "v2 reject_force_umount", in: "2\ndenylist\nreject_force_umount  # comment\n", want: &SeccompPolicy{Version: 2, Default: allow,
			Rules: []SeccompRule{{Name: "umount2", Nr: -1, Action: errno(13), Arch: "all", Line: 3, Args: []SeccompArg{{Index: 1, Op: CmpMaskedEQ, Value: 1, Mask: 1}}}}}},
		{name: "v2 trailing comment", in: "2\ndenylist\nmkdir errno 1 # no\n", want: &SeccompPolicy{Version: 2, Default: allow,
			Rules: []SeccompRule{{Name: "mkdir", Nr: -1, Action: errno(1), Arch: "all", Line: 3}}}},
		{name: "bad action", in: "2\ndenylist\nmkdir explode\n", wantErr: `line 3: mkdir: unrecognized action "explode"`},
		{name: "bad errno", in: "2\ndenylist\nmkdir errno x\n", wantErr: `invalid errno "x"`},
		{name: "errno too big", in: "2\ndenylist\nmkdir errno 5000\n", wantErr: `invalid errno "5000"`},
		{name: "bad arg index", in: "2\ndenylist\nmkdir errno 1 [6,1,SCMP_CMP_EQ]\n", wantErr: "index must be 0..5"},
		{name: "bad arg op", in: "2\ndenylist\nmkdir errno 1 [0,1,SCMP_CMP_XX]\n", wantErr: "unknown comparison"},
		{name: "masked needs mask", in: "2\ndenylist\nmkdir errno 1 [0,1,SCMP_CMP_MASKED_EQ]\n", wantErr: "needs a mask"},
		{name: "unterminated arg", in: "2\ndenylist\nmkdir errno 1 [0,1,SCMP_CMP_EQ\n", wantErr: "unterminated"},
		{name: "too many args", in: "2\ndenylist\nmkdir errno 1 [0,1,==] [1,1,==] [2,1,==] [3,1,==] [4,1,==] [5,1,==] [0,2,==]\n", wantErr: "more than 6"},
		{name: "bad name", in: "2\ndenylist\nmk/dir\n", wantErr: "invalid syscall name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSeccompProfile(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// bpfRun is a classic BPF interpreter for the instructions a seccomp
// filter uses, run against a struct seccomp_data.
func bpfRun(t *testing.T, prog []unix.SockFilter, data []byte) uint32 {
	t.Helper()
	var A uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if int(in.K)+4 > len(data) {
				t.Fatalf("load out of range at %d", pc)
			}
			A = binary.LittleEndian.Uint32(data[in.K:])
		case unix.BPF_ALU | unix.BPF_AND | unix.BPF_K:
			A &= in.K
		case unix.BPF_RET | unix.BPF_K:
			return in.K
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(in.K)
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K, unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K:
			var c bool
			switch in.Code &^ (unix.BPF_JMP | unix.BPF_K) {
			case unix.BPF_JEQ:
				c = A == in.K
			case unix.BPF_JGT:
				c = A > in.K
			case unix.BPF_JGE:
				c = A >= in.K
			}
			if c {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		default:
			t.Fatalf("unexpected opcode %#x at %d", in.Code, pc)
		}
	}
	t.Fatal("program ran off its end")
	return 0
}

func seccompData(arch uint32, nr int, args ...uint64) []byte {
	b := make([]byte, 64)
	binary.LittleEndian.PutUint32(b[0:], uint32(nr))
	binary.LittleEndian.PutUint32(b[4:], arch)
	for i, a := range args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

func compileFile(t *testing.T, name string) []unix.SockFilter {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "seccomp", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pol, err := ParseSeccompProfile(f)
	if err != nil {
		t.Fatal(err)
	}
	prog, _, err := CompileSeccomp(pol)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

func TestSeccompBPF(t *testing.T) {
	const (
		allow = seccompRetAllow
		kill  = seccompRetKillProcess
	)
	x64, i386 := uint32(auditArchX86_64), uint32(auditArchI386)
	eperm := uint32(seccompRetErrno | 1)
	type call struct {
		arch uint32
		nr   int
		args []uint64
		want uint32
	}
	tests := []struct {
		file  string
		text  string
		calls []call
	}{
		{file: "lxc-common.seccomp", calls: []call{
			{x64, unix.SYS_KEXEC_LOAD, nil, eperm},
			{x64, unix.SYS_OPEN_BY_HANDLE_AT, nil, eperm},
			{x64, unix.SYS_INIT_MODULE, nil, eperm},
			{x64, unix.SYS_FINIT_MODULE, nil, eperm},
			{x64, unix.SYS_DELETE_MODULE, nil, eperm},
			{x64, unix.SYS_READ, nil, allow},
			{x64, unix.SYS_UMOUNT2, []uint64{0, unix.MNT_FORCE}, seccompRetErrno | 13},
			{x64, unix.SYS_UMOUNT2, []uint64{0, unix.MNT_DETACH}, allow},
			{x64, unix.SYS_UMOUNT2, []uint64{0, 1<<32 | unix.MNT_DETACH}, allow},
			{i386, 283, nil, eperm}, // kexec_load on i386
			{i386, 3, nil, allow},   // read on i386
			{i386, 52, []uint64{0, 1}, seccompRetErrno | 13},
			{x64, x32SyscallBit + 528, nil, eperm}, // x32 kexec_load
			{x64, x32SyscallBit + 0, nil, allow},
			{0x40000028, 0, nil, kill}, // AUDIT_ARCH_ARM
		}},
		{file: "v1.seccomp", calls: []call{
			{x64, 0, nil, allow}, {x64, 1, nil, allow}, {x64, 60, nil, allow}, {x64, 231, nil, allow},
			{x64, 2, nil, kill}, {i386, 1, nil, kill}, {x64, x32SyscallBit, nil, kill},
		}},
		{file: "v2-args.seccomp", calls: []call{
			{x64, unix.SYS_MKDIR, nil, seccompRetErrno | 42},
			{x64, unix.SYS_CHMOD, nil, kill},
			{i386, 39, nil, allow}, // mkdir on i386: the rule is [x86_64] only
			{x64, unix.SYS_IOCTL, []uint64{0, unix.TIOCSTI}, eperm},
			{x64, unix.SYS_IOCTL, []uint64{0, 0xdead00000000 | unix.TIOCSTI}, eperm},
			{x64, unix.SYS_IOCTL, []uint64{0, unix.TCGETS}, allow},
			{x64, unix.SYS_PERSONALITY, []uint64{8}, allow},
			{x64, unix.SYS_PERSONALITY, []uint64{0}, seccompRetErrno | 22},
			{x64, unix.SYS_PERSONALITY, []uint64{8 | 1<<32}, seccompRetErrno | 22},
			{i386, 136, []uint64{0}, seccompRetErrno | 22},
		}},
		{file: "v2-allow.seccomp", calls: []call{
			{x64, unix.SYS_READ, nil, allow}, {x64, unix.SYS_WRITE, nil, allow}, {x64, unix.SYS_EXIT_GROUP, nil, allow},
			{x64, unix.SYS_OPENAT, nil, seccompRetErrno | 38},
			{i386, 3, nil, allow}, {i386, 5, nil, seccompRetErrno | 38},
		}},
		{text: "2\ndenylist\nread errno 5 [0,10,SCMP_CMP_GT]\nwrite errno 6 [0,10,SCMP_CMP_GE]\nclose errno 7 [0,10,SCMP_CMP_LT]\ndup errno 8 [0,0x100000000,SCMP_CMP_LE]\nread errno 9\n", calls: []call{
			{x64, unix.SYS_READ, []uint64{11}, seccompRetErrno | 5},
			{x64, unix.SYS_READ, []uint64{1 << 32}, seccompRetErrno | 5},
			{x64, unix.SYS_READ, []uint64{10}, seccompRetErrno | 9},
			{x64, unix.SYS_WRITE, []uint64{10}, seccompRetErrno | 6},
			{x64, unix.SYS_WRITE, []uint64{9}, allow},
			{x64, unix.SYS_CLOSE, []uint64{9}, seccompRetErrno | 7},
			{x64, unix.SYS_CLOSE, []uint64{10}, allow},
			{x64, unix.SYS_CLOSE, []uint64{1<<32 | 1}, allow},
			{x64, unix.SYS_DUP, []uint64{1 << 32}, seccompRetErrno | 8},
			{x64, unix.SYS_DUP, []uint64{0xffffffff}, seccompRetErrno | 8},
			{x64, unix.SYS_DUP, []uint64{1<<32 + 1}, allow},
		}},
		{text: DefaultSeccompProfile, calls: []call{
			{x64, unix.SYS_KEYCTL, nil, seccompRetErrno | 38},
			{x64, unix.SYS_IOCTL, []uint64{0, unix.TIOCLINUX}, eperm},
			{x64, unix.SYS_IOCTL, []uint64{0, unix.TIOCSTI}, eperm},
			{x64, unix.SYS_KEXEC_LOAD, nil, eperm},
		}},
	}
	for _, tt := range tests {
		name := tt.file
		if name == "" {
			name = strings.SplitN(tt.text, "\n", 4)[2]
		}
		t.Run(name, func(t *testing.T) {
			var prog []unix.SockFilter
			if tt.file != "" {
				prog = compileFile(t, tt.file)
			} else {
				p, err := CompileSeccompProfile(tt.text)
				if err != nil {
					t.Fatal(err)
				}
				prog = p.Filter
			}
			for _, c := range tt.calls {
				if got := bpfRun(t, prog, seccompData(c.arch, c.nr, c.args...)); got != c.want {
					t.Errorf("arch %#x nr %d args %#x: got %#x, want %#x", c.arch, c.nr, c.args, got, c.want)
				}
			}
		})
	}
}

// Notify rules: seccomp_notify_test.go.

func TestSeccompShippedProfile(t *testing.T) {
	const p = "/usr/share/lxc/config/common.seccomp"
	if _, err := os.Stat(p); err != nil {
		t.Skip("LXC's common.seccomp is not installed")
	}
	prog, err := LoadSeccomp(&Config{SeccompProfile: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(prog.Filter) == 0 {
		t.Fatal("empty filter")
	}
}

func FuzzSeccompProfile(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "seccomp", "*.seccomp"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(DefaultSeccompProfile)
	f.Add("2\nallowlist\nread [0,1,==] [1,2,&=,3]\n")
	f.Fuzz(func(t *testing.T, s string) {
		pol, err := ParseSeccompProfile(strings.NewReader(s))
		if err != nil {
			return
		}
		prog, _, err := CompileSeccomp(pol)
		if err != nil {
			return
		}
		// Every compiled program must end in a return for any input.
		for _, arch := range []uint32{auditArchX86_64, auditArchI386, 0} {
			for _, nr := range []int{0, 1, 16, 165, x32SyscallBit + 1} {
				bpfRun(t, prog, seccompData(arch, nr, 1, 1<<33, 0x5412))
			}
		}
	})
}
