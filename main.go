// Command lxc is a single static binary that implements the LXC userspace
// tools. It dispatches on argv[0] (lxc-start, lxc-info, ...) or on its first
// argument (lxc start -n foo).
//
// GOMAXPROCS stays the number of CPUs: reading the cgroup CPU limit at
// every start and re-reading it from every idle monitor (the runtime keeps
// cpu.cfs_quota_us open for that) costs time and fds for no gain in a
// short-lived tool or a mostly idle monitor.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
package main

import (
	"os"

	"github.com/lxc-go/lxc/applets"
	"github.com/lxc-go/lxc/core"
)

// init catches the hidden entry points (container init, monitor) before the
// CLI exists, so that they run on the startup thread.
func init() { core.HiddenEntry(os.Args) }

func main() {
	core.RunHidden()
	os.Exit(applets.Main(os.Args))
}
