package netcfg

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Options carries what Setup and Teardown need besides the devices.
type Options struct {
	// NS is the container's network namespace (e.g. from OpenNS(initPid)).
	// Setup needs it unless every device is "none". For Teardown it is
	// optional: pass netns.None() (or any value <= 0) when the namespace
	// is already gone, e.g. after a crash.
	NS netns.NsHandle
	// Name is the container name, passed to script.up/down.
	Name string
	// HookVersion is lxc.hook.version (0: information as arguments,
	// 1: as environment variables).
	HookVersion int
	// Env is added to the scripts' environment (LXC_NAME, LXC_CONFIG_FILE,
	// LXC_ROOTFS_MOUNT, ... as for every hook).
	Env []string
	// Logf, when set, receives debug lines (script output).
	Logf func(format string, args ...any)
}

func (o *Options) hasNS() bool { return o.NS > 0 }

// ProxyNeigh is a proxy ARP/NDP entry Setup added on a host interface.
type ProxyNeigh struct {
	Link string `json:"link"`
	IP   string `json:"ip"`
}

// Created records what Setup did on the host for one lxc.net.N device,
// enough for Teardown to undo it without the config or the container.
type Created struct {
	Index int    `json:"index"`          // N of lxc.net.N
	Type  string `json:"type"`           // network type
	Link  string `json:"link,omitempty"` // lxc.net.N.link as configured
	// HostName is the host end of a veth pair, deleted at teardown
	// (which also removes the peer in the container).
	HostName string `json:"host_name,omitempty"`
	// NsName is the device's name inside the container.
	NsName string `json:"ns_name,omitempty"`
	// Phys* describe a phys device as it was on the host, to move it back
	// with its original name, index, MTU and MAC.
	PhysIndex  int    `json:"phys_index,omitempty"`
	PhysMTU    int    `json:"phys_mtu,omitempty"`
	PhysHWAddr string `json:"phys_hwaddr,omitempty"`
	PhysMoved  bool   `json:"phys_moved,omitempty"`
	// ProxyNeigh lists l2proxy entries on host interfaces that outlive
	// the container and so must be removed explicitly.
	ProxyNeigh []ProxyNeigh `json:"proxy_neigh,omitempty"`
	// ScriptDown is lxc.net.N.script.down, run first at teardown.
	ScriptDown string `json:"script_down,omitempty"`
}

// Record is what Setup created, in creation order. It is plain data meant
// to be stored (as JSON) in the container's state file so that Teardown
// can run after a crash of the process that called Setup.
type Record struct {
	Devices []Created `json:"devices"`
}

// HostIf returns the host-side interface name lxc-info shows in its Link
// block for device index: the veth host end (generated or veth.pair), else
// the configured link. It returns "" for an unknown index.
func (r *Record) HostIf(index int) string {
	if r == nil {
		return ""
	}
	for _, c := range r.Devices {
		if c.Index == index {
			if c.HostName != "" {
				return c.HostName
			}
			return c.Link
		}
	}
	return ""
}

// OpenNS opens the network namespace of process pid (the container's
// init). The caller closes the handle.
func OpenNS(pid int) (netns.NsHandle, error) {
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return netns.None(), fmt.Errorf("open network namespace of pid %d: %w", pid, err)
	}
	return ns, nil
}

