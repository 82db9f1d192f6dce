package netcfg

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// These tests never touch the machine's own network namespace: each one
// locks its goroutine to a thread, moves that thread into a fresh "lab"
// namespace playing the host, and creates the "container" namespaces from
// there. Cleanup puts the thread back; closing the handles destroys the
// namespaces and every interface in them.

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("root integration test cannot run: not root (CI=true)")
		}
		t.Skip("needs root")
	}
}

type lab struct {
	t    *testing.T
	host netns.NsHandle
	h    *netlink.Handle
}

func newLab(t *testing.T) *lab {
	requireRoot(t)
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	host, err := netns.New()
	if err != nil {
		orig.Close()
		runtime.UnlockOSThread()
		t.Fatalf("new network namespace: %v", err)
	}
	l := &lab{t: t, host: host}
	t.Cleanup(func() {
		if l.h != nil {
			l.h.Close()
		}
		if err := netns.Set(orig); err != nil {
			// Never give a thread in the wrong namespace back to the
			// scheduler: leaving it locked makes the runtime kill it.
			t.Errorf("restore network namespace: %v", err)
			return
		}
		host.Close()
		orig.Close()
		runtime.UnlockOSThread()
	})
	if l.h, err = netlink.NewHandle(); err != nil {
		t.Fatal(err)
	}
	lo, err := l.h.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.h.LinkSetUp(lo); err != nil {
		t.Fatal(err)
	}
	return l
}

// container makes a new namespace standing for a container's and returns
// the thread to the lab namespace.
func (l *lab) container() netns.NsHandle {
	l.t.Helper()
	ns, err := netns.New()
	if err != nil {
		l.t.Fatalf("new network namespace: %v", err)
	}
	if err := netns.Set(l.host); err != nil {
		l.t.Fatalf("back to lab namespace: %v", err)
	}
	l.t.Cleanup(func() { ns.Close() })
	return ns
}

