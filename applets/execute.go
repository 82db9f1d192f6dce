package applets

import (
	"errors"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "execute", RCFileShort: true, Command: executeCommand})
}

func executeCommand() *cli.Command {
	cmd := &cli.Command{
		Usage:     "run an application inside a container",
		UsageText: "lxc-execute --name=NAME [-f CONFIG] [-s KEY=VAL] [-u UID] [-g GID] [-d] [--] COMMAND",
		Description: "Runs COMMAND as pid 2 of a container whose pid 1 is a minimal init (lxc-init) that\n" +
			"forwards signals and reaps orphans. The exit status is the command's (128+N if killed by signal N).",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "daemon", Aliases: []string{"d"}, Usage: "Daemonize the container"},
			&cli.StringSliceFlag{Name: "define", Aliases: []string{"s"}, Usage: "Assign VAL to configuration variable KEY"},
			&cli.StringFlag{Name: "uid", Aliases: []string{"u"}, Usage: "Execute COMMAND with UID inside the container"},
			&cli.StringFlag{Name: "gid", Aliases: []string{"g"}, Usage: "Execute COMMAND with GID inside the container"},
		},
		Action: runExecute,
	}
	cmd.Flags = append(cmd.Flags, shareFlags(executeShares...)...)
	return cmd
}

// executeShares are the namespaces lxc-execute can share.
var executeShares = []string{"net", "ipc", "uts"}

func runExecute(c *cli.Context) error {
	o, st, cfg, file, err := loadRun(c, "Executing a container with no configuration file may crash the host")
	if err != nil {
		return err
	}
	cmd := c.Args().Slice()
	if len(cmd) == 0 {
		cmd = splitCommand(cfg.ExecuteCmd)
	}
	if len(cmd) == 0 {
		return exit(1, "%s: missing command to execute", o.Name)
	}
	uid, gid := -1, -1
	if s := c.String("uid"); s != "" {
		if uid, err = strconv.Atoi(s); err != nil || uid < 0 {
			return exit(1, "%s: invalid uid %q", o.Name, s)
		}
	}
	if s := c.String("gid"); s != "" {
		if gid, err = strconv.Atoi(s); err != nil || gid < 0 {
			return exit(1, "%s: invalid gid %q", o.Name, s)
		}
	}
	logFile, level := logSettings(o, st, cfg)
	share := shareMap(c, executeShares...)
	so := &core.StartOptions{
		Share: share,
		Name:  o.Name, Config: cfg, ConfigFile: file, Cmd: cmd, Execute: true,
		Daemon: c.Bool("daemon"), UID: uid, GID: gid, LogFile: logFile, LogLevel: level,
	}
	status, err := core.Start(st, so)
	if errors.Is(err, core.ErrRunning) {
		return exit(1, "%s: Container \"%s\" appears to be already running", o.Name, o.Name)
	}
	if err != nil {
		return exit(1, "%s: %v", o.Name, err)
	}
	if status != 0 {
		return exit(status, "")
	}
	return nil
}

// splitCommand splits lxc.init.cmd / lxc.execute.cmd into words the way
// LXC does (whitespace separated).
func splitCommand(s string) []string {
	return strings.Fields(s)
}
