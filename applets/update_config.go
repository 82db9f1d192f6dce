package applets

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-update-config -c FILE rewrites pre-2.1 keys of a container config
// to their current names (core.RewriteLegacy), after copying the file to
// FILE.backup, as LXC's shell script does. It is silent on success.

func init() {
	register(&Applet{Name: "update-config", NoCommon: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "update a pre-2.1 container configuration file",
			UsageText: "lxc-update-config -c FILE",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "the container configuration to update"},
			},
			Action: func(c *cli.Context) error {
				path := c.String("config")
				if path == "" {
					fmt.Fprint(ctxOut, updateConfigUsage())
					return nil
				}
				if _, err := core.UpdateLegacyConfig(path); err != nil {
					return exit(1, "%v", err)
				}
				return nil
			},
		}
	}})
}

// updateConfigUsage is the script's usage text, which names the program
// as it was invoked ($0).
func updateConfigUsage() string {
	prog := "lxc-update-config"
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == prog {
		prog = os.Args[0]
	}
	return prog + " -h|--help [-c|--config]\nconfig: the container configuration to update\n"
}
