package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "checkconfig", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-checkconfig", Action: notYet("lxc-checkconfig")}
	}})
}
