package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "info", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-info", Action: notYet("lxc-info")}
	}})
}
