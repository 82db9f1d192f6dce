package applets

import (
	"errors"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "attach", RCFileShort: true, Optional: map[string]string{"e": "ALL"}, Command: attachCommand})
}

func attachCommand() *cli.Command {
	return &cli.Command{
		Usage:     "start a process inside a running container",
		UsageText: "lxc-attach --name=NAME [-- COMMAND]",
		Description: "Runs COMMAND (default: the user's login shell from the container's /etc/passwd) in the\n" +
			"namespaces, cgroups, capability bounding set and no_new_privs of the running container\n" +
			"NAME. Exit status: the command's; 127 when it cannot be executed; 128+N when killed by\n" +
			"signal N. When a standard fd is a terminal, the command gets a new pty instead.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "elevated-privileges", Aliases: []string{"e"}, Usage: "Use elevated privileges instead of those of the container: -e[CAP|CGROUP|LSM] (all when none given)"},
			&cli.StringFlag{Name: "arch", Aliases: []string{"a"}, Usage: "Use ARCH for program instead of container's own architecture"},
			&cli.StringFlag{Name: "namespaces", Aliases: []string{"s"}, Usage: "Don't attach to all the namespaces, only to the ones specified (MOUNT|PID|UTSNAME|IPC|USER|NETWORK|CGROUP); implies -e"},
			&cli.BoolFlag{Name: "remount-sys-proc", Aliases: []string{"R"}, Usage: "Remount /sys and /proc in a new mount namespace"},
			&cli.BoolFlag{Name: "clear-env", Usage: "Clear all environment variables before attaching"},
			&cli.BoolFlag{Name: "keep-env", Usage: "Keep all current environment variables (default)"},
			&cli.StringFlag{Name: "pty-log", Aliases: []string{"L"}, Usage: "Log pty output to FILE"},
			&cli.StringSliceFlag{Name: "set-var", Aliases: []string{"v"}, Usage: "Set an additional variable VAR=VALUE"},
			&cli.StringSliceFlag{Name: "keep-var", Usage: "Keep an additional environment variable (with --clear-env)"},
			&cli.IntFlag{Name: "uid", Aliases: []string{"u"}, Value: -1, Usage: "Execute COMMAND with UID inside the container"},
			&cli.IntFlag{Name: "gid", Aliases: []string{"g"}, Value: -1, Usage: "Execute COMMAND with GID inside the container"},
			&cli.StringFlag{Name: "context", Aliases: []string{"c"}, Usage: "SELinux context (ignored: no SELinux on this host)"},
			&cli.StringFlag{Name: "cwd", Usage: "Run COMMAND in DIR inside the container"},
		},
		Action: runAttach,
	}
}

func runAttach(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	ao := &core.AttachOptions{
		Cmd: c.Args().Slice(), ClearEnv: c.Bool("clear-env") && !c.Bool("keep-env"),
		SetVars: c.StringSlice("set-var"), KeepVars: c.StringSlice("keep-var"),
		Remount: c.Bool("remount-sys-proc"), UID: c.Int("uid"), GID: c.Int("gid"),
		PtyLog: c.String("pty-log"), Arch: c.String("arch"), Cwd: c.String("cwd"),
	}
	if c.IsSet("elevated-privileges") {
		for _, p := range strings.Split(c.String("elevated-privileges"), "|") {
			switch strings.ToUpper(strings.TrimSpace(p)) {
			case "ALL", "":
				ao.ElevatedCaps, ao.ElevatedCgroup, ao.NoSeccomp = true, true, true
			case "CAP":
				ao.ElevatedCaps = true
			case "CGROUP":
				ao.ElevatedCgroup = true
			case "LSM":
				// No LSM is applied by this build; seccomp goes with it
				// (LXC_ATTACH_LSM).
				ao.NoSeccomp = true
			default:
				return exit(1, "%s: invalid elevated privilege %q (CAP, CGROUP or LSM)", o.Name, p)
			}
		}
	}
	if s := c.String("namespaces"); s != "" {
		ns, err := core.ParseNamespaces(s)
		if err != nil {
			return exit(1, "%s: %v", o.Name, err)
		}
		// -s implies -e, as in LXC.
		ao.Namespaces, ao.ElevatedCaps, ao.ElevatedCgroup, ao.NoSeccomp = ns, true, true, true
	}
	if o.RCFile != "" {
		cfg, _, err := core.LoadRunConfig(st, o.Name, o.RCFile, nil)
		if err != nil {
			return exit(1, "%s: %v", o.Name, err)
		}
		ao.Config = cfg
	}
	status, err := core.Attach(st, o.Name, ao)
	var ee *core.ExecError
	switch {
	case errors.Is(err, core.ErrNotRunning):
		return exit(1, "%s: Connection refused - Failed to get init pid", o.Name)
	case errors.As(err, &ee):
		return exit(127, "%s: %v", o.Name, err)
	case err != nil:
		return exit(1, "%s: %v", o.Name, err)
	}
	if status != 0 {
		return exit(status, "")
	}
	return nil
}
