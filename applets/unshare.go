package applets

import (
	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-unshare: run a command in new namespaces (src/lxc/tools/lxc_unshare.c).
func init() {
	register(&Applet{Name: "unshare", Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "lxc-unshare run a task in a new set of namespaces",
			UsageText: "lxc-unshare -s NAMESPACES [-u USER] [-H HOSTNAME] [-i IFNAME] [-d] [-M] -- COMMAND",
			Description: "NAMESPACES is a pipe-separated list of MOUNT, PID, UTSNAME, IPC, USER, NETWORK, CGROUP.\n" +
				"Exit status: the command's own exit status (128+N when it is killed by signal N), or 1\n" +
				"when it cannot be started; with -d, 0 once it runs. (LXC returns only 0 or 1.)",
			Flags: []cli.Flag{
				&cli.StringSliceFlag{Name: "namespaces", Aliases: []string{"s"}, Usage: "pipe-separated list of namespaces, e.g. \"MOUNT|PID\""},
				&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "new id to be set if -s USER is specified"},
				&cli.StringFlag{Name: "hostname", Aliases: []string{"H"}, Usage: "set the hostname in the container"},
				&cli.StringSliceFlag{Name: "ifname", Aliases: []string{"i"}, Usage: "interface name to be moved into container (presumably with NETWORK unsharing set)"},
				&cli.BoolFlag{Name: "daemon", Aliases: []string{"d"}, Usage: "daemonize (do not wait for the container to exit)"},
				&cli.BoolFlag{Name: "remount", Aliases: []string{"M"}, Usage: "remount default fs inside container (/proc /dev/shm /dev/mqueue)"},
			},
			Action: unshareAction,
		}
	}})
}

func unshareAction(c *cli.Context) error {
	// The re-exec'd child (see core/unshare.go) ends here.
	if child, err := core.UnshareChild(); child {
		return exit(1, "%v", err)
	}
	if _, _, err := common(c, false); err != nil {
		return err
	}
	flags, err := core.ParseUnshareNamespaces(c.StringSlice("namespaces"))
	if err != nil {
		return exit(1, "%v", err)
	}
	o := &core.UnshareOptions{
		Flags: flags, User: c.String("user"), Hostname: c.String("hostname"),
		Ifaces: c.StringSlice("ifname"), Daemon: c.Bool("daemon"), Remount: c.Bool("remount"),
		Cmd: c.Args().Slice(),
	}
	code, err := core.Unshare(o)
	if err != nil {
		return exit(1, "%v", err)
	}
	if code != 0 {
		return exit(code, "")
	}
	return nil
}
