package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "destroy", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-destroy", Action: notYet("lxc-destroy")}
	}})
}
