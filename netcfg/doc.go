// Package netcfg builds and removes a container's network devices the way
// LXC 5.0 does for the lxc.net.N keys of lxc.container.conf(5).
//
// The package is a leaf: it knows nothing of the config parser or the
// container store. The caller converts its config into []Netdev, calls
// Validate before creating anything, then Setup once the container's init
// (and so its network namespace) exists. Setup returns a Record, a
// JSON-friendly list of what was created on the host, which the caller
// stores in its state file; Teardown(Record) removes it again, and works
// after a crash of the monitor because it needs nothing but that record.
//
// Everything inside the container's network namespace is done through a
// netlink handle opened there (netlink.NewHandleAt), never by moving the
// caller's own threads into that namespace: the monitor is a Go program and
// its goroutines hop between threads.
//
// Host side (run in the caller's network namespace):
//
//	veth     host end "vethXXXXXX" (or veth.pair) created with its peer
//	         already inside the container, attached to the bridge "link"
//	         (bridge mode) or given host routes (router mode)
//	macvlan  created on the parent "link" directly inside the container
//	ipvlan   idem, mode l3|l3s|l2 and isolation
//	vlan     idem, VLAN id on "link" (needs CONFIG_VLAN_8021Q)
//	phys     host interface "link" moved in, moved back with its original
//	         name at teardown
//	empty    nothing on the host; the container gets only loopback
//	none     the container shares the host's namespace: nothing to do
//
// Info, LinkCounters, MoveIn and MoveOut serve lxc-info, lxc-ls and
// lxc-device.
package netcfg