// Setup creates and configures devs for a container whose network
// namespace is opt.NS, from the caller's (host) network namespace. It
// validates first, brings loopback up in the container even without any
// device, and on failure removes whatever it created before returning the
// error. The returned Record must be kept for Teardown.
func Setup(devs []Netdev, opt Options) (*Record, error) {
	if err := Validate(devs); err != nil {
		return nil, err
	}
	rec := &Record{}
	if len(devs) > 0 && devs[0].typ() == TypeNone {
		// Validate ensured none is alone: the container runs in the
		// host's namespace, nothing to build.
		return rec, nil
	}
	if !opt.hasNS() {
		return nil, errors.New("no network namespace given for the container")
	}
	sorted := make([]*Netdev, len(devs))
	for i := range devs {
		sorted[i] = &devs[i]
	}
	// LXC numbers ethN in config index order.
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Index < sorted[j].Index })

	host, err := netlink.NewHandle()
	if err != nil {
		return nil, fmt.Errorf("netlink: %w", err)
	}
	defer host.Close()
	ct, err := netlink.NewHandleAt(opt.NS)
	if err != nil {
		return nil, fmt.Errorf("netlink in container network namespace: %w", err)
	}
	defer ct.Close()

	// Check what must already exist before creating anything, so that
	// the common mistakes (missing bridge) leave no trace at all.
	for _, d := range sorted {
		if err := preflight(host, d); err != nil {
			return nil, fmt.Errorf("lxc.net.%d: %w", d.Index, err)
		}
	}
	if err := loopbackUp(ct); err != nil {
		return nil, err
	}
	for _, d := range sorted {
		rec.Devices = append(rec.Devices, Created{Index: d.Index, Type: d.typ(), Link: d.Link})
		c := &rec.Devices[len(rec.Devices)-1]
		if err := setupOne(host, ct, d, c, &opt); err != nil {
			if terr := teardown(host, ct, rec, &opt, false); terr != nil {
				err = fmt.Errorf("%w (cleanup: %v)", err, terr)
			}
			return nil, fmt.Errorf("lxc.net.%d: %w", d.Index, err)
		}
	}
	return rec, nil
}

func loopbackUp(ct *netlink.Handle) error {
	lo, err := ct.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("loopback in container: %w", err)
	}
	if err := ct.LinkSetUp(lo); err != nil {
		return fmt.Errorf("set loopback up in container: %w", err)
	}
	return nil
}

func isNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, unix.ENODEV)
}

// preflight checks that the host interfaces a device relies on exist.
func preflight(host *netlink.Handle, d *Netdev) error {
	switch d.typ() {
	case TypeVeth:
		if d.VethPair != "" {
			if _, err := host.LinkByName(d.VethPair); err == nil {
				return fmt.Errorf("veth.pair: interface %q already exists", d.VethPair)
			}
		}
		if d.Link == "" || d.VethMode == "router" {
			return nil
		}
		l, err := host.LinkByName(d.Link)
		if err != nil {
			if isNotFound(err) {
				return fmt.Errorf("bridge %q does not exist", d.Link)
			}
			return fmt.Errorf("bridge %q: %w", d.Link, err)
		}
		if l.Type() != "bridge" {
			return fmt.Errorf("link %q is not a bridge (type %s)", d.Link, l.Type())
		}
	case TypeMacvlan, TypeIPvlan, TypeVlan, TypePhys:
		if _, err := host.LinkByName(d.Link); err != nil {
			if isNotFound(err) {
				return fmt.Errorf("link %q does not exist", d.Link)
			}
			return fmt.Errorf("link %q: %w", d.Link, err)
		}
	}
	return nil
}

// kernelFeature names the kernel option behind a link kind, for the error
// when the kernel says the kind is unknown.
var kernelFeature = map[string]string{
	"veth":    "CONFIG_VETH",
	"macvlan": "CONFIG_MACVLAN",
	"ipvlan":  "CONFIG_IPVLAN",
	"vlan":    "CONFIG_VLAN_8021Q",
}

func linkAddErr(kind, name string, err error) error {
	if errors.Is(err, unix.EOPNOTSUPP) {
		desc := kind
		if kind == "vlan" {
			desc = "802.1Q VLAN"
		}
		return fmt.Errorf("create %s interface %q: the kernel lacks %s support (%s): %w", kind, name, desc, kernelFeature[kind], err)
	}
	if errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create %s interface %q: interface already exists: %w", kind, name, err)
	}
	return fmt.Errorf("create %s interface %q: %w", kind, name, err)
}

