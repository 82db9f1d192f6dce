package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "monitor", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-monitor", Action: notYet("lxc-monitor")}
	}})
}
