package netcfg

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Network types accepted in lxc.net.N.type.
const (
	TypeVeth    = "veth"
	TypeMacvlan = "macvlan"
	TypeIPvlan  = "ipvlan"
	TypeVlan    = "vlan"
	TypePhys    = "phys"
	TypeEmpty   = "empty"
	TypeNone    = "none"
)

// Special gateway values of lxc.net.N.ipv4.gateway / ipv6.gateway.
const (
	GatewayAuto = "auto" // first address of the host-side link
	GatewayDev  = "dev"  // default route through the device itself
)

// maxIfName is the longest interface name the kernel accepts (IFNAMSIZ-1).
const maxIfName = 15

// Netdev is one lxc.net.N device, with the values exactly as written in the
// config (strings where LXC parses late, so that Validate can name the key).
type Netdev struct {
	Index       int      // N of lxc.net.N
	Type        string   // veth macvlan ipvlan vlan phys empty none ("" = empty)
	Flags       string   // "up" or ""
	Link        string   // bridge (veth), parent (macvlan ipvlan vlan) or host interface (phys)
	Name        string   // name inside the container; "" = ethN (phys: keeps Link)
	HWAddr      string   // MAC, 'x' nibbles randomised (e.g. 00:16:3e:xx:xx:xx)
	MTU         string   // decimal; "" = inherit (veth: the bridge's MTU)
	IPv4        []string // "a.b.c.d/m" or "a.b.c.d/m bcast"
	IPv6        []string // "x::y/m"
	IPv4Gateway string   // address, "auto", "dev" or ""
	IPv6Gateway string
	ScriptUp    string // lxc.net.N.script.up command (run through /bin/sh)
	ScriptDown  string
	L2Proxy     bool // proxy ARP/NDP entries for the addresses on Link

	VethPair       string   // host end name; "" = vethXXXXXX
	VethMode       string   // bridge (default) or router
	VethIPv4Routes []string // host routes to the container, "a.b.c.d/m"
	VethIPv6Routes []string

	MacvlanMode     string // private (default) vepa bridge passthru
	IPvlanMode      string // l3 (default) l3s l2
	IPvlanIsolation string // bridge (default) private vepa
	VlanID          string // 0-4094
}

// ValidationError reports a bad lxc.net.N key. The message reads like
// `lxc.net.0.link: bridge mode needs ...` so that it points at the line to
// fix.
type ValidationError struct {
	Index int    // N of lxc.net.N
	Key   string // sub key, e.g. "link" or "ipv4.address"
	Value string // offending value ("" when the key is missing)
	Err   error  // what is wrong
}

// Error formats the error as "lxc.net.N.KEY: problem".
func (e *ValidationError) Error() string {
	return fmt.Sprintf("lxc.net.%d.%s: %v", e.Index, e.Key, e.Err)
}

// Unwrap returns the underlying problem.
func (e *ValidationError) Unwrap() error { return e.Err }

func verr(d *Netdev, key, value, format string, args ...any) error {
	return &ValidationError{Index: d.Index, Key: key, Value: value, Err: fmt.Errorf(format, args...)}
}

// typ returns the effective type: LXC reports a device without a type as
// "empty".
func (d *Netdev) typ() string {
	if d.Type == "" {
		return TypeEmpty
	}
	return d.Type
}

// up reports whether lxc.net.N.flags asks for the interface to be up.
func (d *Netdev) up() bool { return d.Flags == "up" }

// Validate checks every device before anything is created, so that a bad
// config fails without touching the host. It returns the first problem as a
// *ValidationError.
func Validate(devs []Netdev) error {
	names := map[string]int{}
	pairs := map[string]int{}
	haveNone, haveOther := -1, -1
	for i := range devs {
		d := &devs[i]
		if err := validateOne(d); err != nil {
			return err
		}
		switch d.typ() {
		case TypeNone:
			haveNone = i
		default:
			haveOther = i
		}
		if d.Name != "" && !strings.Contains(d.Name, "%") {
			if j, ok := names[d.Name]; ok {
				return verr(d, "name", d.Name, "interface name %q already used by lxc.net.%d", d.Name, devs[j].Index)
			}
			names[d.Name] = i
		}
		if d.typ() == TypeVeth && d.VethPair != "" {
			if j, ok := pairs[d.VethPair]; ok {
				return verr(d, "veth.pair", d.VethPair, "interface name %q already used by lxc.net.%d", d.VethPair, devs[j].Index)
			}
			pairs[d.VethPair] = i
		}
	}
	if haveNone >= 0 && haveOther >= 0 {
		d := &devs[haveNone]
		return verr(d, "type", d.Type, "type none (share the host's network namespace) cannot be combined with other network types (lxc.net.%d)", devs[haveOther].Index)
	}
	return nil
}

