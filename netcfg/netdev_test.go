package netcfg

import (
	"encoding/json"
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

func TestExpandHWAddr(t *testing.T) {
	seq := func(vals ...byte) func() byte {
		i := 0
		return func() byte { v := vals[i%len(vals)]; i++; return v }
	}
	tests := []struct {
		pattern string
		rnd     func() byte
		want    string
		wantErr bool
	}{
		{"00:16:3e:xx:xx:xx", seq(0xa, 0xb, 0xc, 0xd, 0xe, 0xf), "00:16:3e:ab:cd:ef", false},
		{"00:16:3E:12:34:56", seq(0), "00:16:3e:12:34:56", false},
		// A random second nibble is made unicast + locally administered.
		{"xx:xx:xx:xx:xx:xx", seq(0xf), "fe:ff:ff:ff:ff:ff", false},
		{"xx:00:00:00:00:00", seq(0x1, 0x1), "12:00:00:00:00:00", false},
		{"0x:00:00:00:00:01", seq(0x0), "02:00:00:00:00:01", false},
		{"aX:00:00:00:00:01", seq(0x5), "a6:00:00:00:00:01", false},
		{"01:00:00:00:00:00", seq(0), "", true}, // multicast, fixed
		{"00:16:3e:xx:xx", seq(0), "", true},
		{"00:16:3e:xx:xx:xg", seq(0), "", true},
		{"00163exxxxxx", seq(0), "", true},
		{"", seq(0), "", true},
	}
	for _, tt := range tests {
		got, err := expandHWAddr(tt.pattern, tt.rnd)
		if (err != nil) != tt.wantErr {
			t.Errorf("expandHWAddr(%q) error = %v, want error %v", tt.pattern, err, tt.wantErr)
			continue
		}
		if err == nil && got.String() != tt.want {
			t.Errorf("expandHWAddr(%q) = %s, want %s", tt.pattern, got, tt.want)
		}
	}
	// The real random source: every result is unicast and locally
	// administered when the first octet is random, and keeps fixed parts.
	for i := 0; i < 200; i++ {
		m, err := ExpandHWAddr("xx:16:3e:xx:xx:xx")
		if err != nil {
			t.Fatal(err)
		}
		if m[0]&1 != 0 || m[0]&2 == 0 {
			t.Fatalf("ExpandHWAddr: %s is not unicast + locally administered", m)
		}
		if m[1] != 0x16 || m[2] != 0x3e {
			t.Fatalf("ExpandHWAddr: %s lost the fixed octets", m)
		}
	}
}

func TestValidate(t *testing.T) {
	long := "abcdefghijklmnop" // 16 bytes
	tests := []struct {
		name string
		devs []Netdev
		want string // substring of the error, "" = valid
	}{
		{"empty list", nil, ""},
		{"veth no link", []Netdev{{Index: 0, Type: "veth"}}, ""},
		{"veth full", []Netdev{{Index: 0, Type: "veth", Link: "br0", Flags: "up", Name: "eth0",
			HWAddr: "00:16:3e:xx:xx:xx", MTU: "1500", IPv4: []string{"192.0.2.2/24", "192.0.2.3/24 192.0.2.255"},
			IPv6: []string{"2001:db8::2/64"}, IPv4Gateway: "192.0.2.1", IPv6Gateway: "auto", VethPair: "vethhost0"}}, ""},
		{"untyped is empty", []Netdev{{Index: 3, Name: long}}, ""},
		{"unknown type", []Netdev{{Index: 0, Type: "vth"}}, `lxc.net.0.type: unknown network type "vth"`},
		{"bad flag", []Netdev{{Index: 1, Type: "veth", Flags: "down"}}, "lxc.net.1.flags:"},
		{"name too long", []Netdev{{Index: 2, Type: "veth", Name: long}}, "lxc.net.2.name: interface name \"abcdefghijklmnop\" is too long"},
		{"name with slash", []Netdev{{Index: 0, Type: "veth", Name: "a/b"}}, "lxc.net.0.name: invalid interface name"},
		{"pair too long", []Netdev{{Index: 0, Type: "veth", VethPair: long}}, "lxc.net.0.veth.pair:"},
		{"link too long", []Netdev{{Index: 0, Type: "veth", Link: long}}, "lxc.net.0.link:"},
		{"macvlan no link", []Netdev{{Index: 4, Type: "macvlan"}}, "lxc.net.4.link: missing link"},
		{"ipvlan no link", []Netdev{{Index: 0, Type: "ipvlan"}}, "lxc.net.0.link: missing link"},
		{"vlan no link", []Netdev{{Index: 0, Type: "vlan", VlanID: "5"}}, "lxc.net.0.link: missing link"},
		{"phys no link", []Netdev{{Index: 0, Type: "phys"}}, "lxc.net.0.link: missing link"},
		{"bad veth mode", []Netdev{{Index: 0, Type: "veth", VethMode: "switch"}}, "lxc.net.0.veth.mode:"},
		{"bad macvlan mode", []Netdev{{Index: 0, Type: "macvlan", Link: "eth0", MacvlanMode: "l3"}}, "lxc.net.0.macvlan.mode:"},
		{"good macvlan mode", []Netdev{{Index: 0, Type: "macvlan", Link: "eth0", MacvlanMode: "passthru"}}, ""},
		{"bad ipvlan mode", []Netdev{{Index: 0, Type: "ipvlan", Link: "eth0", IPvlanMode: "bridge"}}, "lxc.net.0.ipvlan.mode:"},
		{"bad ipvlan isolation", []Netdev{{Index: 0, Type: "ipvlan", Link: "eth0", IPvlanIsolation: "l2"}}, "lxc.net.0.ipvlan.isolation:"},
		{"bad vlan id", []Netdev{{Index: 0, Type: "vlan", Link: "eth0", VlanID: "4095"}}, "lxc.net.0.vlan.id:"},
		{"bad hwaddr", []Netdev{{Index: 0, Type: "veth", HWAddr: "00:16:3e:xx:xx"}}, "lxc.net.0.hwaddr:"},
		{"bad mtu", []Netdev{{Index: 0, Type: "veth", MTU: "abc"}}, "lxc.net.0.mtu:"},
		{"bad ipv4", []Netdev{{Index: 0, Type: "veth", IPv4: []string{"192.0.2.300/24"}}}, "lxc.net.0.ipv4.address:"},
		{"ipv6 in ipv4", []Netdev{{Index: 0, Type: "veth", IPv4: []string{"2001:db8::1/64"}}}, "lxc.net.0.ipv4.address:"},
		{"bad ipv6", []Netdev{{Index: 0, Type: "veth", IPv6: []string{"2001:db8::g/64"}}}, "lxc.net.0.ipv6.address:"},
		{"bad gateway", []Netdev{{Index: 0, Type: "veth", Flags: "up", IPv4: []string{"192.0.2.2/24"}, IPv4Gateway: "2001:db8::1"}}, "lxc.net.0.ipv4.gateway:"},
		{"gateway needs up", []Netdev{{Index: 0, Type: "veth", IPv4: []string{"192.0.2.2/24"}, IPv4Gateway: "192.0.2.1"}}, "lxc.net.0.ipv4.gateway: a gateway needs lxc.net.0.flags = up"},
		{"gateway needs address", []Netdev{{Index: 0, Type: "veth", Flags: "up", IPv6Gateway: "2001:db8::1"}}, "lxc.net.0.ipv6.gateway:"},
		{"gateway dev", []Netdev{{Index: 0, Type: "veth", Flags: "up", IPv4Gateway: "dev"}}, ""},
		{"auto needs link", []Netdev{{Index: 0, Type: "veth", Flags: "up", IPv4: []string{"192.0.2.2/24"}, IPv4Gateway: "auto"}}, "lxc.net.0.ipv4.gateway:"},
		{"auto on phys", []Netdev{{Index: 0, Type: "phys", Link: "eth1", Flags: "up", IPv4: []string{"192.0.2.2/24"}, IPv4Gateway: "auto"}}, "only available for veth"},
		{"bad route", []Netdev{{Index: 0, Type: "veth", VethIPv4Routes: []string{"192.0.2.0"}}}, "lxc.net.0.veth.ipv4.route:"},
		{"bad route6", []Netdev{{Index: 0, Type: "veth", VethIPv6Routes: []string{"192.0.2.0/24"}}}, "lxc.net.0.veth.ipv6.route:"},
		{"duplicate name", []Netdev{{Index: 0, Type: "veth", Name: "eth0"}, {Index: 5, Type: "veth", Name: "eth0"}}, "lxc.net.5.name: interface name \"eth0\" already used by lxc.net.0"},
		{"none with others", []Netdev{{Index: 0, Type: "none"}, {Index: 1, Type: "veth"}}, "lxc.net.0.type: type none"},
		{"none alone", []Netdev{{Index: 0, Type: "none"}}, ""},
		{"l2proxy needs link", []Netdev{{Index: 0, Type: "veth", L2Proxy: true}}, "lxc.net.0.l2proxy:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.devs)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.want)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() error %T is not a *ValidationError", err)
			}
		})
	}
}

