package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "stop", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-stop", Action: notYet("lxc-stop")}
	}})
}
