package applets

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-destroy: remove a container (src/lxc/tools/lxc_destroy.c).
func init() {
	register(&Applet{Name: "destroy", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "lxc-destroy destroys a container with the identifier NAME",
			UsageText: "lxc-destroy --name=NAME [-f] [-P lxcpath]",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "wait for the container to shut down"},
				&cli.BoolFlag{Name: "snapshots", Aliases: []string{"s"}, Usage: "destroy including all snapshots"},
			},
			Action: destroyAction,
		}
	}})
}

func destroyAction(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	n := o.Name
	err = st.Destroy(n, core.DestroyOptions{Force: c.Bool("force"), Snapshots: c.Bool("snapshots")})
	var ce *core.ConfigError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrNotFound):
		return exit(1, "%s: Container is not defined", n)
	case errors.Is(err, core.ErrRunning):
		return exit(1, "%s: %s is running", n, n)
	case errors.Is(err, core.ErrHasSnapshots):
		return exit(1, "%s: Destroying %s failed: %s has snapshots", n, n, n)
	case errors.Is(err, core.ErrHasClones):
		return exit(1, "%s: Destroying %s failed: %s has clones", n, n, n)
	case errors.As(err, &ce):
		if !quiet {
			fmt.Fprintf(ctxErr, "lxc-destroy: %s: %v\nFailed to load config for %s\n", n, ce, n)
		}
		return exit(1, "%s: System error loading container", n)
	default:
		return exit(1, "%s: %v", n, err)
	}
}