func TestParseIPv4(t *testing.T) {
	tests := []struct {
		in, prefix, bcast string
		bad               bool
	}{
		{"192.0.2.5/24", "192.0.2.5/24", "192.0.2.255", false},
		{"192.0.2.5/24 192.0.2.127", "192.0.2.5/24", "192.0.2.127", false},
		{"192.0.2.5/32", "192.0.2.5/32", "192.0.2.5", false},
		{"192.0.2.5/30", "192.0.2.5/30", "192.0.2.7", false},
		{"192.0.2.5", "192.0.2.5/24", "192.0.2.255", false}, // classful C
		{"10.1.2.3", "10.1.2.3/8", "10.255.255.255", false},
		{"172.16.0.1", "172.16.0.1/16", "172.16.255.255", false},
		{"192.0.2.5/33", "", "", true},
		{"192.0.2.5/24 x", "", "", true},
		{"192.0.2.5/24 a b", "", "", true},
		{"", "", "", true},
	}
	for _, tt := range tests {
		got, err := ParseIPv4(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("ParseIPv4(%q) error %v, want error %v", tt.in, err, tt.bad)
			continue
		}
		if err == nil && (got.Prefix.String() != tt.prefix || got.Broadcast.String() != tt.bcast) {
			t.Errorf("ParseIPv4(%q) = %s %s, want %s %s", tt.in, got.Prefix, got.Broadcast, tt.prefix, tt.bcast)
		}
	}
}

