package applets

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-copy: copy, snapshot-copy, rename or start an ephemeral copy of a
// container (src/lxc/tools/lxc_copy.c).
func init() {
	register(&Applet{Name: "copy", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage: "lxc-copy creates and optionally starts copies of existing containers",
			UsageText: "lxc-copy -n NAME [-P lxcpath] -N NEWNAME [-p newpath] [-B backingstorage] [-s] [-K] [-M] [-L size [unit]] -- hook options\n" +
				"lxc-copy -n NAME [-P lxcpath] [-N newname] [-p newpath] [-B backingstorage] -e [-d] [-D] [-K] [-M] [-m {bind,overlay}=/src:/dest] -- hook options\n" +
				"lxc-copy -n NAME [-P lxcpath] -N NEWNAME -R",
			Description: "A copy of a running container is refused unless -a. A copy that fails leaves nothing behind.\n" +
				"Besides the rootfs path, hostname and MAC addresses that LXC rewrites, log and hook paths\n" +
				"pointing into the original's directory are moved into the copy's directory.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "newname", Aliases: []string{"N"}, Usage: "NEWNAME for the restored container"},
				&cli.StringFlag{Name: "newpath", Aliases: []string{"p"}, Usage: "NEWPATH for the container to be stored"},
				&cli.BoolFlag{Name: "rename", Aliases: []string{"R"}, Usage: "rename container"},
				&cli.BoolFlag{Name: "snapshot", Aliases: []string{"s"}, Usage: "create snapshot instead of clone"},
				&cli.BoolFlag{Name: "allowrunning", Aliases: []string{"a"}, Usage: "allow snapshot creation even if source container is running"},
				&cli.BoolFlag{Name: "foreground", Aliases: []string{"F"}, Usage: "start with current tty attached to /dev/console"},
				&cli.BoolFlag{Name: "daemon", Aliases: []string{"d"}, Usage: "daemonize the container (default)"},
				&cli.BoolFlag{Name: "ephemeral", Aliases: []string{"e"}, Usage: "start ephemeral container"},
				&cli.StringSliceFlag{Name: "mount", Aliases: []string{"m"}, Usage: "create custom mounts: {bind,overlay}=/src:/dest"},
				&cli.StringFlag{Name: "backingstorage", Aliases: []string{"B"}, Usage: "backingstorage type for the container (dir or overlay)"},
				&cli.BoolFlag{Name: "tmpfs", Aliases: []string{"t"}, Usage: "place ephemeral container on a tmpfs"},
				&cli.StringFlag{Name: "fssize", Aliases: []string{"L"}, Usage: "size of the new block device for block device containers (ignored: dir and overlay only)"},
				&cli.BoolFlag{Name: "keepdata", Aliases: []string{"D"}, Usage: "keep data for ephemeral container (do not destroy it when it stops)"},
				&cli.BoolFlag{Name: "keepname", Aliases: []string{"K"}, Usage: "keep the hostname of the original container"},
				&cli.BoolFlag{Name: "keepmac", Aliases: []string{"M"}, Usage: "keep the MAC address of the original container"},
			},
			Action: copyAction,
		}
	}})
}

func copyAction(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	n, newName := o.Name, c.String("newname")
	eph := c.Bool("ephemeral")
	if newName == "" && !eph {
		return exit(1, "Error: You must provide a NEWNAME for the clone.")
	}
	if c.Bool("rename") {
		if eph {
			return exit(1, "Error: -R cannot be combined with -e")
		}
		return copyErr(n, core.Rename(st, n, c.String("newpath"), newName))
	}
	if !eph && (c.Bool("tmpfs") || len(c.StringSlice("mount")) > 0 || c.Bool("foreground") || c.Bool("daemon")) {
		return exit(1, "Error: -t, -m, -F and -d can only be used with -e")
	}
	dstPath := c.String("newpath")
	var dst *core.Store = st
	if dstPath != "" {
		if dst, err = core.OpenStore(dstPath); err != nil {
			return exit(1, "%v", err)
		}
	}
	if eph && newName == "" {
		newName = core.RandomCloneName(dst, n)
	}
	co := core.CloneOptions{
		NewName: newName, NewPath: dstPath,
		Snapshot: c.Bool("snapshot") || eph, Backing: c.String("backingstorage"),
		AllowRunning: c.Bool("allowrunning"), KeepName: c.Bool("keepname"),
		KeepMAC: c.Bool("keepmac"), HookArgs: c.Args().Slice(),
	}
	if eph && co.Backing == "" {
		co.Backing = "overlay"
	}
	if eph {
		// An ephemeral copy is an overlay of a possibly running
		// container, as in LXC.
		co.AllowRunning = true
	}
	if _, err := core.Clone(st, n, co); err != nil {
		return copyErr(n, err)
	}
	if !eph {
		return nil
	}
	if err := core.PrepareEphemeral(dst, newName, core.EphemeralOptions{
		KeepData: c.Bool("keepdata"), Tmpfs: c.Bool("tmpfs"), Mounts: splitMounts(c.StringSlice("mount")),
	}); err != nil {
		_ = core.UnlinkClone(dst, newName)
		_ = core.RemoveTree(dst.Dir(newName))
		return exit(1, "%s: %v", n, err)
	}
	fmt.Fprintf(ctxOut, "Created %s as clone of %s\n", newName, n)
	fg := c.Bool("foreground")
	status, err := core.StartDaemonDefault(dst, newName, fg)
	if err != nil {
		// As LXC: an ephemeral copy that cannot start is removed.
		_ = core.UnlinkClone(dst, newName)
		_ = core.RemoveTree(dst.Dir(newName))
		return exit(1, "%s: %v", newName, err)
	}
	if fg && status != 0 {
		return exit(status, "")
	}
	return nil
}

// splitMounts splits -m values on commas (several mounts in one -m).
func splitMounts(v []string) []string {
	var out []string
	for _, s := range v {
		for _, m := range strings.Split(s, ",") {
			if m != "" {
				out = append(out, m)
			}
		}
	}
	return out
}

// copyErr maps clone/rename errors. LXC is silent when the source is
// running (exit 1); so are we.
func copyErr(n string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrRunning):
		return exit(1, "")
	case errors.Is(err, core.ErrNotFound):
		return exit(1, "Error: container %s is not defined", n)
	default:
		return exit(1, "%s: %v", n, err)
	}
}
