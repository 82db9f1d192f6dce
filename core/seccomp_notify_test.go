package core

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"unsafe"
)

// TestSeccompNotifyCompile: notify rules compile to SECCOMP_RET_USER_NOTIF
// and mark the program as needing a listener; a default notify is refused.
func TestSeccompNotifyCompile(t *testing.T) {
	p, err := CompileSeccompProfile("2\ndenylist\nmkdir notify\n")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Notify {
		t.Error("Notify not set for a profile with a notify rule")
	}
	const mkdirX86_64, mkdirI386, getpid = 83, 39, 39
	for _, c := range []struct {
		arch uint32
		nr   int
		want uint32
	}{
		{auditArchX86_64, mkdirX86_64, seccompRetUserNotif},
		{auditArchX86_64, getpid, seccompRetAllow},
		{auditArchI386, mkdirI386, seccompRetUserNotif},
		{auditArchX86_64, x32SyscallBit + mkdirX86_64, seccompRetUserNotif},
	} {
		if got := bpfRun(t, p.Filter, seccompData(c.arch, c.nr)); got != c.want {
			t.Errorf("arch %#x nr %d: got %#x, want %#x", c.arch, c.nr, got, c.want)
		}
	}
	if p, err := CompileSeccompProfile("2\ndenylist\nmkdir errno 1\n"); err != nil || p.Notify {
		t.Errorf("profile without notify: Notify = %v, err = %v", p != nil && p.Notify, err)
	}
	if _, err := CompileSeccompProfile("2\ndenylist notify\nmkdir\n"); err == nil || !strings.Contains(err.Error(), "default action notify") {
		t.Errorf("default notify: err = %v", err)
	}
}

// TestSeccompNotifyStructSizes: our layout matches the kernel's structs
// and LXC's struct seccomp_notify_proxy_msg.
func TestSeccompNotifyStructSizes(t *testing.T) {
	if s := unsafe.Sizeof(notifSizes{}); s != 6 {
		t.Errorf("struct seccomp_notif_sizes is %d bytes, want 6", s)
	}
	sz, err := kernelNotifSizes()
	if err != nil {
		t.Skipf("kernel without seccomp notify sizes: %v", err)
	}
	if sz.Notif != notifSize || sz.Resp != notifRespSize || sz.Data != notifDataSize {
		t.Errorf("kernel sizes %+v, ours %d/%d/%d", sz, notifSize, notifRespSize, notifDataSize)
	}
}

func testNotif(id uint64, pid uint32, nr int32) []byte {
	b := make([]byte, notifSize)
	binary.LittleEndian.PutUint64(b[0:], id)
	binary.LittleEndian.PutUint32(b[8:], pid)
	binary.LittleEndian.PutUint32(b[16:], uint32(nr))
	binary.LittleEndian.PutUint32(b[20:], auditArchX86_64)
	binary.LittleEndian.PutUint64(b[24:], 0x401000)
	for i := 0; i < 6; i++ {
		binary.LittleEndian.PutUint64(b[32+8*i:], uint64(i+1))
	}
	return b
}

// TestSeccompNotifyProxyMsg: the message to the proxy is LXC's header
// (32 bytes), the seccomp_notif, a response template and the cookie.
func TestSeccompNotifyProxyMsg(t *testing.T) {
	sz := notifSizes{Notif: notifSize, Resp: notifRespSize, Data: notifDataSize}
	notif := testNotif(0x1122334455667788, 4242, 83)
	for _, cookie := range []string{"", "my-cookie"} {
		b := encodeProxyMsg(1000, 2000, sz, notif, cookie)
		if len(b) != 32+80+24+len(cookie) {
			t.Fatalf("cookie %q: length %d", cookie, len(b))
		}
		le := binary.LittleEndian
		if le.Uint64(b[0:]) != 0 || le.Uint32(b[8:]) != 1000 || le.Uint32(b[12:]) != 2000 ||
			le.Uint16(b[16:]) != 80 || le.Uint16(b[18:]) != 24 || le.Uint16(b[20:]) != 64 ||
			le.Uint16(b[22:]) != 0 || le.Uint64(b[24:]) != uint64(len(cookie)) {
			t.Errorf("cookie %q: bad header % x", cookie, b[:32])
		}
		if !bytes.Equal(b[32:112], notif) {
			t.Errorf("cookie %q: notification not copied", cookie)
		}
		if r := decodeNotifResp(b[112:136]); r != (seccompNotifResp{ID: 0x1122334455667788}) {
			t.Errorf("cookie %q: response template %+v", cookie, r)
		}
		if string(b[136:]) != cookie {
			t.Errorf("cookie %q: got %q", cookie, b[136:])
		}
		n := decodeNotif(b[32:112])
		if n.ID != 0x1122334455667788 || n.PID != 4242 || n.Nr != 83 || n.Arch != auditArchX86_64 ||
			n.IP != 0x401000 || n.Args != [6]uint64{1, 2, 3, 4, 5, 6} {
			t.Errorf("decoded notification %+v", n)
		}
	}
}

// TestSeccompNotifyProxyReply: the proxy's answer is the header, the
// notification and the response, and must answer the notification asked.
func TestSeccompNotifyProxyReply(t *testing.T) {
	sz := notifSizes{Notif: notifSize, Resp: notifRespSize, Data: notifDataSize}
	const id = 77
	good := func() []byte {
		b := encodeProxyMsg(1, 2, sz, testNotif(id, 9, 83), "")
		seccompNotifResp{ID: id, Error: -42}.encode(b[112:])
		return b
	}
	tests := []struct {
		name    string
		mod     func([]byte) []byte
		wantErr string
	}{
		{"good", func(b []byte) []byte { return b }, ""},
		{"short", func(b []byte) []byte { return b[:len(b)-1] }, "bytes"},
		{"with cookie", func(b []byte) []byte { return append(b, 'c') }, "bytes"},
		{"reserved", func(b []byte) []byte { b[0] = 1; return b }, "reserved"},
		{"other id", func(b []byte) []byte { b[112] = 78; return b }, "notification"},
	}
	for _, tt := range tests {
		r, err := decodeProxyReply(tt.mod(good()), sz, id)
		if tt.wantErr == "" {
			if err != nil || r != (seccompNotifResp{ID: id, Error: -42}) {
				t.Errorf("%s: %+v, %v", tt.name, r, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
	var b [notifRespSize]byte
	seccompNotifResp{ID: 5, Val: -1, Error: -38, Flags: 1}.encode(b[:])
	want := []byte{5, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xda, 0xff, 0xff, 0xff, 1, 0, 0, 0}
	if !bytes.Equal(b[:], want) {
		t.Errorf("response encoding % x", b)
	}
}

func TestSeccompNotifyProxySockaddr(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"unix:/run/proxy.sock", "/run/proxy.sock"},
		{"unix:@proxy", "@proxy"},
		{"unix:", ""},
		{"unix:@", ""},
		{"tcp:1.2.3.4", ""},
		{"unix:/" + strings.Repeat("a", 120), ""},
	} {
		sa, err := proxySockaddr(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%q: no error", tt.in)
		case tt.want != "" && (err != nil || sa.Name != tt.want):
			t.Errorf("%q: %v, %v", tt.in, sa, err)
		}
	}
}
