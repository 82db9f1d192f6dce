package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "attach", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-attach", Action: notYet("lxc-attach")}
	}})
}