func setupOne(host, ct *netlink.Handle, d *Netdev, c *Created, opt *Options) error {
	var inName string // current name of the device inside the container
	var err error
	switch d.typ() {
	case TypeEmpty, TypeNone:
		if d.ScriptUp != "" {
			if err := runScript(opt, d.ScriptUp, "up", scriptArgs(d, "")); err != nil {
				return err
			}
		}
		c.ScriptDown = d.ScriptDown
		return nil
	case TypeVeth:
		inName, err = setupVeth(host, d, c, opt)
	case TypeMacvlan, TypeIPvlan, TypeVlan:
		inName, err = setupLower(host, d, opt)
	case TypePhys:
		inName, err = setupPhys(host, d, c, opt)
	}
	if err != nil {
		return err
	}
	c.NsName = inName
	if err := configureInside(host, ct, d, c); err != nil {
		return err
	}
	if d.L2Proxy {
		if err := setupL2Proxy(host, d, c); err != nil {
			return err
		}
	}
	if d.typ() != TypeVeth && d.ScriptUp != "" {
		// LXC runs the veth up script from instantiate_veth, the others
		// once the device exists.
		if err := runScript(opt, d.ScriptUp, "up", scriptArgs(d, c.HostName)); err != nil {
			return err
		}
	}
	c.ScriptDown = d.ScriptDown
	return nil
}

// setupVeth creates the pair with its peer already in the container and
// returns the peer's temporary name there.
func setupVeth(host *netlink.Handle, d *Netdev, c *Created, opt *Options) (string, error) {
	hostName := d.VethPair
	if hostName == "" {
		hostName = RandomIfName("veth", 10)
	}
	peer := RandomIfName("veth", 10)
	mtu := 0
	if d.MTU != "" {
		mtu, _ = parseMTU(d.MTU)
	}
	var bridge netlink.Link
	if d.Link != "" && d.VethMode != "router" {
		var err error
		if bridge, err = host.LinkByName(d.Link); err != nil {
			return "", fmt.Errorf("bridge %q: %w", d.Link, err)
		}
		if mtu == 0 {
			mtu = bridge.Attrs().MTU // LXC: the pair inherits the bridge's MTU
		}
	}
	la := netlink.NewLinkAttrs()
	la.Name = hostName
	la.MTU = mtu
	veth := &netlink.Veth{LinkAttrs: la, PeerName: peer, PeerNamespace: netlink.NsFd(opt.NS), PeerMTU: uint32(mtu)}
	if err := host.LinkAdd(veth); err != nil {
		return "", linkAddErr("veth", hostName, err)
	}
	c.HostName = hostName
	l, err := host.LinkByName(hostName)
	if err != nil {
		return "", fmt.Errorf("veth %q: %w", hostName, err)
	}
	// As LXC: a host end MAC starting with 0xfe keeps a bridge from
	// taking the container's address as its own.
	if mac := l.Attrs().HardwareAddr; len(mac) == 6 {
		mac = append(net.HardwareAddr(nil), mac...)
		mac[0] = 0xfe
		if err := host.LinkSetHardwareAddr(l, mac); err != nil {
			return "", fmt.Errorf("set MAC address of %q: %w", hostName, err)
		}
	}
	if bridge != nil {
		if err := host.LinkSetMaster(l, bridge); err != nil {
			return "", fmt.Errorf("attach %q to bridge %q: %w", hostName, d.Link, err)
		}
	}
	if err := host.LinkSetUp(l); err != nil {
		return "", fmt.Errorf("set %q up: %w", hostName, err)
	}
	idx := l.Attrs().Index
	routes, err := hostRoutes(d)
	if err != nil {
		return "", err
	}
	for _, p := range routes {
		r := &netlink.Route{LinkIndex: idx, Dst: prefixNet(p), Scope: netlink.SCOPE_LINK}
		if err := host.RouteAdd(r); err != nil && !errors.Is(err, unix.EEXIST) {
			return "", fmt.Errorf("add host route %s dev %s: %w", p, hostName, err)
		}
	}
	if d.VethMode == "router" {
		if err := routerProxy(host, d, hostName, idx); err != nil {
			return "", err
		}
	}
	if d.ScriptUp != "" {
		if err := runScript(opt, d.ScriptUp, "up", scriptArgs(d, hostName)); err != nil {
			return "", err
		}
	}
	return peer, nil
}

