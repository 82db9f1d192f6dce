package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "top", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-top", Action: notYet("lxc-top")}
	}})
}
