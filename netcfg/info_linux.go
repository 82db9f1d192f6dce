package netcfg

import (
	"fmt"
	"sort"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// NSInfo is what lxc-info and lxc-ls show about a running container's
// network, read live from its namespace (so DHCP changes are seen).
type NSInfo struct {
	// Interfaces are all interface names, sorted ("eth0", "lo").
	Interfaces []string
	// IPv4 and IPv6 are the addresses of every interface but lo, in the
	// kernel's order; IPv6 link-local addresses are left out, as LXC's
	// get_ips(..., scope 0).
	IPv4 []string
	IPv6 []string
}

// IPs returns IPv4 then IPv6 addresses, the order of lxc-info's IP lines.
func (i *NSInfo) IPs() []string {
	return append(append([]string(nil), i.IPv4...), i.IPv6...)
}

// Info reads the network of the namespace of process pid (the container's
// init).
func Info(pid int) (*NSInfo, error) {
	ns, err := OpenNS(pid)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	return InfoNS(ns)
}

// InfoNS reads the network of namespace ns.
func InfoNS(ns netns.NsHandle) (*NSInfo, error) {
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("netlink in container network namespace: %w", err)
	}
	defer h.Close()
	links, err := h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	info := &NSInfo{}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
		info.Interfaces = append(info.Interfaces, l.Attrs().Name)
	}
	sort.Strings(info.Interfaces)
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		addrs, err := h.AddrList(nil, fam)
		if err != nil {
			return nil, fmt.Errorf("list addresses: %w", err)
		}
		for _, a := range addrs {
			if names[a.LinkIndex] == "lo" {
				continue
			}
			p, ok := netPrefix(a.IPNet)
			if !ok {
				continue
			}
			if fam == netlink.FAMILY_V4 {
				info.IPv4 = append(info.IPv4, p.Addr().String())
			} else if !p.Addr().IsLinkLocalUnicast() {
				info.IPv6 = append(info.IPv6, p.Addr().String())
			}
		}
	}
	return info, nil
}

// Counters are the byte counters lxc-info prints in its Link block, from
// the container's point of view: TX is what the host-side interface
// received, RX what it sent.
type Counters struct {
	TX uint64
	RX uint64
}

// LinkCounters reads the counters of host interface name (the veth host
// end, see Record.HostIf, or the link of other types) in the caller's
// namespace.
func LinkCounters(name string) (Counters, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return Counters{}, fmt.Errorf("interface %q: %w", name, err)
	}
	s := l.Attrs().Statistics
	if s == nil {
		return Counters{}, fmt.Errorf("interface %q: no statistics", name)
	}
	return Counters{TX: s.RxBytes, RX: s.TxBytes}, nil
}
