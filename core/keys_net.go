package core

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/lxc-go/lxc/netcfg"
)

// Network keys: lxc.net clears every device, lxc.net.N clears device N,
// lxc.net.N.SUBKEY sets one property (config_jump_table_net in LXC's
// confile.c). N is an identifier, not a position: 0 and 2 without 1 is
// fine, and a subkey before any type creates the device (reported as
// type "empty").

// maxNetIndex is the largest device index LXC accepts (larger ones "would
// overflow the counter").
const maxNetIndex = 1<<31 - 2

// maxNetDevices bounds the number of devices one config may define, so a
// hostile config cannot make us allocate without limit (LXC has no
// limit; no real container has thousands of interfaces).
const maxNetDevices = 4096

// ifNameSize is IFNAMSIZ: interface names are at most 15 bytes.
const ifNameSize = 16

// netListSub are the subkeys whose repeated lines accumulate.
var netListSub = map[string]bool{
	"ipv4.address": true, "ipv6.address": true, "veth.ipv4.route": true,
	"veth.ipv6.route": true, "veth.vlan.tagged.id": true,
}

// netTypes are the values of lxc.net.N.type.
var netTypes = map[string]bool{"none": true, "empty": true, "veth": true, "vlan": true, "macvlan": true, "ipvlan": true, "phys": true}

// splitNetKey splits "lxc.net.N.sub" into N and sub ("" for "lxc.net.N").
// ok is false when the key has no index; err explains a bad index.
func splitNetKey(key string) (idx int, sub string, ok bool) {
	rest, found := strings.CutPrefix(key, "lxc.net.")
	if !found {
		return 0, "", false
	}
	num, sub, _ := strings.Cut(rest, ".")
	if num == "" || strings.Trim(num, "0123456789") != "" {
		return 0, "", false
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n > maxNetIndex {
		return -1, sub, true
	}
	return int(n), sub, true
}

// netIndex validates the index part of a network key.
func netIndex(key string) (int, string, error) {
	rest := strings.TrimPrefix(key, "lxc.net.")
	num, _, _ := strings.Cut(rest, ".")
	idx, sub, ok := splitNetKey(key)
	if !ok {
		return 0, "", fmt.Errorf("invalid network device index %q", num)
	}
	if idx < 0 {
		return 0, "", fmt.Errorf("network device index %s out of range (max %d)", num, maxNetIndex)
	}
	return idx, sub, nil
}

// netSub is one lxc.net.N.SUBKEY handler. types, when set, restricts the
// key to those device types (LXC refuses e.g. veth.pair on a macvlan).
type netSub struct {
	types []string
	set   func(d *NetDev, v string) error
	get   func(d *NetDev) string
	clear func(d *NetDev)
}

func netStr(f func(*NetDev) *string, check func(string) error) netSub {
	return netSub{
		set: func(d *NetDev, v string) error {
			if check != nil {
				if err := check(v); err != nil {
					return err
				}
			}
			*f(d) = v
			return nil
		},
		get:   func(d *NetDev) string { return *f(d) },
		clear: func(d *NetDev) { *f(d) = "" },
	}
}

// hwaddrSub keeps lxc.net.N.hwaddr as written (the 'x' nibbles are
// randomised when the device is created), but reads back as LXC shows it
// (lxc-info -c): with the 'x' nibbles filled in, since LXC randomises
// them when it parses the key.
func hwaddrSub() netSub {
	sub := netStr(func(d *NetDev) *string { return &d.HWAddr }, nil)
	sub.get = func(d *NetDev) string {
		if strings.ContainsAny(d.HWAddr, "xX") {
			if mac, err := netcfg.ExpandHWAddr(d.HWAddr); err == nil {
				return mac.String()
			}
		}
		return d.HWAddr
	}
	return sub
}

func netList(f func(*NetDev) *[]string, check func(string) (string, error)) netSub {
	return netSub{
		set: func(d *NetDev, v string) error {
			v, err := check(v)
			if err != nil {
				return err
			}
			*f(d) = append(*f(d), v)
			return nil
		},
		// LXC separates entries with newlines but ends without one.
		get:   func(d *NetDev) string { return strings.Join(*f(d), "\n") },
		clear: func(d *NetDev) { *f(d) = nil },
	}
}

func oneOf(what string, vals ...string) func(string) error {
	return func(v string) error {
		for _, x := range vals {
			if v == x {
				return nil
			}
		}
		return fmt.Errorf("invalid %s %q (want %s)", what, v, strings.Join(vals, ", "))
	}
}

func ifName(v string) error {
	if len(v) >= ifNameSize {
		return fmt.Errorf("network device name %q is too long (>= %d)", v, ifNameSize)
	}
	return nil
}

// parseIPv4Addr reads "a.b.c.d[/m] [bcast]" and returns it normalised to
// "a.b.c.d/m" plus " bcast" when given. Without /m, LXC 5.0.2's classful
// default applies (see ipv4ClassPrefix).
func parseIPv4Addr(v string) (string, error) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f) > 2 {
		return "", fmt.Errorf("invalid ipv4 address %q", v)
	}
	a, m, hasMask := strings.Cut(f[0], "/")
	ip, err := netip.ParseAddr(a)
	if err != nil || !ip.Is4() {
		return "", fmt.Errorf("invalid ipv4 address %q", v)
	}
	prefix := ipv4ClassPrefix(ip.As4()[3])
	if hasMask {
		n, err := strconv.ParseUint(m, 10, 8)
		if err != nil || n > 32 {
			return "", fmt.Errorf("invalid ipv4 prefix length %q", m)
		}
		prefix = int(n)
	}
	out := fmt.Sprintf("%s/%d", ip, prefix)
	if len(f) == 2 {
		b, err := netip.ParseAddr(f[1])
		if err != nil || !b.Is4() {
			return "", fmt.Errorf("invalid ipv4 broadcast address %q", f[1])
		}
		out += " " + b.String()
	}
	return out, nil
}