// hostRoutes returns the host routes through a veth host end: the
// veth.ipv4.route/ipv6.route values, and in router mode the container's
// own addresses as /32 and /128.
func hostRoutes(d *Netdev) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, r := range append(append([]string(nil), d.VethIPv4Routes...), d.VethIPv6Routes...) {
		p, err := netip.ParsePrefix(r)
		if err != nil {
			return nil, fmt.Errorf("route %q: %w", r, err)
		}
		out = append(out, p.Masked())
	}
	if d.VethMode == "router" {
		for _, a := range d.IPv4 {
			v, err := ParseIPv4(a)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(v.Prefix.Addr(), 32))
		}
		for _, a := range d.IPv6 {
			p, err := ParseIPv6(a)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(p.Addr(), 128))
		}
	}
	return out, nil
}

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// routerProxy makes the container's gateway addresses answer on the host
// end (proxy ARP/NDP), as LXC does in veth router mode, so that the
// container reaches the host without a bridge.
func routerProxy(host *netlink.Handle, d *Netdev, hostName string, idx int) error {
	for _, gw := range []struct {
		val, fam string
		family   int
	}{{d.IPv4Gateway, "ipv4", netlink.FAMILY_V4}, {d.IPv6Gateway, "ipv6", netlink.FAMILY_V6}} {
		a, err := netip.ParseAddr(gw.val)
		if err != nil {
			continue // "", auto, dev: nothing to proxy
		}
		knob := "proxy_arp"
		if gw.family == netlink.FAMILY_V6 {
			knob = "proxy_ndp"
		}
		for _, k := range []string{knob, "forwarding"} {
			p := fmt.Sprintf("/proc/sys/net/%s/conf/%s/%s", gw.fam, hostName, k)
			if err := os.WriteFile(p, []byte("1"), 0); err != nil {
				return fmt.Errorf("router mode: %w", err)
			}
		}
		n := &netlink.Neigh{LinkIndex: idx, Family: gw.family, IP: a.AsSlice(), Flags: netlink.NTF_PROXY}
		if err := host.NeighAdd(n); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("router mode: proxy neighbour %s on %q: %w", a, hostName, err)
		}
	}
	return nil
}

// setupLower creates a macvlan, ipvlan or vlan device on the host parent
// directly inside the container's namespace (the kernel resolves the parent
// in the creating socket's namespace), so no host-side leftover can exist.
func setupLower(host *netlink.Handle, d *Netdev, opt *Options) (string, error) {
	parent, err := host.LinkByName(d.Link)
	if err != nil {
		return "", fmt.Errorf("link %q: %w", d.Link, err)
	}
	la := netlink.NewLinkAttrs()
	la.ParentIndex = parent.Attrs().Index
	la.Namespace = netlink.NsFd(opt.NS)
	if d.MTU != "" {
		la.MTU, _ = parseMTU(d.MTU)
	}
	var l netlink.Link
	switch d.typ() {
	case TypeMacvlan:
		la.Name = RandomIfName("mc", 8) // LXC: mcXXXXXX
		l = &netlink.Macvlan{LinkAttrs: la, Mode: macvlanMode(d.MacvlanMode)}
	case TypeIPvlan:
		la.Name = RandomIfName("ip", 8) // LXC: ipXXXXXX
		l = &netlink.IPVlan{LinkAttrs: la, Mode: netlink.IPVlanMode(ipvlanModes[d.IPvlanMode]),
			Flag: netlink.IPVlanFlag(ipvlanIsolations[d.IPvlanIsolation])}
	case TypeVlan:
		id, _ := vlanID(d.VlanID)
		la.Name = RandomIfName(fmt.Sprintf("vlan%d-", id), 15)
		l = &netlink.Vlan{LinkAttrs: la, VlanId: int(id)}
	}
	if err := host.LinkAdd(l); err != nil {
		if pm := parent.Attrs().MTU; errors.Is(err, unix.EINVAL) && la.MTU > pm {
			// The kernel only says EINVAL: name the likely cause.
			return "", fmt.Errorf("create %s interface %q: mtu %d is larger than the mtu %d of its parent %q: %w", d.typ(), la.Name, la.MTU, pm, d.Link, err)
		}
		return "", linkAddErr(d.typ(), la.Name, err)
	}
	return la.Name, nil
}

func macvlanMode(s string) netlink.MacvlanMode {
	switch s {
	case "vepa":
		return netlink.MACVLAN_MODE_VEPA
	case "bridge":
		return netlink.MACVLAN_MODE_BRIDGE
	case "passthru":
		return netlink.MACVLAN_MODE_PASSTHRU
	}
	return netlink.MACVLAN_MODE_PRIVATE
}

