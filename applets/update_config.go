package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "update-config", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-update-config", Action: notYet("lxc-update-config")}
	}})
}
