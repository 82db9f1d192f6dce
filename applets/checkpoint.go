package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "checkpoint", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-checkpoint", Action: notYet("lxc-checkpoint")}
	}})
}
