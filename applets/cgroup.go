package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "cgroup", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-cgroup", Action: notYet("lxc-cgroup")}
	}})
}