// inNS runs cmd with the thread (and so the forked child) in ns.
func (l *lab) inNS(ns netns.NsHandle, name string, args ...string) (string, error) {
	if err := netns.Set(ns); err != nil {
		l.t.Fatalf("enter namespace: %v", err)
	}
	defer func() {
		if err := netns.Set(l.host); err != nil {
			l.t.Fatalf("back to lab namespace: %v", err)
		}
	}()
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

func (l *lab) ping(ns netns.NsHandle, ip string) {
	l.t.Helper()
	tool := "ping"
	if strings.Contains(ip, ":") {
		tool = "ping6"
	}
	var out string
	var err error
	for i := 0; i < 3; i++ {
		if out, err = l.inNS(ns, "busybox", tool, "-c", "1", "-W", "2", ip); err == nil {
			return
		}
	}
	l.t.Fatalf("ping %s: %v\n%s", ip, err, out)
}

func (l *lab) bridge(name string, addrs ...string) netlink.Link {
	l.t.Helper()
	la := netlink.NewLinkAttrs()
	la.Name = name
	if err := l.h.LinkAdd(&netlink.Bridge{LinkAttrs: la}); err != nil {
		l.t.Fatalf("add bridge: %v", err)
	}
	br, err := l.h.LinkByName(name)
	if err != nil {
		l.t.Fatal(err)
	}
	for _, a := range addrs {
		ad, err := netlink.ParseAddr(a)
		if err != nil {
			l.t.Fatal(err)
		}
		ad.Flags = unix.IFA_F_NODAD
		if err := l.h.AddrAdd(br, ad); err != nil {
			l.t.Fatalf("add %s to bridge: %v", a, err)
		}
	}
	if err := l.h.LinkSetUp(br); err != nil {
		l.t.Fatal(err)
	}
	return br
}

// vethPair stands in for a physical NIC or a macvlan parent (the test
// kernel has no dummy driver).
func (l *lab) vethPair(a, b string) {
	l.t.Helper()
	la := netlink.NewLinkAttrs()
	la.Name = a
	if err := l.h.LinkAdd(&netlink.Veth{LinkAttrs: la, PeerName: b}); err != nil {
		l.t.Fatalf("add veth pair: %v", err)
	}
	for _, n := range []string{a, b} {
		lk, err := l.h.LinkByName(n)
		if err != nil {
			l.t.Fatal(err)
		}
		if err := l.h.LinkSetUp(lk); err != nil {
			l.t.Fatal(err)
		}
	}
}

func (l *lab) hostLinks() []string {
	l.t.Helper()
	links, err := l.h.LinkList()
	if err != nil {
		l.t.Fatal(err)
	}
	var names []string
	for _, k := range links {
		names = append(names, k.Attrs().Name)
	}
	sort.Strings(names)
	return names
}

func nsLinks(t *testing.T, ns netns.NsHandle) []string {
	t.Helper()
	info, err := InfoNS(ns)
	if err != nil {
		t.Fatal(err)
	}
	return info.Interfaces
}

// waitDAD waits until no IPv6 address in ns is tentative any more.
func waitDAD(t *testing.T, ns netns.NsHandle) {
	t.Helper()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		addrs, err := h.AddrList(nil, netlink.FAMILY_V6)
		if err != nil {
			t.Fatal(err)
		}
		tentative := false
		for _, a := range addrs {
			if a.Flags&unix.IFA_F_TENTATIVE != 0 {
				tentative = true
			}
		}
		if !tentative {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("IPv6 addresses still tentative after 10s")
}

func setupT(t *testing.T, devs []Netdev, ns netns.NsHandle) *Record {
	t.Helper()
	rec, err := Setup(devs, Options{NS: ns, Name: "ct"})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() { _ = Teardown(rec, Options{NS: ns}) })
	return rec
}

func TestRootVethBridge(t *testing.T) {
	l := newLab(t)
	br := l.bridge("nctvb0", "192.0.2.1/24", "2001:db8::1/64")
	ct1, ct2 := l.container(), l.container()
	rec1 := setupT(t, []Netdev{{Index: 0, Type: "veth", Link: "nctvb0", Flags: "up", Name: "eth0",
		HWAddr: "00:16:3e:xx:xx:xx", IPv4: []string{"192.0.2.11/24"}, IPv6: []string{"2001:db8::11/64"},
		IPv4Gateway: "auto", IPv6Gateway: "2001:db8::1", VethPair: "nctvp1"}}, ct1)
	rec2 := setupT(t, []Netdev{{Index: 0, Type: "veth", Link: "nctvb0", Flags: "up",
		IPv4: []string{"192.0.2.12/24"}, IPv6: []string{"2001:db8::12/64"}}}, ct2)

	if got := rec1.HostIf(0); got != "nctvp1" {
		t.Errorf("HostIf = %q, want nctvp1", got)
	}
	gen := rec2.HostIf(0)
	if len(gen) != 10 || !strings.HasPrefix(gen, "veth") {
		t.Errorf("generated host end %q, want vethXXXXXX", gen)
	}
	for _, n := range []string{"nctvp1", gen} {
		hl, err := l.h.LinkByName(n)
		if err != nil {
			t.Fatalf("host end %q: %v", n, err)
		}
		if hl.Attrs().MasterIndex != br.Attrs().Index {
			t.Errorf("%q not attached to the bridge", n)
		}
		if hl.Attrs().HardwareAddr[0] != 0xfe {
			t.Errorf("%q MAC %s does not start with fe", n, hl.Attrs().HardwareAddr)
		}
	}
	// Container 1: name, MAC pattern, addresses, gateways.
	h1, err := netlink.NewHandleAt(ct1)
	if err != nil {
		t.Fatal(err)
	}
	defer h1.Close()
	eth0, err := h1.LinkByName("eth0")
	if err != nil {
		t.Fatalf("eth0 in container: %v", err)
	}
	if mac := eth0.Attrs().HardwareAddr.String(); !strings.HasPrefix(mac, "00:16:3e:") {
		t.Errorf("MAC %s does not follow 00:16:3e:xx:xx:xx", mac)
	}
	routes, err := h1.RouteList(nil, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var gws []string
	for _, r := range routes {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() {
			gws = append(gws, r.Gw.String())
		}
	}
	sort.Strings(gws)
	if strings.Join(gws, " ") != "192.0.2.1 2001:db8::1" {
		t.Errorf("default routes via %v, want 192.0.2.1 (auto) and 2001:db8::1", gws)
	}
	if got := nsLinks(t, ct2); strings.Join(got, ", ") != "eth0, lo" {
		t.Errorf("container 2 interfaces %v, want eth0, lo", got)
	}

	waitDAD(t, ct1)
	waitDAD(t, ct2)
	l.ping(ct1, "192.0.2.12")
	l.ping(ct2, "192.0.2.11")
	l.ping(ct1, "2001:db8::12")
	l.ping(ct1, "192.0.2.1") // the auto gateway answers

	info, err := InfoNS(ct1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(info.IPs(), " ") != "192.0.2.11 2001:db8::11" {
		t.Errorf("Info IPs = %v, want 192.0.2.11 2001:db8::11 (no link-local)", info.IPs())
	}
	c, err := LinkCounters("nctvp1")
	if err != nil {
		t.Fatal(err)
	}
	if c.TX == 0 || c.RX == 0 {
		t.Errorf("counters %+v, want traffic both ways", c)
	}

	for _, x := range []struct {
		rec *Record
		ns  netns.NsHandle
	}{{rec1, ct1}, {rec2, ct2}} {
		if err := Teardown(x.rec, Options{NS: x.ns}); err != nil {
			t.Fatalf("Teardown: %v", err)
		}
		if err := Teardown(x.rec, Options{NS: netns.None()}); err != nil {
			t.Fatalf("second Teardown: %v", err)
		}
	}
	if got := l.hostLinks(); strings.Join(got, " ") != "lo nctvb0" {
		t.Errorf("host interfaces after teardown %v, want lo nctvb0", got)
	}
	if got := nsLinks(t, ct1); strings.Join(got, " ") != "lo" {
		t.Errorf("container interfaces after teardown %v, want lo", got)
	}
}

func TestRootMacvlan(t *testing.T) {
	l := newLab(t)
	l.vethPair("nctmp0", "nctmp1")
	ct1, ct2 := l.container(), l.container()
	for i, x := range []struct {
		ns netns.NsHandle
		ip string
	}{{ct1, "192.0.2.21/24"}, {ct2, "192.0.2.22/24"}} {
		d := Netdev{Index: 0, Type: "macvlan", Link: "nctmp0", MacvlanMode: "bridge", Flags: "up",
			Name: fmt.Sprintf("mv%d", i), IPv4: []string{x.ip}}
		if i == 0 {
			d.IPv4Gateway = "dev"
		}
		rec := setupT(t, []Netdev{d}, x.ns)
		if rec.Devices[0].HostName != "" {
			t.Errorf("macvlan left a host-side name in the record: %+v", rec.Devices[0])
		}
	}
	if got := nsLinks(t, ct2); strings.Join(got, " ") != "lo mv1" {
		t.Errorf("container interfaces %v, want lo mv1", got)
	}
	h2, err := netlink.NewHandleAt(ct2)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	mv, err := h2.LinkByName("mv1")
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := mv.(*netlink.Macvlan); !ok || m.Mode != netlink.MACVLAN_MODE_BRIDGE {
		t.Errorf("mv1 is %T %+v, want macvlan in bridge mode", mv, mv)
	}
	l.ping(ct1, "192.0.2.22")
	h1, err := netlink.NewHandleAt(ct1)
	if err != nil {
		t.Fatal(err)
	}
	defer h1.Close()
	routes, err := h1.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	devRoute := false
	for _, r := range routes {
		if (r.Dst == nil || r.Dst.IP.IsUnspecified()) && r.Gw == nil && r.Scope == netlink.SCOPE_LINK {
			devRoute = true
		}
	}
	if !devRoute {
		t.Errorf("no default device route for ipv4.gateway = dev in %v", routes)
	}
	if got := l.hostLinks(); strings.Join(got, " ") != "lo nctmp0 nctmp1" {
		t.Errorf("host interfaces %v, want only lo nctmp0 nctmp1", got)
	}
}

func TestRootPhys(t *testing.T) {
	l := newLab(t)
	l.vethPair("nctph0", "nctph1")
	orig, err := l.h.LinkByName("nctph0")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.h.LinkSetMTU(orig, 1400); err != nil {
		t.Fatal(err)
	}
	ct := l.container()
	rec, err := Setup([]Netdev{{Index: 3, Type: "phys", Link: "nctph0", Name: "eth5", Flags: "up",
		MTU: "1300", HWAddr: "02:aa:bb:xx:xx:xx", IPv4: []string{"192.0.2.31/24"}}}, Options{NS: ct})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() { _ = Teardown(rec, Options{NS: ct}) })
	if _, err := l.h.LinkByName("nctph0"); err == nil {
		t.Error("nctph0 still on the host")
	}
	if got := nsLinks(t, ct); strings.Join(got, " ") != "eth5 lo" {
		t.Errorf("container interfaces %v, want eth5 lo", got)
	}
	if err := Teardown(rec, Options{NS: ct}); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	back, err := l.h.LinkByName("nctph0")
	if err != nil {
		t.Fatalf("nctph0 not back on the host: %v", err)
	}
	if back.Attrs().Index != orig.Attrs().Index || back.Attrs().MTU != 1400 ||
		back.Attrs().HardwareAddr.String() != orig.Attrs().HardwareAddr.String() {
		t.Errorf("nctph0 came back as index %d mtu %d mac %s, want %d 1400 %s", back.Attrs().Index,
			back.Attrs().MTU, back.Attrs().HardwareAddr, orig.Attrs().Index, orig.Attrs().HardwareAddr)
	}
	if got := nsLinks(t, ct); strings.Join(got, " ") != "lo" {
		t.Errorf("container interfaces after teardown %v, want lo", got)
	}
	if err := Teardown(rec, Options{NS: ct}); err != nil {
		t.Fatalf("second Teardown: %v", err)
	}
}

func TestRootEmpty(t *testing.T) {
	l := newLab(t)
	for _, devs := range [][]Netdev{nil, {{Index: 0, Type: "empty"}}} {
		ct := l.container()
		setupT(t, devs, ct)
		h, err := netlink.NewHandleAt(ct)
		if err != nil {
			t.Fatal(err)
		}
		links, err := h.LinkList()
		h.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(links) != 1 || links[0].Attrs().Name != "lo" || links[0].Attrs().Flags&net.FlagUp == 0 {
			t.Errorf("devs %v: links %v, want only lo, up", devs, links)
		}
	}
	if got := l.hostLinks(); strings.Join(got, " ") != "lo" {
		t.Errorf("host interfaces %v, want lo", got)
	}
}

func TestRootSetupFailureLeavesNothing(t *testing.T) {
	l := newLab(t)
	l.bridge("nctfb0")
	ct := l.container()
	before := l.hostLinks()

	_, err := Setup([]Netdev{
		{Index: 0, Type: "veth", Link: "nctfb0", Flags: "up"},
		{Index: 1, Type: "veth", Link: "nctnobr0"},
	}, Options{NS: ct})
	if err == nil || !strings.Contains(err.Error(), `bridge "nctnobr0" does not exist`) {
		t.Fatalf("Setup = %v, want bridge does not exist", err)
	}
	// Failing half-way (the duplicate address is only refused by the
	// kernel) must remove the devices made before.
	_, err = Setup([]Netdev{
		{Index: 0, Type: "veth", Link: "nctfb0", Flags: "up", VethPair: "nctfp0"},
		{Index: 1, Type: "veth", Link: "nctfb0", VethPair: "nctfp1", IPv4: []string{"192.0.2.40/24", "192.0.2.40/24"}},
	}, Options{NS: ct})
	t.Logf("half-way failure: %v", err)
	if err == nil || !strings.Contains(err.Error(), "lxc.net.1:") {
		t.Fatalf("Setup = %v, want a failure on lxc.net.1", err)
	}
	if after := l.hostLinks(); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("host interfaces %v after failed setup, want %v", after, before)
	}
	if got := nsLinks(t, ct); strings.Join(got, " ") != "lo" {
		t.Errorf("container interfaces %v after failed setup, want lo", got)
	}
}

func TestRootVlanIPvlanKernelSupport(t *testing.T) {
	l := newLab(t)
	l.vethPair("nctvl0", "nctvl1")
	before := l.hostLinks()
	for _, x := range []struct {
		d       Netdev
		feature string
	}{
		{Netdev{Index: 0, Type: "vlan", Link: "nctvl0", VlanID: "7"}, "CONFIG_VLAN_8021Q"},
		{Netdev{Index: 0, Type: "ipvlan", Link: "nctvl0", IPvlanMode: "l2"}, "CONFIG_IPVLAN"},
	} {
		ct := l.container()
		rec, err := Setup([]Netdev{x.d}, Options{NS: ct})
		if err == nil {
			// The kernel has it: the device must be there, and go.
			if got := nsLinks(t, ct); strings.Join(got, " ") != "eth0 lo" {
				t.Errorf("%s: container interfaces %v, want eth0 lo", x.d.Type, got)
			}
			if err := Teardown(rec, Options{NS: ct}); err != nil {
				t.Errorf("%s: Teardown: %v", x.d.Type, err)
			}
			continue
		}
		t.Logf("%s: %v", x.d.Type, err)
		if !strings.Contains(err.Error(), x.feature) || !errors.Is(err, unix.EOPNOTSUPP) {
			t.Errorf("%s: Setup = %v, want an error naming %s", x.d.Type, err, x.feature)
		}
	}
	if after := l.hostLinks(); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("host interfaces %v, want %v", after, before)
	}
}

