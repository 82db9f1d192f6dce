package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "freeze", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-freeze", Action: notYet("lxc-freeze")}
	}})
}
