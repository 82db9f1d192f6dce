package applets

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-snapshot: create, list, restore and destroy snapshots
// (src/lxc/tools/lxc_snapshot.c).
func init() {
	register(&Applet{Name: "snapshot", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "lxc-snapshot snapshots a container",
			UsageText: "lxc-snapshot --name=NAME [-P lxcpath] [-L [-C]] [-c commentfile] [-r snapname [-N newname]] [-d snapname|ALL]",
			Description: "Without -L, -r or -d a snapshot snapN is created in <lxcpath>/NAME/snaps.\n" +
				"-r restores a snapshot in place of NAME (which must be stopped) or, with -N, as a new container.",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "list", Aliases: []string{"L"}, Usage: "list all snapshots"},
				&cli.BoolFlag{Name: "showcomments", Aliases: []string{"C"}, Usage: "show snapshot comments"},
				&cli.StringFlag{Name: "comment", Aliases: []string{"c"}, Usage: "add FILE as a comment"},
				&cli.StringFlag{Name: "destroy", Aliases: []string{"d"}, Usage: "destroy snapshot NAME, e.g. 'snap0' (ALL: every snapshot)"},
				&cli.StringFlag{Name: "restore", Aliases: []string{"r"}, Usage: "restore snapshot NAME, e.g. 'snap0'"},
				&cli.StringFlag{Name: "newname", Aliases: []string{"N"}, Usage: "NEWNAME for the restored container"},
			},
			Action: snapshotAction,
		}
	}})
}

func snapshotAction(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	n := o.Name
	if !st.Exists(n) {
		return exit(1, "%s: Container is not defined", n)
	}
	switch {
	case c.Bool("list"):
		list, err := core.SnapshotList(st, n)
		if err != nil {
			return exit(1, "%s: %v", n, err)
		}
		if len(list) == 0 {
			fmt.Fprintln(ctxOut, "No snapshots")
			return nil
		}
		for _, s := range list {
			fmt.Fprintf(ctxOut, "%s (%s) %s\n", s.Name, s.LXCPath, s.Timestamp)
			if c.Bool("showcomments") && s.CommentPath != "" {
				if b, err := os.ReadFile(s.CommentPath); err == nil {
					ctxOut.Write(b)
				}
			}
		}
		return nil
	case c.String("destroy") != "":
		return snapErr(n, core.SnapshotDestroy(st, n, c.String("destroy")))
	case c.String("restore") != "":
		return snapErr(n, core.SnapshotRestore(st, n, c.String("restore"), c.String("newname")))
	}
	_, err = core.SnapshotCreate(st, n, c.String("comment"))
	return snapErr(n, err)
}

func snapErr(n string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrRunning):
		return exit(1, "%s: %s is running", n, n)
	default:
		return exit(1, "%s: %v", n, err)
	}
}
