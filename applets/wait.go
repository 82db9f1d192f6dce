package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "wait", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-wait", Action: notYet("lxc-wait")}
	}})
}