// parseIPv6Addr reads "x::y[/m]" (default /64).
func parseIPv6Addr(v string) (string, error) {
	a, m, hasMask := strings.Cut(strings.Trim(v, " \t"), "/")
	ip, err := netip.ParseAddr(a)
	if err != nil || !ip.Is6() || ip.Zone() != "" {
		return "", fmt.Errorf("invalid ipv6 address %q", v)
	}
	prefix := 64
	if hasMask {
		n, err := strconv.ParseUint(m, 10, 8)
		if err != nil || n > 128 {
			return "", fmt.Errorf("invalid ipv6 prefix length %q", m)
		}
		prefix = int(n)
	}
	return fmt.Sprintf("%s/%d", ip, prefix), nil
}

// gateway checks an address (no prefix) of the family, "auto" or "dev".
func gateway(v6 bool) func(string) error {
	return func(v string) error {
		if v == "auto" || v == "dev" {
			return nil
		}
		ip, err := netip.ParseAddr(v)
		if err != nil || ip.Is6() != v6 || ip.Is4In6() {
			fam := "ipv4"
			if v6 {
				fam = "ipv6"
			}
			return fmt.Errorf("invalid %s gateway address %q", fam, v)
		}
		return nil
	}
}

// route checks a veth host route "addr/prefix" of one family.
func route(v6 bool) func(string) (string, error) {
	return func(v string) (string, error) {
		p, err := netip.ParsePrefix(strings.Trim(v, " \t"))
		if err != nil || p.Addr().Is6() != v6 {
			return "", fmt.Errorf("invalid route %q: want ADDRESS/PREFIX", v)
		}
		return p.String(), nil
	}
}

func vlanID(max uint64, none bool) func(string) error {
	return func(v string) error {
		if none && v == "none" {
			return nil
		}
		n, err := strconv.ParseUint(v, 10, 16)
		if err != nil || n > max {
			return fmt.Errorf("invalid vlan id %q (0..%d)", v, max)
		}
		return nil
	}
}

