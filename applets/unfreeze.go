package applets

import (
	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "unfreeze", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "thaw all the container's processes",
			UsageText: "lxc-unfreeze --name=NAME",
			Action: func(c *cli.Context) error {
				o, st, err := common(c, true)
				if err != nil {
					return err
				}
				// LXC returns 0 also when the container is stopped or
				// not frozen.
				_ = core.Unfreeze(st, o.Name)
				return nil
			},
		}
	}})
}