// setupPhys moves the host interface into the container, remembering what
// is needed to give it back.
func setupPhys(host *netlink.Handle, d *Netdev, c *Created, opt *Options) (string, error) {
	l, err := host.LinkByName(d.Link)
	if err != nil {
		return "", fmt.Errorf("link %q: %w", d.Link, err)
	}
	a := l.Attrs()
	c.PhysIndex = a.Index
	c.PhysMTU = a.MTU
	c.PhysHWAddr = a.HardwareAddr.String()
	if err := host.LinkSetNsFd(l, int(opt.NS)); err != nil {
		return "", fmt.Errorf("move %q into the container: %w", d.Link, err)
	}
	c.PhysMoved = true
	return d.Link, nil
}

// configureInside renames and configures the device inside the container:
// name, MAC, MTU, addresses, up, gateways, in LXC's order.
func configureInside(host, ct *netlink.Handle, d *Netdev, c *Created) error {
	l, err := ct.LinkByName(c.NsName)
	if err != nil {
		return fmt.Errorf("find %q in the container: %w", c.NsName, err)
	}
	idx := l.Attrs().Index
	name := d.Name
	if name == "" {
		if d.typ() == TypePhys {
			name = d.Link
		} else {
			name = "eth%d" // the kernel picks the first free ethN
		}
	}
	if name != l.Attrs().Name {
		if err := ct.LinkSetDown(l); err != nil {
			return fmt.Errorf("set %q down in the container: %w", c.NsName, err)
		}
		if err := ct.LinkSetName(l, name); err != nil {
			return fmt.Errorf("rename %q to %q in the container: %w", c.NsName, name, err)
		}
		if l, err = ct.LinkByIndex(idx); err != nil {
			return fmt.Errorf("find renamed %q in the container: %w", name, err)
		}
		c.NsName = l.Attrs().Name
	}
	if d.HWAddr != "" {
		mac, err := ExpandHWAddr(d.HWAddr)
		if err != nil {
			return err
		}
		if err := ct.LinkSetHardwareAddr(l, mac); err != nil {
			return fmt.Errorf("set MAC address %s on %q: %w", mac, c.NsName, err)
		}
	}
	if d.MTU != "" {
		mtu, _ := parseMTU(d.MTU)
		if err := ct.LinkSetMTU(l, mtu); err != nil {
			return fmt.Errorf("set mtu %d on %q: %w", mtu, c.NsName, err)
		}
	}
	var v4, v6 []netip.Prefix
	for _, s := range d.IPv4 {
		a, err := ParseIPv4(s)
		if err != nil {
			return err
		}
		v4 = append(v4, a.Prefix)
		addr := &netlink.Addr{IPNet: prefixAddrNet(a.Prefix), Broadcast: a.Broadcast.AsSlice()}
		if err := ct.AddrAdd(l, addr); err != nil {
			return fmt.Errorf("add address %s to %q: %w", s, c.NsName, err)
		}
	}
	for _, s := range d.IPv6 {
		p, err := ParseIPv6(s)
		if err != nil {
			return err
		}
		v6 = append(v6, p)
		if err := ct.AddrAdd(l, &netlink.Addr{IPNet: prefixAddrNet(p)}); err != nil {
			return fmt.Errorf("add address %s to %q: %w", s, c.NsName, err)
		}
	}
	if d.up() {
		if err := ct.LinkSetUp(l); err != nil {
			return fmt.Errorf("set %q up: %w", c.NsName, err)
		}
	}
	// Default routes come last: the gateway must be reachable through
	// the routes the addresses just created.
	for _, g := range []struct {
		key, val string
		addrs    []netip.Prefix
		v4       bool
	}{{"ipv4.gateway", d.IPv4Gateway, v4, true}, {"ipv6.gateway", d.IPv6Gateway, v6, false}} {
		if g.val == "" {
			continue
		}
		if err := addGateway(host, ct, d, idx, g.val, g.addrs, g.v4); err != nil {
			return fmt.Errorf("%s %s: %w", g.key, g.val, err)
		}
	}
	return nil
}