func validateOne(d *Netdev) error {
	t := d.typ()
	switch t {
	case TypeVeth, TypeMacvlan, TypeIPvlan, TypeVlan, TypePhys, TypeEmpty, TypeNone:
	default:
		return verr(d, "type", d.Type, "unknown network type %q", d.Type)
	}
	if d.Flags != "" && d.Flags != "up" {
		return verr(d, "flags", d.Flags, "unknown flag %q (only \"up\")", d.Flags)
	}
	if t == TypeEmpty || t == TypeNone {
		// LXC ignores the other keys for these types.
		return nil
	}
	if d.Name != "" {
		if err := checkIfName(d.Name); err != nil {
			return verr(d, "name", d.Name, "%w", err)
		}
	}
	if d.Link != "" {
		if err := checkIfName(d.Link); err != nil {
			return verr(d, "link", d.Link, "%w", err)
		}
	}
	mode := d.VethMode
	switch t {
	case TypeVeth:
		switch mode {
		case "", "bridge", "router":
		default:
			return verr(d, "veth.mode", mode, "unknown veth mode %q (bridge or router)", mode)
		}
		if d.VethPair != "" {
			if err := checkIfName(d.VethPair); err != nil {
				return verr(d, "veth.pair", d.VethPair, "%w", err)
			}
		}
	case TypeMacvlan, TypeIPvlan, TypeVlan, TypePhys:
		if d.Link == "" {
			return verr(d, "link", "", "missing link: type %s needs the host interface to use", t)
		}
	}
	switch t {
	case TypeMacvlan:
		if _, ok := macvlanModes[d.MacvlanMode]; !ok {
			return verr(d, "macvlan.mode", d.MacvlanMode, "unknown macvlan mode %q (private, vepa, bridge or passthru)", d.MacvlanMode)
		}
	case TypeIPvlan:
		if _, ok := ipvlanModes[d.IPvlanMode]; !ok {
			return verr(d, "ipvlan.mode", d.IPvlanMode, "unknown ipvlan mode %q (l3, l3s or l2)", d.IPvlanMode)
		}
		if _, ok := ipvlanIsolations[d.IPvlanIsolation]; !ok {
			return verr(d, "ipvlan.isolation", d.IPvlanIsolation, "unknown ipvlan isolation %q (bridge, private or vepa)", d.IPvlanIsolation)
		}
	case TypeVlan:
		if _, err := vlanID(d.VlanID); err != nil {
			return verr(d, "vlan.id", d.VlanID, "%w", err)
		}
	}
	if d.HWAddr != "" {
		if err := checkHWAddrPattern(d.HWAddr); err != nil {
			return verr(d, "hwaddr", d.HWAddr, "%w", err)
		}
	}
	if d.MTU != "" {
		if _, err := parseMTU(d.MTU); err != nil {
			return verr(d, "mtu", d.MTU, "%w", err)
		}
	}
	for _, a := range d.IPv4 {
		if _, err := ParseIPv4(a); err != nil {
			return verr(d, "ipv4.address", a, "%w", err)
		}
	}
	for _, a := range d.IPv6 {
		if _, err := ParseIPv6(a); err != nil {
			return verr(d, "ipv6.address", a, "%w", err)
		}
	}
	if err := checkGateway(d, "ipv4.gateway", d.IPv4Gateway, len(d.IPv4), true); err != nil {
		return err
	}
	if err := checkGateway(d, "ipv6.gateway", d.IPv6Gateway, len(d.IPv6), false); err != nil {
		return err
	}
	for _, r := range d.VethIPv4Routes {
		if p, err := netip.ParsePrefix(r); err != nil || !p.Addr().Is4() {
			return verr(d, "veth.ipv4.route", r, "invalid IPv4 route %q (want x.y.z.t/m)", r)
		}
	}
	for _, r := range d.VethIPv6Routes {
		if p, err := netip.ParsePrefix(r); err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
			return verr(d, "veth.ipv6.route", r, "invalid IPv6 route %q (want x::y/m)", r)
		}
	}
	if d.L2Proxy && d.Link == "" {
		return verr(d, "l2proxy", "1", "l2proxy needs lxc.net.%d.link", d.Index)
	}
	return nil
}

