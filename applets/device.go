package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "device", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-device", Action: notYet("lxc-device")}
	}})
}