// prefixAddrNet keeps the host bits (an interface address, not a network).
func prefixAddrNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func addGateway(host, ct *netlink.Handle, d *Netdev, idx int, val string, addrs []netip.Prefix, v4 bool) error {
	family := netlink.FAMILY_V6
	if v4 {
		family = netlink.FAMILY_V4
	}
	if val == GatewayDev {
		r := &netlink.Route{LinkIndex: idx, Scope: netlink.SCOPE_LINK, Dst: defaultDst(v4)}
		return ct.RouteAdd(r)
	}
	var gw netip.Addr
	if val == GatewayAuto {
		l, err := host.LinkByName(d.Link)
		if err != nil {
			return fmt.Errorf("link %q: %w", d.Link, err)
		}
		list, err := host.AddrList(l, family)
		if err != nil {
			return fmt.Errorf("addresses of %q: %w", d.Link, err)
		}
		var hostAddrs []netip.Prefix
		for _, a := range list {
			if p, ok := netPrefix(a.IPNet); ok {
				hostAddrs = append(hostAddrs, p)
			}
		}
		var ok bool
		if gw, ok = AutoGateway(hostAddrs, addrs); !ok {
			return fmt.Errorf("no address on %q to use as gateway", d.Link)
		}
	} else {
		gw, _ = netip.ParseAddr(val)
	}
	r := &netlink.Route{LinkIndex: idx, Gw: gw.AsSlice(), Dst: defaultDst(v4)}
	err := ct.RouteAdd(r)
	if errors.Is(err, unix.ENETUNREACH) {
		// As LXC: a gateway outside the device's subnets gets a host
		// route first, then the default route is retried.
		bits := 128
		if v4 {
			bits = 32
		}
		hr := &netlink.Route{LinkIndex: idx, Scope: netlink.SCOPE_LINK, Dst: prefixNet(netip.PrefixFrom(gw, bits))}
		if err := ct.RouteAdd(hr); err != nil {
			return fmt.Errorf("add route to gateway: %w", err)
		}
		err = ct.RouteAdd(r)
	}
	return err
}

func defaultDst(v4 bool) *net.IPNet {
	if v4 {
		return &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)}
	}
	return &net.IPNet{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)}
}

func netPrefix(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a, ones), true
}

// AutoGateway picks the gateway for "auto" among the addresses of the
// host-side link: the first one inside a subnet of the container's
// addresses, else the first global one, else the first one. LXC takes the
// first address of the link; preferring a matching subnet gives the same
// answer on a bridge with one address and a usable one on a bridge with
// several.
func AutoGateway(hostAddrs, ctAddrs []netip.Prefix) (netip.Addr, bool) {
	for _, h := range hostAddrs {
		for _, c := range ctAddrs {
			if c.Masked().Contains(h.Addr()) && h.Addr() != c.Addr() {
				return h.Addr(), true
			}
		}
	}
	for _, h := range hostAddrs {
		if h.Addr().IsGlobalUnicast() {
			return h.Addr(), true
		}
	}
	if len(hostAddrs) > 0 {
		return hostAddrs[0].Addr(), true
	}
	return netip.Addr{}, false
}

