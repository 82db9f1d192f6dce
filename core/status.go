package core

// Status is what the live monitor reports about a container. A container
// without a live monitor is STOPPED, whatever files say.
type Status struct {
	State      State
	InitPID    int // 0 when not running
	MonitorPID int
}

// Stat is one cgroup statistic; OK is false when its file was unreadable.
type Stat struct {
	Value uint64
	OK    bool
}

// LinkStat is a host-side interface of a container network device with
// its byte counters as seen from the host.
type LinkStat struct {
	Name    string
	TXBytes uint64 // host RX = container TX (LXC swaps them)
	RXBytes uint64
}

// RuntimeInfo is what lxc-info, lxc-ls -f and lxc-top show about a running
// container beyond its state.
type RuntimeInfo struct {
	IPv4       []string // global addresses of non-lo interfaces
	IPv6       []string
	Interfaces []string // interface names in the container netns ("eth0", "lo")
	CPU        Stat     // nanoseconds
	CPUUser    Stat     // USER_HZ ticks
	CPUSys     Stat
	BlkIO      Stat // bytes
	BlkIOOps   Stat
	Mem        Stat // bytes
	MemSwap    Stat
	KMem       Stat
	Links      []LinkStat
}
