package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "copy", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-copy", Action: notYet("lxc-copy")}
	}})
}
