package applets

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-autostart: start, stop, kill or reboot the containers marked for
// autostart (src/lxc/tools/lxc_autostart.c).
func init() {
	register(&Applet{Name: "autostart", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "lxc-autostart managed auto-started containers",
			UsageText: "lxc-autostart [-k] [-L] [-r] [-s] [-a] [-A] [-g groups] [-t timeout]",
			Description: "Selects containers with lxc.start.auto = 1 in the NULL group (no lxc.group), or in the\n" +
				"groups of -g in the order given (an empty item, as in -g a,,b, is the NULL group), ordered\n" +
				"by lxc.start.order then name; waits lxc.start.delay seconds after each start or reboot.\n" +
				"Exit status: 0 all succeeded, 1 all failed, 2 some failed. Unlike LXC, every failure is\n" +
				"reported on stderr with the container's name and the reason.",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "kill", Aliases: []string{"k"}, Usage: "kill the containers instead of starting them"},
				&cli.BoolFlag{Name: "list", Aliases: []string{"L"}, Usage: "list all affected containers and wait delays"},
				&cli.BoolFlag{Name: "reboot", Aliases: []string{"r"}, Usage: "reboot the containers instead of starting them"},
				&cli.BoolFlag{Name: "shutdown", Aliases: []string{"s"}, Usage: "shutdown the containers instead of starting them"},
				&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "list all auto-started containers (ignore groups)"},
				&cli.BoolFlag{Name: "ignore-auto", Aliases: []string{"A"}, Usage: "ignore lxc.start.auto and select all matching containers"},
				&cli.StringSliceFlag{Name: "groups", Aliases: []string{"g"}, Usage: "list of groups (comma separated) to select"},
				&cli.IntFlag{Name: "timeout", Aliases: []string{"t"}, Value: 60, Usage: "wait T seconds before hard-stopping"},
			},
			Action: autostartAction,
		}
	}})
}

func autostartAction(c *cli.Context) error {
	_, st, err := common(c, false)
	if err != nil {
		return err
	}
	o := &core.AutostartOptions{
		All: c.Bool("all"), IgnoreAuto: c.Bool("ignore-auto"),
		Groups: core.ParseGroups(c.StringSlice("groups")), Timeout: c.Int("timeout"),
	}
	switch {
	case c.Bool("shutdown"):
		o.Action = core.AutoShutdown
	case c.Bool("kill"):
		o.Action = core.AutoKill
	case c.Bool("reboot"):
		o.Action = core.AutoReboot
	}
	if c.Bool("list") {
		items, err := core.AutostartSelect(st, o)
		if err != nil {
			return exit(1, "%v", err)
		}
		for _, it := range items {
			if o.Action == core.AutoShutdown || o.Action == core.AutoKill {
				fmt.Fprintf(ctxOut, "%s\n", it.Name)
			} else {
				fmt.Fprintf(ctxOut, "%s %d\n", it.Name, it.Delay)
			}
		}
		return nil
	}
	verb := map[core.AutostartAction]string{core.AutoStart: "starting", core.AutoShutdown: "shutting down",
		core.AutoKill: "killing", core.AutoReboot: "rebooting"}[o.Action]
	code, err := core.Autostart(st, o, func(r core.AutostartResult) {
		if r.Err != nil && !quiet {
			fmt.Fprintf(ctxErr, "lxc-autostart: %s: Error %s container: %v\n", r.Name, verb, r.Err)
		}
	})
	if err != nil {
		return exit(1, "%v", err)
	}
	if code != 0 {
		return exit(code, "")
	}
	return nil
}
