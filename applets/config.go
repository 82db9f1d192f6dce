package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "config", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-config", Action: notYet("lxc-config")}
	}})
}
