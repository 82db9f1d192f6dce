package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "start", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-start", Action: notYet("lxc-start")}
	}})
}
