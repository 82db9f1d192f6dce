package cgroupfs

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const (
	accR = unix.BPF_DEVCG_ACC_READ
	accW = unix.BPF_DEVCG_ACC_WRITE
	accM = unix.BPF_DEVCG_ACC_MKNOD
)

func TestParseDeviceRule(t *testing.T) {
	tests := []struct {
		in      string
		want    DeviceRule
		wantErr string
	}{
		{"a", DeviceRule{Type: 'a', Major: -1, Minor: -1, Access: accAll}, ""},
		{"c 1:3 rwm", DeviceRule{Type: 'c', Major: 1, Minor: 3, Access: accAll}, ""},
		{"b 7:* r", DeviceRule{Type: 'b', Major: 7, Minor: -1, Access: accR}, ""},
		{"c *:* m", DeviceRule{Type: 'c', Major: -1, Minor: -1, Access: accM}, ""},
		{"c 136:* rw", DeviceRule{Type: 'c', Major: 136, Minor: -1, Access: accR | accW}, ""},
		{"c 5:1", DeviceRule{Type: 'c', Major: 5, Minor: 1, Access: accAll}, ""},
		{"a *:* rwm", DeviceRule{Type: 'a', Major: -1, Minor: -1, Access: accAll}, ""},
		{"", DeviceRule{}, "invalid device rule"},
		{"x 1:3 r", DeviceRule{}, "unknown type"},
		{"c", DeviceRule{}, "missing major:minor"},
		{"c 1 r", DeviceRule{}, "want major:minor"},
		{"c a:3 r", DeviceRule{}, "major"},
		{"c 1:-3 r", DeviceRule{}, "minor"},
		{"c 1:3 rx", DeviceRule{}, "not in"},
		{"c 1:3 r extra", DeviceRule{}, "invalid device rule"},
	}
	for _, tt := range tests {
		got, err := ParseDeviceRule(true, tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		tt.want.Allow = true
		if err != nil || got != tt.want {
			t.Errorf("%q: got %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

// runBPF interprets the few eBPF instructions the device program uses, so
// the assembled program is checked against DeviceProgram.Eval.
func runBPF(t *testing.T, code []byte, ctx [3]uint32) uint64 {
	var r [11]uint64
	pc := 0
	for steps := 0; steps < 10000; steps++ {
		if pc < 0 || (pc+1)*8 > len(code) {
			t.Fatalf("pc %d out of program", pc)
		}
		in := code[pc*8 : pc*8+8]
		op, dst, src := in[0], in[1]&0xf, in[1]>>4
		off := int16(binary.LittleEndian.Uint16(in[2:]))
		imm := uint64(int64(int32(binary.LittleEndian.Uint32(in[4:]))))
		pc++
		switch op {
		case opLdxW:
			if src != regCtx || off%4 != 0 || off < 0 || off > 8 {
				t.Fatalf("bad load off %d", off)
			}
			r[dst] = uint64(ctx[off/4])
		case opAndK:
			r[dst] &= imm
		case opRshK:
			r[dst] >>= imm
		case opMovK:
			r[dst] = imm
		case opMovX:
			r[dst] = r[src]
		case opJneK:
			if r[dst] != imm {
				pc += int(off)
			}
		case opJeqK:
			if r[dst] == imm {
				pc += int(off)
			}
		case opExit:
			return r[0]
		default:
			t.Fatalf("unknown opcode %#x", op)
		}
	}
	t.Fatal("program does not terminate")
	return 0
}

func TestDeviceProgram(t *testing.T) {
	type check struct {
		typ          byte
		major, minor int64
		access       uint32
		want         bool
	}
	tests := []struct {
		name   string
		rules  []Setting
		checks []check
	}{
		{"deny-list default", []Setting{{"devices.deny", "c 1:3 rwm"}}, []check{
			{'c', 1, 3, accR, false}, {'c', 1, 5, accR | accW, true}, {'b', 1, 3, accR, true},
		}},
		{"allow-list (common.conf style)", []Setting{
			{"devices.deny", "a"},
			{"devices.allow", "c *:* m"},
			{"devices.allow", "b *:* m"},
			{"devices.allow", "c 1:3 rwm"},
			{"devices.allow", "c 136:* rw"},
		}, []check{
			{'c', 1, 3, accR | accW, true}, {'c', 1, 5, accR, false}, {'c', 1, 5, accM, true},
			{'b', 8, 0, accM, true}, {'b', 8, 0, accR, false}, {'c', 136, 4, accR | accW, true},
			{'c', 136, 4, accM, true}, {'c', 137, 0, accR, false},
		}},
		{"later deny narrows an allow", []Setting{
			{"devices.deny", "a"},
			{"devices.allow", "c 1:3 rwm"},
			{"devices.deny", "c 1:3 w"},
		}, []check{
			{'c', 1, 3, accR, true}, {'c', 1, 3, accW, false}, {'c', 1, 3, accR | accW, false}, {'c', 1, 3, accM, true},
		}},
		{"'a' resets rules", []Setting{
			{"devices.deny", "c 1:3 rwm"},
			{"devices.deny", "a"},
			{"devices.allow", "a"},
		}, []check{{'c', 1, 3, accR, true}, {'b', 8, 0, accW, true}}},
		{"type a rule with numbers", []Setting{{"devices.deny", "a 4:* w"}}, []check{
			{'c', 4, 1, accW, false}, {'b', 4, 1, accW, false}, {'c', 4, 1, accR, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := CompileDeviceRules(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			code := encodeInsns(p.Instructions())
			for _, c := range tt.checks {
				if got := p.Eval(c.typ, c.major, c.minor, c.access); got != c.want {
					t.Errorf("Eval(%c %d:%d %b) = %v, want %v", c.typ, c.major, c.minor, c.access, got, c.want)
				}
			}
			// Exhaustive comparison of the assembled program with Eval.
			for _, typ := range []byte{'b', 'c'} {
				dt := uint32(unix.BPF_DEVCG_DEV_BLOCK)
				if typ == 'c' {
					dt = unix.BPF_DEVCG_DEV_CHAR
				}
				for _, maj := range []int64{0, 1, 4, 8, 136, 137} {
					for _, min := range []int64{0, 1, 3, 5} {
						for acc := uint32(1); acc <= accAll; acc++ {
							got := runBPF(t, code, [3]uint32{acc<<16 | dt, uint32(maj), uint32(min)}) == 1
							if want := p.Eval(typ, maj, min, acc); got != want {
								t.Fatalf("program(%c %d:%d %03b) = %v, Eval = %v", typ, maj, min, acc, got, want)
							}
						}
					}
				}
			}
		})
	}
}

func TestDeviceProgramInstructions(t *testing.T) {
	p, err := CompileDeviceRules([]Setting{{"devices.deny", "a"}, {"devices.allow", "c 1:3 rw"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Insn{
		{Code: opLdxW, Dst: 2, Src: 1},
		{Code: opAndK, Dst: 2, Imm: 0xffff},
		{Code: opLdxW, Dst: 3, Src: 1},
		{Code: opRshK, Dst: 3, Imm: 16},
		{Code: opLdxW, Dst: 4, Src: 1, Off: 4},
		{Code: opLdxW, Dst: 5, Src: 1, Off: 8},
		{Code: opJneK, Dst: 2, Off: 7, Imm: unix.BPF_DEVCG_DEV_CHAR},
		{Code: opMovX, Dst: 6, Src: 3},
		{Code: opAndK, Dst: 6, Imm: accM},
		{Code: opJneK, Dst: 6, Off: 4, Imm: 0},
		{Code: opJneK, Dst: 4, Off: 3, Imm: 1},
		{Code: opJneK, Dst: 5, Off: 2, Imm: 3},
		{Code: opMovK, Dst: 0, Imm: 1},
		{Code: opExit},
		{Code: opMovK, Dst: 0, Imm: 0},
		{Code: opExit},
	}
	got := p.Instructions()
	if len(got) != len(want) {
		t.Fatalf("got %d insns, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("insn %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if b := encodeInsns(got[:1]); b[0] != 0x61 || b[1] != 0x12 {
		t.Errorf("encoding of ldxw r2, [r1] = % x", b)
	}
}

func TestCompileDeviceRulesErrors(t *testing.T) {
	_, err := CompileDeviceRules([]Setting{{"devices.allow", "q 1:2 r"}})
	if err == nil || !strings.HasPrefix(err.Error(), `lxc.cgroup2.devices.allow = "q 1:2 r": invalid device rule`) {
		t.Errorf("err = %v", err)
	}
}
