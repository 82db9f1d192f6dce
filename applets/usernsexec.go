package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "usernsexec", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-usernsexec", Action: notYet("lxc-usernsexec")}
	}})
}
