package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "unfreeze", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-unfreeze", Action: notYet("lxc-unfreeze")}
	}})
}
