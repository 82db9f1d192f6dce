package applets

import (
	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "init", Command: initCommand})
}

func initCommand() *cli.Command {
	return &cli.Command{
		Usage:     "start a COMMAND as PID 2 inside a container",
		UsageText: "lxc-init [-n NAME] [-P PATH] [-q] -- COMMAND",
		Description: "A minimal init: runs COMMAND as its child, forwards signals to it, reaps orphans and\n" +
			"exits with COMMAND's status (128+N if killed by signal N) once no process is left.\n" +
			"Usable as lxc.init.cmd.",
		Action: func(c *cli.Context) error {
			if c.Args().Len() == 0 {
				return exit(1, "Please specify a command to execute")
			}
			if rc := core.RunReaper(c.Args().Slice()); rc != 0 {
				return exit(rc, "")
			}
			return nil
		},
	}
}
