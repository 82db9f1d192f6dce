package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "autostart", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-autostart", Action: notYet("lxc-autostart")}
	}})
}