func uintStr(v string) error {
	if _, err := parseUintLXC(v); err != nil {
		return fmt.Errorf("invalid number %q", v)
	}
	return nil
}

var netSubs = map[string]netSub{
	"type": {
		set: func(d *NetDev, v string) error {
			if !netTypes[v] {
				return fmt.Errorf("invalid network type %q", v)
			}
			d.Type = v
			return nil
		},
		get: func(d *NetDev) string {
			if d.Type == "" {
				return "empty"
			}
			return d.Type
		},
		clear: func(d *NetDev) { d.Type = "" },
	},
	// LXC sets IFF_UP for any value, so "down" also reads back "up".
	"flags": {
		set:   func(d *NetDev, v string) error { d.Flags = "up"; return nil },
		get:   func(d *NetDev) string { return d.Flags },
		clear: func(d *NetDev) { d.Flags = "" },
	},
	"link":         netStr(func(d *NetDev) *string { return &d.Link }, ifName),
	"name":         netStr(func(d *NetDev) *string { return &d.Name }, ifName),
	"hwaddr":       hwaddrSub(),
	"mtu":          netStr(func(d *NetDev) *string { return &d.MTU }, nil),
	"ipv4.address": ipv4Sub(),
	"ipv6.address": netList(func(d *NetDev) *[]string { return &d.IPv6 }, parseIPv6Addr),
	"ipv4.gateway": netStr(func(d *NetDev) *string { return &d.IPv4Gateway }, gateway(false)),
	"ipv6.gateway": netStr(func(d *NetDev) *string { return &d.IPv6Gateway }, gateway(true)),
	"script.up":    netStr(func(d *NetDev) *string { return &d.ScriptUp }, nil),
	"script.down":  netStr(func(d *NetDev) *string { return &d.ScriptDown }, nil),
	"l2proxy": {
		set: func(d *NetDev, v string) error {
			b, err := parseBool01(v)
			d.L2Proxy = b
			return err
		},
		get:   func(d *NetDev) string { return boolStr(d.L2Proxy) },
		clear: func(d *NetDev) { d.L2Proxy = false },
	},
	"veth.pair":           typed(netStr(func(d *NetDev) *string { return &d.VethPair }, ifName), "veth"),
	"veth.mode":           typed(netStr(func(d *NetDev) *string { return &d.VethMode }, oneOf("veth mode", "bridge", "router")), "veth"),
	"veth.ipv4.route":     typed(netList(func(d *NetDev) *[]string { return &d.VethIPv4Routes }, route(false)), "veth"),
	"veth.ipv6.route":     typed(netList(func(d *NetDev) *[]string { return &d.VethIPv6Routes }, route(true)), "veth"),
	"veth.vlan.id":        typed(netStr(func(d *NetDev) *string { return &d.VethVlanID }, vlanID(4094, true)), "veth"),
	"veth.vlan.tagged.id": typed(netList(func(d *NetDev) *[]string { return &d.VethVlanTagged }, func(v string) (string, error) { return v, vlanID(4094, false)(v) }), "veth"),
	"veth.n_rxqueues":     typed(netStr(func(d *NetDev) *string { return &d.VethRxQueues }, uintStr), "veth"),
	"veth.n_txqueues":     typed(netStr(func(d *NetDev) *string { return &d.VethTxQueues }, uintStr), "veth"),
	"macvlan.mode":        typed(netStr(func(d *NetDev) *string { return &d.MacvlanMode }, oneOf("macvlan mode", "private", "vepa", "bridge", "passthru")), "macvlan"),
	"ipvlan.mode":         typed(netStr(func(d *NetDev) *string { return &d.IPvlanMode }, oneOf("ipvlan mode", "l3", "l3s", "l2")), "ipvlan"),
	"ipvlan.isolation":    typed(netStr(func(d *NetDev) *string { return &d.IPvlanIsolation }, oneOf("ipvlan isolation", "bridge", "private", "vepa")), "ipvlan"),
	"vlan.id":             typed(netStr(func(d *NetDev) *string { return &d.VlanID }, vlanID(65535, false)), "vlan"),
}

