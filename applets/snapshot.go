package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "snapshot", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-snapshot", Action: notYet("lxc-snapshot")}
	}})
}
