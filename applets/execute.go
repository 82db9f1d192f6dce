package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "execute", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-execute", Action: notYet("lxc-execute")}
	}})
}
