package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "init", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-init", Action: notYet("lxc-init")}
	}})
}