// setupL2Proxy adds proxy ARP/NDP entries for the container's addresses on
// the host link, after checking the sysctls LXC requires.
func setupL2Proxy(host *netlink.Handle, d *Netdev, c *Created) error {
	l, err := host.LinkByName(d.Link)
	if err != nil {
		return fmt.Errorf("l2proxy: link %q: %w", d.Link, err)
	}
	need := func(fam, knob string) error {
		b, err := os.ReadFile(fmt.Sprintf("/proc/sys/net/%s/conf/%s/%s", fam, d.Link, knob))
		if err != nil || strings.TrimSpace(string(b)) != "1" {
			return fmt.Errorf("l2proxy requires sysctl net.%s.conf.%s.%s=1", fam, d.Link, knob)
		}
		return nil
	}
	if len(d.IPv4) > 0 {
		if err := need("ipv4", "forwarding"); err != nil {
			return err
		}
	}
	if len(d.IPv6) > 0 {
		if err := need("ipv6", "proxy_ndp"); err != nil {
			return err
		}
		if err := need("ipv6", "forwarding"); err != nil {
			return err
		}
	}
	var ips []netip.Addr
	for _, s := range d.IPv4 {
		a, _ := ParseIPv4(s)
		ips = append(ips, a.Prefix.Addr())
	}
	for _, s := range d.IPv6 {
		p, _ := ParseIPv6(s)
		ips = append(ips, p.Addr())
	}
	for _, ip := range ips {
		fam := netlink.FAMILY_V6
		if ip.Is4() {
			fam = netlink.FAMILY_V4
		}
		n := &netlink.Neigh{LinkIndex: l.Attrs().Index, Family: fam, IP: ip.AsSlice(), Flags: netlink.NTF_PROXY}
		if err := host.NeighAdd(n); err != nil {
			return fmt.Errorf("l2proxy: proxy neighbour %s on %q: %w", ip, d.Link, err)
		}
		c.ProxyNeigh = append(c.ProxyNeigh, ProxyNeigh{Link: d.Link, IP: ip.String()})
	}
	return nil
}

// Teardown undoes rec: it runs the script.down commands, removes proxy
// entries, deletes veth host ends (which removes their peers) and gives phys
// devices back to the host under their original names. It is idempotent
// and needs only rec: opt.NS may be gone (netns.None()). All steps are
// attempted; the errors are joined.
func Teardown(rec *Record, opt Options) error {
	if rec == nil || len(rec.Devices) == 0 {
		return nil
	}
	host, err := netlink.NewHandle()
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	defer host.Close()
	var ct *netlink.Handle
	if opt.hasNS() {
		if ct, err = netlink.NewHandleAt(opt.NS); err == nil {
			defer ct.Close()
		} else {
			ct = nil
		}
	}
	return teardown(host, ct, rec, &opt, true)
}

func teardown(host, ct *netlink.Handle, rec *Record, opt *Options, scripts bool) error {
	var errs []error
	for i := len(rec.Devices) - 1; i >= 0; i-- {
		c := &rec.Devices[i]
		if scripts && c.ScriptDown != "" {
			d := Netdev{Type: c.Type, Link: c.Link}
			if err := runScript(opt, c.ScriptDown, "down", scriptArgs(&d, c.HostName)); err != nil {
				errs = append(errs, fmt.Errorf("lxc.net.%d: %w", c.Index, err))
			}
		}
		for _, p := range c.ProxyNeigh {
			if err := delProxy(host, p); err != nil {
				errs = append(errs, fmt.Errorf("lxc.net.%d: %w", c.Index, err))
			}
		}
		var err error
		switch c.Type {
		case TypeVeth:
			err = delLink(host, c.HostName, "veth")
		case TypeMacvlan, TypeIPvlan, TypeVlan:
			// They live only in the container and die with it.
			if ct != nil {
				err = delLink(ct, c.NsName, c.Type)
			}
		case TypePhys:
			err = restorePhys(host, ct, c)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("lxc.net.%d: %w", c.Index, err))
		}
	}
	return errors.Join(errs...)
}

func delProxy(host *netlink.Handle, p ProxyNeigh) error {
	l, err := host.LinkByName(p.Link)
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return fmt.Errorf("proxy neighbour %s on %q: %w", p.IP, p.Link, err)
	}
	ip, err := netip.ParseAddr(p.IP)
	if err != nil {
		return fmt.Errorf("proxy neighbour %q: %w", p.IP, err)
	}
	fam := netlink.FAMILY_V6
	if ip.Is4() {
		fam = netlink.FAMILY_V4
	}
	n := &netlink.Neigh{LinkIndex: l.Attrs().Index, Family: fam, IP: ip.AsSlice(), Flags: netlink.NTF_PROXY}
	if err := host.NeighDel(n); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("delete proxy neighbour %s on %q: %w", p.IP, p.Link, err)
	}
	return nil
}

// delLink deletes name if it exists and is of the expected kind (a name
// from an old record may since have been reused by someone else).
func delLink(h *netlink.Handle, name, kind string) error {
	if name == "" {
		return nil
	}
	l, err := h.LinkByName(name)
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return fmt.Errorf("find %q: %w", name, err)
	}
	if l.Type() != kind {
		return nil
	}
	if err := h.LinkDel(l); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s %q: %w", kind, name, err)
	}
	return nil
}