func TestRootScripts(t *testing.T) {
	l := newLab(t)
	l.bridge("nctsb0")
	dir := t.TempDir()
	script := filepath.Join(dir, "net.sh")
	body := "#!/bin/sh\nenv | grep '^LXC_' | sort > \"" + dir + "/$LXC_HOOK_TYPE$1.env\"\necho \"$@\" > \"" + dir + "/args.$$\"\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	read := func(glob string) string {
		m, _ := filepath.Glob(filepath.Join(dir, glob))
		var all []string
		for _, f := range m {
			b, _ := os.ReadFile(f)
			all = append(all, strings.TrimSpace(string(b)))
			os.Remove(f)
		}
		sort.Strings(all)
		return strings.Join(all, "|")
	}

	// hook version 0: information as arguments.
	ct := l.container()
	rec, err := Setup([]Netdev{{Index: 0, Type: "veth", Link: "nctsb0", VethPair: "nctsp0", ScriptUp: script, ScriptDown: script}},
		Options{NS: ct, Name: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := read("args.*"); got != "c1 net up veth nctsb0 nctsp0" {
		t.Errorf("up args = %q", got)
	}
	if err := Teardown(rec, Options{NS: ct, Name: "c1"}); err != nil {
		t.Fatal(err)
	}
	if got := read("args.*"); got != "c1 net down veth nctsb0 nctsp0" {
		t.Errorf("down args = %q", got)
	}

	// hook version 1: environment.
	ct = l.container()
	rec, err = Setup([]Netdev{{Index: 0, Type: "veth", Link: "nctsb0", VethPair: "nctsp1", ScriptUp: script}},
		Options{NS: ct, Name: "c2", HookVersion: 1, Env: []string{"LXC_NAME=c2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Teardown(rec, Options{NS: ct}) })
	if got := read("args.*"); got != "veth nctsb0 nctsp1" {
		t.Errorf("v1 args = %q", got)
	}
	want := "LXC_HOOK_SECTION=net\nLXC_HOOK_TYPE=up\nLXC_NAME=c2\nLXC_NET_PARENT=nctsb0\nLXC_NET_PEER=nctsp1\nLXC_NET_TYPE=veth"
	// Scripts inherit the caller's environment: leave out what the test
	// runner itself exports (LXC_BINARY from the Makefile).
	var lines []string
	for _, l := range strings.Split(read("up*.env"), "\n") {
		if !strings.HasPrefix(l, "LXC_BINARY=") {
			lines = append(lines, l)
		}
	}
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("v1 env =\n%s\nwant\n%s", got, want)
	}

	// A failing up script fails the setup and removes the device.
	ct = l.container()
	_, err = Setup([]Netdev{{Index: 0, Type: "veth", Link: "nctsb0", VethPair: "nctsp2", ScriptUp: "false"}}, Options{NS: ct})
	if err == nil {
		t.Fatal("Setup with a failing script.up succeeded")
	}
	if _, err := l.h.LinkByName("nctsp2"); err == nil {
		t.Error("nctsp2 left behind after a failing script.up")
	}
}

func TestRootRouterAndL2Proxy(t *testing.T) {
	l := newLab(t)
	l.bridge("nctlb0", "192.0.2.1/24")
	if err := os.WriteFile("/proc/sys/net/ipv4/conf/nctlb0/forwarding", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	ct1, ct2 := l.container(), l.container()
	rec := setupT(t, []Netdev{{Index: 0, Type: "veth", VethMode: "router", VethPair: "nctrp0", Flags: "up",
		IPv4: []string{"192.0.2.51/24"}, IPv4Gateway: "192.0.2.1", VethIPv4Routes: []string{"198.51.100.0/24"}}}, ct1)
	hl, err := l.h.LinkByName("nctrp0")
	if err != nil {
		t.Fatal(err)
	}
	routes, err := l.h.RouteList(hl, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	var dsts []string
	for _, r := range routes {
		if r.Dst != nil {
			dsts = append(dsts, r.Dst.String())
		}
	}
	sort.Strings(dsts)
	if strings.Join(dsts, " ") != "192.0.2.51/32 198.51.100.0/24" {
		t.Errorf("host routes via nctrp0 = %v", dsts)
	}
	if hl.Attrs().MasterIndex != 0 {
		t.Error("router mode host end is enslaved")
	}
	l.ping(ct1, "192.0.2.1") // through proxy ARP and the host route

	rec2 := setupT(t, []Netdev{{Index: 1, Type: "veth", Link: "nctlb0", L2Proxy: true, Flags: "up",
		IPv4: []string{"192.0.2.52/24"}}}, ct2)
	br, _ := l.h.LinkByName("nctlb0")
	proxies := func() int {
		n, err := l.h.NeighProxyList(br.Attrs().Index, netlink.FAMILY_V4)
		if err != nil {
			t.Fatal(err)
		}
		return len(n)
	}
	if got := proxies(); got != 1 {
		t.Errorf("%d proxy entries on the bridge, want 1", got)
	}
	if err := Teardown(rec2, Options{NS: netns.None()}); err != nil {
		t.Fatal(err)
	}
	if got := proxies(); got != 0 {
		t.Errorf("%d proxy entries on the bridge after teardown, want 0", got)
	}
	if err := Teardown(rec, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := l.hostLinks(); strings.Join(got, " ") != "lo nctlb0" {
		t.Errorf("host interfaces after teardown %v", got)
	}
}

func TestRootMoveInOut(t *testing.T) {
	l := newLab(t)
	l.vethPair("nctdv0", "nctdv1")
	ct := l.container()
	name, err := MoveIn(ct, "nctdv0", "eth7")
	if err != nil || name != "eth7" {
		t.Fatalf("MoveIn = %q, %v", name, err)
	}
	if got := nsLinks(t, ct); strings.Join(got, " ") != "eth7 lo" {
		t.Errorf("container interfaces %v, want eth7 lo", got)
	}
	if err := MoveOut(ct, "eth7", "nctdv0"); err != nil {
		t.Fatalf("MoveOut: %v", err)
	}
	if _, err := l.h.LinkByName("nctdv0"); err != nil {
		t.Errorf("nctdv0 not back: %v", err)
	}
	if _, err := MoveIn(ct, "nctnone0", ""); err == nil {
		t.Error("MoveIn of a missing interface succeeded")
	}
}

// TestRootTeardownAfterCrash stores the record as JSON, lets the container
// namespace die, and tears down from the record alone.
func TestRootTeardownAfterCrash(t *testing.T) {
	l := newLab(t)
	l.bridge("nctcb0", "192.0.2.1/24")
	if err := os.WriteFile("/proc/sys/net/ipv4/conf/nctcb0/forwarding", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	ns, err := netns.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := netns.Set(l.host); err != nil {
		t.Fatal(err)
	}
	rec, err := Setup([]Netdev{{Index: 0, Type: "veth", Link: "nctcb0", VethPair: "nctcp0", L2Proxy: true,
		Flags: "up", IPv4: []string{"192.0.2.61/24"}}}, Options{NS: ns})
	if err != nil {
		ns.Close()
		t.Fatal(err)
	}
	state, err := json.Marshal(rec)
	ns.Close() // the "container" is gone, and the monitor with it
	if err != nil {
		t.Fatal(err)
	}
	var stored Record
	if err := json.Unmarshal(state, &stored); err != nil {
		t.Fatal(err)
	}
	if err := Teardown(&stored, Options{NS: netns.None()}); err != nil {
		t.Fatalf("Teardown from stored record: %v", err)
	}
	br, _ := l.h.LinkByName("nctcb0")
	if n, err := l.h.NeighProxyList(br.Attrs().Index, netlink.FAMILY_V4); err != nil || len(n) != 0 {
		t.Errorf("proxy entries left: %v %v", n, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := l.hostLinks()
		if strings.Join(got, " ") == "lo nctcb0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("host interfaces %v after teardown, want lo nctcb0", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
