package applets

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "start", RCFileShort: true, Command: startCommand})
}

func startCommand() *cli.Command {
	cmd := &cli.Command{
		Usage:     "start a container",
		UsageText: "lxc-start --name=NAME [-d|-F] [-p PIDFILE] [-f CONFIG] [-s KEY=VAL] [-- COMMAND]",
		Description: "Runs COMMAND (default lxc.init.cmd, else /sbin/init) as pid 1 of the container NAME.\n" +
			"With -d (the default) it returns once the container is RUNNING; with -F it stays in the\n" +
			"foreground with the container's console on this terminal and returns the init's exit status.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "daemon", Aliases: []string{"d"}, Usage: "Daemonize the container (default)"},
			&cli.BoolFlag{Name: "foreground", Aliases: []string{"F"}, Usage: "Start with the current tty attached to /dev/console"},
			&cli.StringFlag{Name: "pidfile", Aliases: []string{"p"}, Usage: "Create a file with the monitor's process id"},
			&cli.StringFlag{Name: "console", Aliases: []string{"c"}, Usage: "Use specified FILE for the container console"},
			&cli.StringFlag{Name: "console-log", Aliases: []string{"L"}, Usage: "Log container console output to FILE"},
			&cli.BoolFlag{Name: "close-all-fds", Aliases: []string{"C"}, Usage: "Close all inherited fds (always done)"},
			&cli.StringSliceFlag{Name: "define", Aliases: []string{"s"}, Usage: "Assign VAL to configuration variable KEY"},
		},
		Action: runStart,
	}
	cmd.Flags = append(cmd.Flags, shareFlags(startShares...)...)
	return cmd
}

// startShares are the namespaces lxc-start can share.
var startShares = []string{"net", "ipc", "uts", "pid"}

func runStart(c *cli.Context) error {
	o, st, cfg, file, err := loadRun(c, "No container config specified")
	if err != nil {
		return err
	}
	cmd := c.Args().Slice()
	if len(cmd) == 0 {
		cmd = splitCommand(cfg.InitCmd)
	}
	if len(cmd) == 0 {
		cmd = []string{"/sbin/init"}
	}
	logFile, level := logSettings(o, st, cfg)
	share := shareMap(c, startShares...)
	fg := c.Bool("foreground")
	so := &core.StartOptions{
		Name: o.Name, Config: cfg, ConfigFile: file, Cmd: cmd,
		Daemon: !fg, Foreground: fg, PidFile: c.String("pidfile"),
		UID: -1, GID: -1, LogFile: logFile, LogLevel: level,
		ConsoleLog: c.String("console-log"), ConsoleDev: c.String("console"), Share: share,
	}
	status, err := core.Start(st, so)
	if errors.Is(err, core.ErrRunning) {
		// LXC prints the error but exits 0.
		fmt.Fprintf(ctxErr, "lxc-start: %s: Container is already running\n", o.Name)
		return nil
	}
	if err != nil {
		if !quiet {
			fmt.Fprintf(ctxErr, "lxc-start: %s: %v\n", o.Name, err)
			fmt.Fprintf(ctxErr, "lxc-start: %s: The container failed to start\n", o.Name)
			if !fg {
				fmt.Fprintf(ctxErr, "lxc-start: %s: To get more details, run the container in foreground mode\n", o.Name)
			}
			fmt.Fprintf(ctxErr, "lxc-start: %s: Additional information can be obtained by setting the --logfile and --logpriority options\n", o.Name)
		}
		return exit(1, "")
	}
	if fg && status != 0 {
		// Beyond LXC: -F returns the init's exit status.
		return exit(status, "")
	}
	return nil
}
