package applets

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "device", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "lxc-device attach or detach DEV to or from container.",
			UsageText: "lxc-device --name=NAME -- add|del DEV [NAME-IN-CONTAINER]",
			Description: "DEV is a network interface name (moved into the container's network namespace, and\n" +
				"back with del) or a device node under /dev (created in the container and allowed in its\n" +
				"devices cgroup; del removes and denies it).",
			Action: runDevice,
		}
	}})
}

func runDevice(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	// As LXC, the container must run before the arguments matter.
	if s := core.ContainerStatus(st, o.Name); s.State == core.STOPPED {
		return exit(1, "%s: Container %s is not running", o.Name, o.Name)
	}
	args := c.Args().Slice()
	if len(args) < 2 {
		return exit(1, "%s: Error: no command given (Please see --help output)", o.Name)
	}
	action, dev, dst := args[0], args[1], ""
	if len(args) > 2 {
		dst = args[2]
	}
	switch action {
	case "add":
		err = core.DeviceAdd(st, o.Name, dev, dst)
	case "del":
		err = core.DeviceDel(st, o.Name, dev, dst)
	default:
		return exit(1, "%s: Error: Please use add or del (Please see --help output)", o.Name)
	}
	if errors.Is(err, core.ErrNotRunning) {
		return exit(1, "%s: Container %s is not running", o.Name, o.Name)
	}
	if err != nil {
		verb := "add"
		if action == "del" {
			verb = "del"
		}
		return exit(1, "%s: Failed to %s %s to %s: %v", o.Name, verb, dev, o.Name, err)
	}
	return nil
}
