package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "create", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-create", Action: notYet("lxc-create")}
	}})
}
