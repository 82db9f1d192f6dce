package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "ls", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-ls", Action: notYet("lxc-ls")}
	}})
}
