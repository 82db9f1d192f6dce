// Package cgroupfs places containers in cgroups, as LXC 5.0 does.
//
// # Hierarchies and the v1/v2 choice
//
// Detect reads /proc/self/mountinfo once: every "cgroup" mount is a v1
// hierarchy (one directory per controller set, such as /sys/fs/cgroup/memory
// or /sys/fs/cgroup/cpu,cpuacct; named hierarchies like name=systemd count
// too), and the "cgroup2" mount is the unified hierarchy. Three layouts exist:
//
//   - legacy: v1 hierarchies only;
//   - hybrid: v1 controller hierarchies plus a cgroup2 mount without
//     controllers (/sys/fs/cgroup/unified, as on Debian with systemd's
//     hybrid mode);
//   - unified: only cgroup2, at /sys/fs/cgroup.
//
// Host.NewManager returns the v2 implementation on a unified host and the
// v1 implementation otherwise. The v1 Manager also uses the unified mount of
// a hybrid host: processes are attached there too, lxc.cgroup2.* settings are
// written there (a file the unified hierarchy lacks, such as memory.max when
// memory is a v1 controller, is skipped with a warning: LXC ignores cgroup2
// limits on such hosts) and lxc.cgroup2.devices.* rules become a device eBPF program
// attached there; freeze falls back to cgroup.freeze and kill uses
// cgroup.kill there when present.
//
// # Layout
//
// As root, LXC escapes to the root of every hierarchy: a container "foo"
// lives in <mount>/lxc.payload.foo and its monitor in <mount>/lxc.monitor.foo
// in each hierarchy. Config.Relative (lxc.cgroup.relative) puts both below
// the cgroup of the calling process instead; Config.Dir (lxc.cgroup.dir)
// puts them below that path; Config.DirContainer/DirMonitor replace the
// generated names; Config.DirContainerInner puts the container's processes
// in a child of the payload while limits stay on the payload. A monitor
// moves itself to Pivot (lxc.cgroup.dir.monitor.pivot, default lxc.pivot)
// before removing its own cgroup.
//
// Paths are computed from the Config and the host alone, so a Manager built
// after a crash can Destroy what a dead monitor left. A cgroup of the same
// name found at Create is a leftover of a crashed monitor (the container
// lock rules out a live one): it is emptied and removed, never worked around
// with a "-1" suffix as LXC does. Containers of the same name in two
// lxcpaths share these names, so a caller must not Create over a payload
// that still holds processes it cannot account for (core refuses to start
// then). Destroy(true) kills, thaws and waits; a frozen v1 payload is
// thawed first, since frozen tasks act on SIGKILL only once thawed.
//
// The caller gives the container its cgroup namespace: after Attach, the
// container's init unshares CLONE_NEWCGROUP, which roots the namespace at
// Placement.Init.
//
// Tests build a Host with ParseHost from a mountinfo text and a fake
// tree under t.TempDir().
package cgroupfs
