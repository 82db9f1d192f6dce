package applets

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "console", Permute: true, Command: consoleCommand})
}

func consoleCommand() *cli.Command {
	return &cli.Command{
		Usage:     "launch a console for the specified container",
		UsageText: "lxc-console --name=NAME [-t NUM] [-e ESCAPE] | --show-log [--follow]",
		Description: "Connects this terminal to tty NUM of the container (0 = /dev/console, default the\n" +
			"first free tty). Type <Ctrl+a q> to leave, <Ctrl+a Ctrl+a> to send Ctrl+a.\n" +
			"--show-log prints the console ring buffer; --follow keeps printing console output.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "tty", Aliases: []string{"t"}, Value: -1, Usage: "console tty number"},
			&cli.StringFlag{Name: "escape", Aliases: []string{"e"}, Value: "a", Usage: "prefix for escape command"},
			&cli.BoolFlag{Name: "show-log", Usage: "print the console ring buffer and exit"},
			&cli.BoolFlag{Name: "follow", Usage: "with --show-log: keep printing console output"},
		},
		Action: runConsole,
	}
}

func runConsole(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	if c.Bool("show-log") || c.Bool("follow") {
		err := core.ConsoleLog(st, o.Name, c.Bool("follow"), ctxOut)
		if errors.Is(err, core.ErrNotRunning) {
			return exit(1, "%s: %s is not running", o.Name, o.Name)
		}
		if err != nil {
			return exit(1, "%s: %v", o.Name, err)
		}
		return nil
	}
	esc, err := core.ParseEscape(c.String("escape"))
	if err != nil {
		return exit(1, "%s: %v", o.Name, err)
	}
	err = core.Console(st, o.Name, core.ConsoleOptions{TTY: c.Int("tty"), Escape: esc, Quiet: o.Quiet})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrNotRunning):
		return exit(1, "%s: %s is not running", o.Name, o.Name)
	case errors.Is(err, core.ErrNotTerminal):
		return exit(1, "%s: Failed to add stdin handler", o.Name)
	case errors.Is(err, core.ErrTTYDenied):
		return exit(1, "%s: Denied access to tty", o.Name)
	}
	return exit(1, "%s: %v", o.Name, err)
}