// ipv4Sub is ipv4.address; the broadcast address is kept in the field but
// not shown by get, as in LXC.
func ipv4Sub() netSub {
	s := netList(func(d *NetDev) *[]string { return &d.IPv4 }, parseIPv4Addr)
	s.get = func(d *NetDev) string {
		out := make([]string, len(d.IPv4))
		for i, a := range d.IPv4 {
			out[i], _, _ = strings.Cut(a, " ")
		}
		return strings.Join(out, "\n")
	}
	return s
}

func typed(s netSub, types ...string) netSub {
	s.types = types
	return s
}

func (s netSub) allows(d *NetDev) bool {
	if s.types == nil {
		return true
	}
	for _, t := range s.types {
		if d.Type == t {
			return true
		}
	}
	return false
}

// NetSubkeys lists the lxc.net.N.* subkeys.
func NetSubkeys() []string {
	var out []string
	for k := range netSubs {
		out = append(out, k)
	}
	return out
}

func setNet(c *Config, key, v string) error {
	idx, sub, err := netIndex(key)
	if err != nil {
		return err
	}
	if sub == "" {
		if v != "" {
			return fmt.Errorf("%s only takes an empty value (which removes the device)", key)
		}
		delete(c.Net, idx)
		return nil
	}
	s, ok := netSubs[sub]
	if !ok {
		return fmt.Errorf("unknown network configuration key %q", key)
	}
	d := c.Net[idx]
	if v == "" {
		// Clearing a property of a device that does not exist is an
		// error in LXC (there is nothing to clear).
		if d == nil {
			return fmt.Errorf("network device %d is not defined", idx)
		}
		s.clear(d)
		return nil
	}
	if d == nil {
		if len(c.Net) >= maxNetDevices {
			return fmt.Errorf("more than %d network devices", maxNetDevices)
		}
		d = &NetDev{Index: idx}
	}
	if !s.allows(d) {
		return fmt.Errorf("%s can only be used with a %s network device", key, strings.Join(s.types, "/"))
	}
	if err := s.set(d, v); err != nil {
		return err
	}
	c.Net[idx] = d
	return nil
}

func getNet(c *Config, key string) (string, error) {
	idx, sub, err := netIndex(key)
	if err != nil {
		return "", err
	}
	if sub == "" {
		return "", errInvalidGet
	}
	s, ok := netSubs[sub]
	if !ok {
		return "", fmt.Errorf("unknown network configuration key %q", key)
	}
	d := c.Net[idx]
	if d == nil {
		return "", fmt.Errorf("network device %d is not defined", idx)
	}
	if !s.allows(d) {
		return "", fmt.Errorf("%s can only be used with a %s network device", key, strings.Join(s.types, "/"))
	}
	return s.get(d), nil
}

func clearNet(c *Config, key string) error {
	idx, sub, err := netIndex(key)
	if err != nil {
		return err
	}
	if sub == "" {
		delete(c.Net, idx)
		return nil
	}
	s, ok := netSubs[sub]
	if !ok {
		return fmt.Errorf("unknown network configuration key %q", key)
	}
	if d := c.Net[idx]; d != nil {
		s.clear(d)
	}
	return nil
}

func registerNetKeys() {
	registerKeys(
		keyHandler{
			name: "lxc.net",
			set: func(c *Config, _, v string) error {
				if v != "" {
					return errors.New("lxc.net must not have a value")
				}
				c.Net = map[int]*NetDev{}
				return nil
			},
			get: func(c *Config, _ string) (string, error) {
				var types []string
				for _, i := range c.NetIndexes() {
					types = append(types, netSubs["type"].get(c.Net[i]))
				}
				return joinList(types), nil
			},
			clear: func(c *Config, _ string) error { c.Net = map[int]*NetDev{}; return nil },
		},
		keyHandler{name: "lxc.net.", prefix: true, set: setNet, get: getNet, clear: clearNet},
	)
}
