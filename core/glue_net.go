package core

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/lxc-go/lxc/netcfg"
)

// netdevs translates lxc.net.N for netcfg, in index order.
func netdevs(cfg *Config) []netcfg.Netdev {
	var out []netcfg.Netdev
	for _, i := range cfg.NetIndexes() {
		d := cfg.Net[i]
		out = append(out, netcfg.Netdev{
			Index: d.Index, Type: d.Type, Flags: d.Flags, Link: d.Link, Name: d.Name,
			HWAddr: d.HWAddr, MTU: d.MTU, IPv4: d.IPv4, IPv6: d.IPv6,
			IPv4Gateway: d.IPv4Gateway, IPv6Gateway: d.IPv6Gateway,
			ScriptUp: d.ScriptUp, ScriptDown: d.ScriptDown, L2Proxy: d.L2Proxy,
			VethPair: d.VethPair, VethMode: d.VethMode,
			VethIPv4Routes: d.VethIPv4Routes, VethIPv6Routes: d.VethIPv6Routes,
			MacvlanMode: d.MacvlanMode, IPvlanMode: d.IPvlanMode,
			IPvlanIsolation: d.IPvlanIsolation, VlanID: d.VlanID,
		})
	}
	return out
}

// ValidateNetwork checks lxc.net.* before anything is created.
func ValidateNetwork(cfg *Config) error {
	return netcfg.Validate(netdevs(cfg))
}

func (m *monitor) netOptions(ns netns.NsHandle) netcfg.Options {
	return netcfg.Options{
		NS: ns, Name: m.name, HookVersion: m.cfg.HookVersion, Env: m.hookEnv(),
		Logf: func(f string, a ...any) { logf(LogDebug, f, a...) },
	}
}

// ownNetNS reports whether the container gets a network namespace of its
// own (none of: net type none, keep, share).
func (m *monitor) ownNetNS() bool {
	flags, _ := m.cloneFlags()
	return flags&cloneNewNet != 0
}

// heldNS keeps each monitor's handle on its container's network namespace
// from setup to teardown (the monitor struct belongs to monitor.go). As
// LXC's monitor does with its namespace fds, holding it keeps the
// namespace alive after the init exits, so that teardown can still move
// phys devices back to the host: a namespace that dies destroys virtual
// devices in it and sends physical ones to the initial namespace, not to
// the one the container was started from.
var heldNS sync.Map // *monitor -> netns.NsHandle

// setupNetwork creates the host side of every lxc.net device and
// configures it inside the container's network namespace. The record is
// saved right after Setup (which removes what it created when it fails);
// a monitor killed in between leaves only devices that die with the
// container's namespace.
func (m *monitor) setupNetwork() error {
	if !m.ownNetNS() {
		return nil
	}
	if m.loopbackOnly() {
		// Nothing on the host side: the init brings lo up itself
		// (InitSpec.LoopbackUp), no netlink round trips needed.
		return nil
	}
	ns, err := netcfg.OpenNS(m.initPID)
	if err != nil {
		return fmt.Errorf("opening the container's network namespace: %w", err)
	}
	rec, err := netcfg.Setup(netdevs(m.cfg), m.netOptions(ns))
	if err != nil {
		ns.Close()
		return fmt.Errorf("network: %w", err)
	}
	if old, ok := heldNS.Swap(m, ns); ok {
		unix.Close(int(old.(netns.NsHandle)))
	}
	m.net = rec
	m.rec.Net = mustJSON(rec)
	m.saveRecord()
	return nil
}

// loopbackOnly reports a network of only "empty" devices (or none) without
// scripts: a new namespace with lo up and nothing else.
func (m *monitor) loopbackOnly() bool {
	for _, d := range m.cfg.Net {
		if (d.Type != "empty" && d.Type != "") || d.ScriptUp != "" || d.ScriptDown != "" {
			return false
		}
	}
	return true
}

// teardownNetwork removes the host side of the network devices and gives
// phys devices back, then lets the namespace go.
func (m *monitor) teardownNetwork() {
	ns := netns.None()
	if h, ok := heldNS.LoadAndDelete(m); ok {
		ns = h.(netns.NsHandle)
		defer unix.Close(int(ns))
	}
	if m.net == nil {
		return
	}
	if err := netcfg.Teardown(m.net, m.netOptions(ns)); err != nil {
		logf(LogError, "network teardown: %v", err)
	}
	m.net = nil
	// Saved by finish; the teardown is idempotent should we die before.
	m.rec.Net = nil
}

// staleNetwork removes interfaces a crashed monitor left on the host.
func staleNetwork(r *stateRecord) {
	if len(r.Net) == 0 {
		return
	}
	rec := &netcfg.Record{}
	if err := json.Unmarshal(r.Net, rec); err != nil {
		return
	}
	_ = netcfg.Teardown(rec, netcfg.Options{NS: netns.None()})
}

// onlyLoopback reports whether the network namespace of pid has no
// interface but lo, read from /proc/PID/net/dev (much cheaper than a
// netlink handle opened in that namespace).
func onlyLoopback(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", pid))
	if err != nil {
		return false
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 3 {
		return false
	}
	for _, l := range lines[2:] {
		name, _, _ := strings.Cut(strings.TrimSpace(l), ":")
		if name != "lo" {
			return false
		}
	}
	return true
}

// netInfo fills addresses, interfaces and link counters for lxc-info.
func (m *monitor) netInfo(ri *RuntimeInfo) {
	if m.initPID <= 0 {
		return
	}
	if onlyLoopback(m.initPID) {
		// lo's addresses are never shown: nothing to ask netlink.
		ri.Interfaces = []string{"lo"}
	} else if info, err := netcfg.Info(m.initPID); err == nil {
		ri.IPv4, ri.IPv6, ri.Interfaces = info.IPv4, info.IPv6, info.Interfaces
	}
	// As LXC's lxc-info (print_net_stats): one Link block per device in
	// index order, named by the veth host end or else lxc.net.N.link; the
	// listing stops at the first device without such a name (LXC's
	// running-config query fails there), and counters that cannot be read
	// (a phys device now inside the container) print as 0.
	for _, i := range m.cfg.NetIndexes() {
		d := m.cfg.Net[i]
		name := d.Link
		if d.Type == "veth" {
			name = d.VethPair
			if h := m.net.HostIf(i); h != "" {
				name = h
			}
		}
		if name == "" {
			break
		}
		c, _ := netcfg.LinkCounters(name)
		ri.Links = append(ri.Links, LinkStat{Name: name, TXBytes: c.TX, RXBytes: c.RX})
	}
}