func TestParseIPv6(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2001:db8::2/64", "2001:db8::2/64"},
		{"2001:db8::2", "2001:db8::2/64"},
		{"2001:db8::2/128", "2001:db8::2/128"},
		{"192.0.2.1/24", ""},
		{"::ffff:192.0.2.1/96", ""},
		{"fe80::1%eth0/64", ""},
	}
	for _, tt := range tests {
		got, err := ParseIPv6(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseIPv6(%q) = %s, want error", tt.in, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseIPv6(%q) = %s, %v, want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestRandomIfName(t *testing.T) {
	re := regexp.MustCompile(`^veth[A-Za-z0-9]{6}$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		n := RandomIfName("veth", 10)
		if !re.MatchString(n) || len(n) > maxIfName {
			t.Fatalf("RandomIfName = %q", n)
		}
		seen[n] = true
	}
	if len(seen) < 95 {
		t.Fatalf("RandomIfName: only %d distinct names out of 100", len(seen))
	}
	if n := RandomIfName("vlan4094-", 15); len(n) != 15 || !strings.HasPrefix(n, "vlan4094-") {
		t.Fatalf("RandomIfName(vlan) = %q", n)
	}
}

func TestAutoGateway(t *testing.T) {
	pp := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	tests := []struct {
		name      string
		host, ct  []netip.Prefix
		want      string
		wantFound bool
	}{
		{"single", pp("192.0.2.1/24"), pp("192.0.2.2/24"), "192.0.2.1", true},
		{"same subnet wins", pp("198.51.100.1/24", "192.0.2.1/24"), pp("192.0.2.2/24"), "192.0.2.1", true},
		{"no match: first global", pp("fe80::1/64", "2001:db8:1::1/64"), pp("2001:db8:2::2/64"), "2001:db8:1::1", true},
		{"match ipv6", pp("fe80::1/64", "2001:db8:1::1/64", "2001:db8:2::1/64"), pp("2001:db8:2::2/64"), "2001:db8:2::1", true},
		{"only link-local", pp("fe80::1/64"), pp("2001:db8::2/64"), "fe80::1", true},
		{"none", nil, pp("192.0.2.2/24"), "", false},
	}
	for _, tt := range tests {
		got, ok := AutoGateway(tt.host, tt.ct)
		if ok != tt.wantFound || (ok && got.String() != tt.want) {
			t.Errorf("%s: AutoGateway = %v %v, want %s %v", tt.name, got, ok, tt.want, tt.wantFound)
		}
	}
}

func TestHostRoutes(t *testing.T) {
	d := &Netdev{Type: "veth", VethMode: "router", IPv4: []string{"192.0.2.2/24"}, IPv6: []string{"2001:db8::2/64"},
		VethIPv4Routes: []string{"192.0.2.128/25"}, VethIPv6Routes: []string{"2001:db8:1::5/48"}}
	got, err := hostRoutes(d)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	want := "192.0.2.128/25 2001:db8:1::/48 192.0.2.2/32 2001:db8::2/128"
	if strings.Join(s, " ") != want {
		t.Fatalf("hostRoutes = %v, want %s", s, want)
	}
	d.VethMode = "bridge"
	got, _ = hostRoutes(d)
	if len(got) != 2 {
		t.Fatalf("bridge mode hostRoutes = %v, want only the configured routes", got)
	}
}

func TestScriptArgs(t *testing.T) {
	tests := []struct {
		d    Netdev
		host string
		want string
	}{
		{Netdev{Type: "veth", Link: "br0"}, "vethAbc123", "veth br0 vethAbc123"},
		{Netdev{Type: "veth"}, "vethAbc123", "veth  vethAbc123"},
		{Netdev{Type: "macvlan", Link: "eth0"}, "", "macvlan eth0"},
		{Netdev{Type: "phys", Link: "eth1"}, "", "phys eth1"},
		{Netdev{Type: "empty"}, "", "empty"},
	}
	for _, tt := range tests {
		if got := strings.Join(scriptArgs(&tt.d, tt.host), " "); got != tt.want {
			t.Errorf("scriptArgs(%s) = %q, want %q", tt.d.Type, got, tt.want)
		}
	}
}

func TestRecordJSON(t *testing.T) {
	r := &Record{Devices: []Created{
		{Index: 0, Type: "veth", Link: "br0", HostName: "vethAbc123", NsName: "eth0"},
		{Index: 2, Type: "phys", Link: "enp1s0", NsName: "eth1", PhysIndex: 7, PhysMTU: 1500, PhysHWAddr: "02:00:00:00:00:01", PhysMoved: true,
			ProxyNeigh: []ProxyNeigh{{Link: "enp1s0", IP: "192.0.2.9"}}},
	}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&back)
	if string(b) != string(b2) {
		t.Fatalf("round trip changed the record:\n%s\n%s", b, b2)
	}
	if back.HostIf(0) != "vethAbc123" || back.HostIf(2) != "enp1s0" || back.HostIf(9) != "" {
		t.Fatalf("HostIf wrong: %q %q %q", back.HostIf(0), back.HostIf(2), back.HostIf(9))
	}
}
