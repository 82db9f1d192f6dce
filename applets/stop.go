package applets

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "stop", Permute: true, Command: stopCommand})
}

func stopCommand() *cli.Command {
	return &cli.Command{
		Usage:     "stop a container",
		UsageText: "lxc-stop --name=NAME [-W] [-r|-k|--nokill] [-t TIMEOUT]",
		Description: "Sends lxc.signal.halt (default SIGPWR) to the container's init and waits up to TIMEOUT\n" +
			"seconds (default 60, -1 forever), then kills it with lxc.signal.stop (default SIGKILL).\n" +
			"Exit status: 0 stopped, 1 error or timeout with --nokill, 2 not running.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "reboot", Aliases: []string{"r"}, Usage: "reboot the container"},
			&cli.BoolFlag{Name: "nowait", Aliases: []string{"W"}, Usage: "don't wait for shutdown or reboot to complete"},
			&cli.IntFlag{Name: "timeout", Aliases: []string{"t"}, Value: 60, Usage: "wait T seconds before hard-stopping"},
			&cli.BoolFlag{Name: "kill", Aliases: []string{"k"}, Usage: "kill container rather than request clean shutdown"},
			&cli.BoolFlag{Name: "nolock", Usage: "avoid using API locks"},
			&cli.BoolFlag{Name: "nokill", Usage: "only request clean shutdown, don't force kill after timeout"},
		},
		Action: runStop,
	}
}

func runStop(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	so := core.StopOptions{
		Reboot: c.Bool("reboot"), NoWait: c.Bool("nowait"), Timeout: c.Int("timeout"),
		Kill: c.Bool("kill"), NoKill: c.Bool("nokill"), NoLock: c.Bool("nolock"),
	}
	switch {
	case so.Kill && c.IsSet("timeout"):
		return exit(1, "-k doesn't allow timeouts")
	case so.Kill && so.Reboot:
		return exit(1, "-k can't be used with -r")
	case so.Kill && so.NoKill:
		return exit(1, "-k can't be used with --nokill")
	case so.NoLock && !so.Kill:
		return exit(1, "--nolock may only be used with -k")
	}
	err = core.Stop(st, o.Name, so)
	if errors.Is(err, core.ErrNotRunning) {
		return exit(2, "%s: %s is not running", o.Name, o.Name)
	}
	if err != nil {
		return exit(1, "%s: %v", o.Name, err)
	}
	return nil
}
