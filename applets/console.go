package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "console", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-console", Action: notYet("lxc-console")}
	}})
}