func checkGateway(d *Netdev, key, gw string, naddr int, v4 bool) error {
	switch gw {
	case "":
		return nil
	case GatewayAuto:
		switch d.typ() {
		case TypeVeth, TypeMacvlan, TypeIPvlan:
		default:
			return verr(d, key, gw, "gateway \"auto\" is only available for veth, macvlan and ipvlan")
		}
		if d.Link == "" {
			return verr(d, key, gw, "gateway \"auto\" needs lxc.net.%d.link to take the address from", d.Index)
		}
	case GatewayDev:
	default:
		a, err := netip.ParseAddr(gw)
		if err != nil || a.Is4() != v4 || a.Is4In6() {
			fam := "IPv6"
			if v4 {
				fam = "IPv4"
			}
			return verr(d, key, gw, "invalid %s gateway %q (address, \"auto\" or \"dev\")", fam, gw)
		}
	}
	// LXC refuses at start: a default route needs an up interface with
	// an address of that family.
	if !d.up() {
		return verr(d, key, gw, "a gateway needs lxc.net.%d.flags = up", d.Index)
	}
	if naddr == 0 && gw != GatewayDev {
		return verr(d, key, gw, "a gateway needs an address of the same family on the device")
	}
	return nil
}

// checkIfName applies the kernel's dev_valid_name rules.
func checkIfName(name string) error {
	switch {
	case name == "":
		return errors.New("empty interface name")
	case len(name) > maxIfName:
		return fmt.Errorf("interface name %q is too long (%d bytes, at most %d)", name, len(name), maxIfName)
	case name == "." || name == "..":
		return fmt.Errorf("invalid interface name %q", name)
	case strings.ContainsAny(name, "/: \t\n\r\v\f"):
		return fmt.Errorf("invalid interface name %q (no '/', ':' or white space)", name)
	}
	return nil
}

// Kernel mode values (linux/if_link.h).
var macvlanModes = map[string]uint32{
	"":         1, // private, LXC's default
	"private":  1,
	"vepa":     2,
	"bridge":   4,
	"passthru": 8,
}

var ipvlanModes = map[string]uint16{"": 1, "l2": 0, "l3": 1, "l3s": 2} // "" = l3, LXC's default

var ipvlanIsolations = map[string]uint16{"": 0, "bridge": 0, "private": 1, "vepa": 2}

func vlanID(s string) (uint16, error) {
	if s == "" {
		return 0, nil // LXC's default
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n > 4094 {
		return 0, fmt.Errorf("invalid vlan id %q (0-4094)", s)
	}
	return uint16(n), nil
}

func parseMTU(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil || n < 68 || n > 65535 {
		return 0, fmt.Errorf("invalid mtu %q (68-65535)", s)
	}
	return int(n), nil
}

// IPv4Addr is a parsed lxc.net.N.ipv4.address.
type IPv4Addr struct {
	Prefix    netip.Prefix // address and prefix length
	Broadcast netip.Addr   // given or computed as LXC does
}

// ParseIPv4 parses "a.b.c.d[/m] [bcast]". Without /m LXC uses the classful
// prefix (8, 16, 24); without a broadcast it sets the host bits of the
// address.
func ParseIPv4(s string) (IPv4Addr, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return IPv4Addr{}, fmt.Errorf("invalid IPv4 address %q (want a.b.c.d/m [bcast])", s)
	}
	var p netip.Prefix
	if strings.Contains(f[0], "/") {
		var err error
		p, err = netip.ParsePrefix(f[0])
		if err != nil || !p.Addr().Is4() {
			return IPv4Addr{}, fmt.Errorf("invalid IPv4 address %q (want a.b.c.d/m [bcast])", s)
		}
	} else {
		a, err := netip.ParseAddr(f[0])
		if err != nil || !a.Is4() {
			return IPv4Addr{}, fmt.Errorf("invalid IPv4 address %q (want a.b.c.d/m [bcast])", s)
		}
		p = netip.PrefixFrom(a, classfulPrefix(a))
	}
	r := IPv4Addr{Prefix: p}
	if len(f) == 2 {
		b, err := netip.ParseAddr(f[1])
		if err != nil || !b.Is4() {
			return IPv4Addr{}, fmt.Errorf("invalid IPv4 broadcast address %q", f[1])
		}
		r.Broadcast = b
	} else {
		a := p.Addr().As4()
		v := binary.BigEndian.Uint32(a[:])
		if p.Bits() < 32 {
			v |= ^uint32(0) >> p.Bits()
		}
		binary.BigEndian.PutUint32(a[:], v)
		r.Broadcast = netip.AddrFrom4(a)
	}
	return r, nil
}

