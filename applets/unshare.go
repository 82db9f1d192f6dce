package applets

import "github.com/urfave/cli/v2"

func init() {
	register(&Applet{Name: "unshare", Command: func() *cli.Command {
		return &cli.Command{Usage: "lxc-unshare", Action: notYet("lxc-unshare")}
	}})
}
