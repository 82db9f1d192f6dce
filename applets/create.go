package applets

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-create: make a container from a template (src/lxc/tools/lxc_create.c).
func init() {
	register(&Applet{Name: "create", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "lxc-create creates a container",
			UsageText: "lxc-create --name=NAME --template=TEMPLATE [OPTION...] [-- template-options]",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "config", Aliases: []string{"f"}, Usage: "Initial configuration file"},
				&cli.StringFlag{Name: "template", Aliases: []string{"t"}, Usage: "Template to use to setup container"},
				&cli.StringFlag{Name: "bdev", Aliases: []string{"B"}, Usage: "Backing store type to use"},
				&cli.StringFlag{Name: "dir", Usage: "Place rootfs directory under DIR"},
				&cli.StringFlag{Name: "lvname", Usage: "Use LVM lv name LVNAME"},
				&cli.StringFlag{Name: "vgname", Usage: "Use LVM vg called VG"},
				&cli.StringFlag{Name: "thinpool", Usage: "Use LVM thin pool called TP"},
				&cli.StringFlag{Name: "rbdname", Usage: "Use Ceph RBD name RBDNAME"},
				&cli.StringFlag{Name: "rbdpool", Usage: "Use Ceph RBD pool name POOL"},
				&cli.StringFlag{Name: "zfsroot", Usage: "Create zfs under given zfsroot"},
				&cli.StringFlag{Name: "fstype", Usage: "Create fstype TYPE"},
				&cli.StringFlag{Name: "fssize", Usage: "Create filesystem of size SIZE * unit U (bBkKmMgGtT)"},
			},
			Action: createAction,
		}
	}})
}

func createAction(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	n := o.Name
	if c.String("template") == "" {
		return failLines("lxc-create", n+": A template must be specified", n+": Use \"none\" if you really want a container without a rootfs")
	}
	bdev := c.String("bdev")
	if err := createCheckBdevArgs(c, bdev); err != nil {
		return exit(1, "%s: %v", n, err)
	}
	var berr core.ErrBadBackingStore
	if err := core.ValidateBackingStore(bdev); errors.As(err, &berr) {
		return exit(1, "%s: %v", n, err)
	}
	// -q silences the template too (LXC_CREATE_QUIET).
	tout, terr := ctxOut, ctxErr
	if o.Quiet {
		tout, terr = io.Discard, io.Discard
	}
	err = st.Create(n, core.CreateOptions{
		Template:     c.String("template"),
		TemplateArgs: c.Args().Slice(),
		ConfigFile:   c.String("config"),
		BDev:         bdev,
		Dir:          c.String("dir"),
		Stdin:        os.Stdin,
		Stdout:       tout,
		Stderr:       terr,
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrExists):
		return exit(1, "%s: Container already exists", n)
	default:
		return exit(1, "%s: Failed to create container %s: %v", n, n, err)
	}
}

// createCheckBdevArgs is LXC's validate_bdev_args: storage options that
// belong to another backing store are refused.
func createCheckBdevArgs(c *cli.Context, bdev string) error {
	if bdev == "best" {
		return nil
	}
	if (c.String("fstype") != "" || c.String("fssize") != "") && bdev != "lvm" && bdev != "loop" && bdev != "rbd" {
		return errors.New("filesystem type and size are only valid with block devices")
	}
	if (c.String("lvname") != "" || c.String("vgname") != "" || c.String("thinpool") != "") && bdev != "lvm" {
		return errors.New("--lvname, --vgname and --thinpool are only valid with -B lvm")
	}
	if (c.String("rbdname") != "" || c.String("rbdpool") != "") && bdev != "rbd" {
		return errors.New("--rbdname and --rbdpool are only valid with -B rbd")
	}
	if c.String("zfsroot") != "" && bdev != "zfs" {
		return errors.New("zfsroot is only valid with -B zfs")
	}
	return nil
}

// failLines prints several error lines, each as "prog: line" (LXC prints
// some errors as two log lines), and makes the tool exit 1. -q mutes them.
func failLines(prog string, lines ...string) error {
	if !quiet {
		for _, l := range lines {
			fmt.Fprintf(ctxErr, "%s: %s\n", prog, l)
		}
	}
	return exit(1, "")
}
