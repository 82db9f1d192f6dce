package applets

import (
	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "freeze", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "freeze all the container's processes",
			UsageText: "lxc-freeze --name=NAME",
			Action: func(c *cli.Context) error {
				o, st, err := common(c, true)
				if err != nil {
					return err
				}
				if err := core.Freeze(st, o.Name); err != nil {
					return exit(1, "%s: Failed to freeze %s:%s", o.Name, st.Path, o.Name)
				}
				return nil
			},
		}
	}})
}