// restorePhys brings a phys device back to the host with its original name
// and MTU. With the container namespace alive it is moved out; after a crash
// the kernel has already returned it (under its container name, or devN on
// a clash) and it is found by index or MAC and renamed.
func restorePhys(host, ct *netlink.Handle, c *Created) error {
	if !c.PhysMoved {
		return nil
	}
	if ct != nil && c.NsName != "" {
		if l, err := ct.LinkByName(c.NsName); err == nil {
			hostNS, err := netns.Get()
			if err != nil {
				return fmt.Errorf("phys %q: own network namespace: %w", c.Link, err)
			}
			defer hostNS.Close()
			if err := moveRenamed(ct, host, l, hostNS, c.Link); err != nil {
				return fmt.Errorf("phys %q: %w", c.Link, err)
			}
		}
	}
	l := findPhys(host, c)
	if l == nil {
		return fmt.Errorf("phys %q (ifindex %d, %s) not found on the host", c.Link, c.PhysIndex, c.PhysHWAddr)
	}
	if l.Attrs().Name != c.Link {
		if err := host.LinkSetDown(l); err != nil {
			return fmt.Errorf("phys %q: set down: %w", c.Link, err)
		}
		if err := host.LinkSetName(l, c.Link); err != nil {
			return fmt.Errorf("phys: rename %q back to %q: %w", l.Attrs().Name, c.Link, err)
		}
	}
	if c.PhysMTU > 0 && l.Attrs().MTU != c.PhysMTU {
		if err := host.LinkSetMTU(l, c.PhysMTU); err != nil {
			return fmt.Errorf("phys %q: restore mtu %d: %w", c.Link, c.PhysMTU, err)
		}
	}
	if mac, err := net.ParseMAC(c.PhysHWAddr); err == nil && l.Attrs().HardwareAddr.String() != mac.String() {
		if err := host.LinkSetHardwareAddr(l, mac); err != nil {
			return fmt.Errorf("phys %q: restore MAC address: %w", c.Link, err)
		}
	}
	c.PhysMoved = false
	return nil
}

func findPhys(host *netlink.Handle, c *Created) netlink.Link {
	if l, err := host.LinkByName(c.Link); err == nil && (l.Attrs().Index == c.PhysIndex || l.Attrs().HardwareAddr.String() == c.PhysHWAddr) {
		return l
	}
	if l, err := host.LinkByIndex(c.PhysIndex); err == nil && (l.Attrs().Name == c.NsName || l.Attrs().HardwareAddr.String() == c.PhysHWAddr) {
		return l
	}
	if c.NsName != "" {
		if l, err := host.LinkByName(c.NsName); err == nil && l.Attrs().HardwareAddr.String() == c.PhysHWAddr {
			return l
		}
	}
	return nil
}

// moveRenamed moves l from the namespace of src to the one of dst (whose
// handle is dstNS) and names it final there. It goes through a random
// temporary name so that a device of the same name on either side cannot
// make the move fail.
func moveRenamed(src, dst *netlink.Handle, l netlink.Link, dstNS netns.NsHandle, final string) error {
	tmp := RandomIfName("lxcmv", 15)
	if err := src.LinkSetDown(l); err != nil {
		return fmt.Errorf("set %q down: %w", l.Attrs().Name, err)
	}
	if err := src.LinkSetName(l, tmp); err != nil {
		return fmt.Errorf("rename %q: %w", l.Attrs().Name, err)
	}
	if err := src.LinkSetNsFd(l, int(dstNS)); err != nil {
		_ = src.LinkSetName(l, l.Attrs().Name)
		return fmt.Errorf("move %q: %w", l.Attrs().Name, err)
	}
	nl, err := dst.LinkByName(tmp)
	if err != nil {
		return fmt.Errorf("find moved %q: %w", tmp, err)
	}
	if err := dst.LinkSetName(nl, final); err != nil {
		return fmt.Errorf("rename %q to %q: %w", tmp, final, err)
	}
	return nil
}
