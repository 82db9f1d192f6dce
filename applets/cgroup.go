package applets

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "cgroup", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "manage the control group associated with a container",
			UsageText: "lxc-cgroup --name=NAME STATE-OBJECT [VALUE]",
			Description: "Without VALUE prints the cgroup file STATE-OBJECT (e.g. memory.limit_in_bytes) of the\n" +
				"running container; with VALUE writes it.",
			Action: runCgroup,
		}
	}})
}

func runCgroup(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	args := c.Args().Slice()
	if len(args) == 0 {
		// LXC's "Missing state object" goes to the log, which is not set
		// up yet when arguments are checked: only this line is printed.
		return exit(1, "could not parse command line")
	}
	key := args[0]
	if s := core.ContainerStatus(st, o.Name); s.State == core.STOPPED {
		return exit(1, "%s: '%s:%s' is not running", o.Name, st.Path, o.Name)
	}
	if len(args) >= 2 {
		if err := core.CgroupSet(st, o.Name, key, args[1]); err != nil {
			return exit(1, "%s: Failed to assign '%s' value to '%s' for '%s'", o.Name, args[1], key, o.Name)
		}
		return nil
	}
	v, err := core.CgroupGet(st, o.Name, key)
	if errors.Is(err, core.ErrNotRunning) {
		return exit(1, "%s: '%s:%s' is not running", o.Name, st.Path, o.Name)
	}
	if err != nil {
		return exit(1, "%s: Failed to retrieve value of '%s' for '%s:%s'", o.Name, key, st.Path, o.Name)
	}
	// LXC prints the raw contents followed by a newline.
	fmt.Fprintf(ctxOut, "%s\n", v)
	return nil
}
