package applets

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-checkpoint: checkpoint a container with criu (src/lxc/tools/lxc_checkpoint.c).
func init() {
	register(&Applet{Name: "checkpoint", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "lxc-checkpoint checkpoints and restores containers",
			UsageText: "lxc-checkpoint -n NAME -D DIR [-s] [-v] [-p] [-A SCRIPT] [--predump-dir DIR]\nlxc-checkpoint -n NAME -D DIR -r [-d|-F] [-v]",
			Description: "Needs the criu binary; \"criu check\" must pass, and its output is shown when it does not.\n" +
				"A restore (-r) starts a monitor that runs \"criu restore\" and then supervises the restored container\n" +
				"as lxc-start does: daemonized by default (-d), or in the foreground (-F), returning when it stops.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "checkpoint-dir", Aliases: []string{"D"}, Usage: "directory to save the checkpoint in"},
				&cli.BoolFlag{Name: "stop", Aliases: []string{"s"}, Usage: "stop the container after checkpointing"},
				&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "verbose criu logging"},
				&cli.BoolFlag{Name: "restore", Aliases: []string{"r"}, Usage: "restore container"},
				&cli.BoolFlag{Name: "pre-dump", Aliases: []string{"p"}, Usage: "only pre-dump the memory of the container"},
				&cli.StringFlag{Name: "predump-dir", Usage: "path to images from a previous pre-dump"},
				&cli.StringFlag{Name: "action-script", Aliases: []string{"A"}, Usage: "path to criu action script"},
				&cli.BoolFlag{Name: "daemon", Aliases: []string{"d"}, Usage: "ensure the container's daemonized (only with -r)"},
				&cli.BoolFlag{Name: "foreground", Aliases: []string{"F"}, Usage: "ensure the container is in the foreground (only with -r)"},
			},
			Action: checkpointAction,
		}
	}})
}

func checkpointAction(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	co := core.CheckpointOptions{
		Dir: c.String("checkpoint-dir"), Stop: c.Bool("stop"), Verbose: c.Bool("verbose"),
		PreDump: c.Bool("pre-dump"), Restore: c.Bool("restore"), Foreground: c.Bool("foreground"),
		ActionScript: c.String("action-script"), PredumpDir: c.String("predump-dir"),
	}
	switch {
	case co.Dir == "":
		return exit(1, "Error: Must specify checkpoint directory")
	case co.Restore && co.Stop:
		return exit(1, "-s not compatible with -r")
	case !co.Restore && (c.Bool("daemon") || co.Foreground):
		return exit(1, "-d/-F only valid when restoring")
	}
	if !st.Exists(o.Name) {
		return exit(1, "%s is not defined", o.Name)
	}
	err = core.Checkpoint(st, o.Name, co)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrNotRunning):
		return exit(1, "%s not running, not checkpointing.", o.Name)
	default:
		return exit(1, "%s: %v", o.Name, err)
	}
}