func classfulPrefix(a netip.Addr) int {
	b := a.As4()[0]
	switch {
	case b < 128:
		return 8
	case b < 192:
		return 16
	case b < 224:
		return 24
	}
	return 0
}

// ParseIPv6 parses "x::y[/m]"; LXC's default prefix is 64.
func ParseIPv6(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	var p netip.Prefix
	var err error
	if strings.Contains(s, "/") {
		p, err = netip.ParsePrefix(s)
	} else {
		var a netip.Addr
		a, err = netip.ParseAddr(s)
		p = netip.PrefixFrom(a, 64)
	}
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("invalid IPv6 address %q (want x::y/m)", s)
	}
	return p, nil
}

// checkHWAddrPattern accepts six ':'-separated pairs of hex digits or 'x'.
func checkHWAddrPattern(p string) error {
	parts := strings.Split(p, ":")
	if len(parts) != 6 {
		return fmt.Errorf("invalid MAC address %q (want six hex pairs, 'x' = random)", p)
	}
	for _, part := range parts {
		if len(part) != 2 {
			return fmt.Errorf("invalid MAC address %q (want six hex pairs, 'x' = random)", p)
		}
		for _, c := range []byte(part) {
			if !isHex(c) && c != 'x' && c != 'X' {
				return fmt.Errorf("invalid MAC address %q (want six hex pairs, 'x' = random)", p)
			}
		}
	}
	if c := p[1]; c != 'x' && c != 'X' && hexVal(c)&1 != 0 {
		return fmt.Errorf("MAC address %q is multicast", p)
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// ExpandHWAddr replaces every 'x' of a lxc.net.N.hwaddr pattern by a random
// hex digit, as LXC's rand_complete_hwaddr. A random second nibble (the
// one holding the I/G and U/L bits of the first octet) is forced to a
// unicast, locally administered value; LXC only clears the multicast bit,
// we also set the local bit so that a random address never claims a vendor
// prefix. Fixed nibbles are kept as written.
func ExpandHWAddr(pattern string) (net.HardwareAddr, error) {
	return expandHWAddr(pattern, randByte)
}

func expandHWAddr(pattern string, rnd func() byte) (net.HardwareAddr, error) {
	if err := checkHWAddrPattern(pattern); err != nil {
		return nil, err
	}
	const hex = "0123456789abcdef"
	b := []byte(strings.ToLower(pattern))
	for i, c := range b {
		if c != 'x' {
			continue
		}
		v := rnd() & 0x0f
		if i == 1 {
			v = v&0x0c | 0x02 // unicast (bit 0 clear), locally administered (bit 1 set)
		}
		b[i] = hex[v]
	}
	return net.ParseMAC(string(b))
}

func randByte() byte {
	var b [1]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux >= 3.17
	}
	return b[0]
}

// ifnameChars are the characters of LXC's lxc_mkifname random suffixes.
const ifnameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// RandomIfName returns prefix followed by random alphanumerics up to n
// characters in all, as LXC names its host ends "vethXXXXXX".
func RandomIfName(prefix string, n int) string {
	b := []byte(prefix)
	for len(b) < n {
		b = append(b, ifnameChars[int(randByte())%len(ifnameChars)])
	}
	return string(b)
}
