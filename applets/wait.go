package applets

import (
	"errors"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "wait", Permute: true, Command: waitCommand})
}

func waitCommand() *cli.Command {
	return &cli.Command{
		Usage:     "wait for a specific container state",
		UsageText: "lxc-wait --name=NAME --state=STATE[|STATE...] [--timeout=SECONDS]",
		Description: "Returns 0 as soon as the container is in one of the states (at once if it already is).\n" +
			"States: STOPPED STARTING RUNNING STOPPING ABORTING FREEZING FROZEN THAWED.\n" +
			"Works for containers that do not exist or have not started yet. Unlike LXC, -t 0 checks\n" +
			"the current state once and returns 1 if it does not match (LXC waits forever); -t -1\n" +
			"(the default) waits forever.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "state", Aliases: []string{"s"}, Usage: "ORed states to wait for"},
			&cli.IntFlag{Name: "timeout", Aliases: []string{"t"}, Value: -1, Usage: "seconds to wait for state changes"},
		},
		Action: runWait,
	}
}

func runWait(c *cli.Context) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	spec := c.String("state")
	if spec == "" {
		return exit(1, "%s: missing state object", o.Name)
	}
	var states []core.State
	for _, s := range strings.Split(spec, "|") {
		v, err := core.ParseState(s)
		if err != nil {
			return exit(1, "%v\nlxc-wait: could not parse command line", err)
		}
		states = append(states, v)
	}
	t := time.Duration(c.Int("timeout")) * time.Second
	if c.Int("timeout") < 0 {
		t = -1
	}
	err = core.Wait(st, o.Name, states, t)
	if errors.Is(err, core.ErrTimeout) {
		return exit(1, "%s: timed out waiting for state %s", o.Name, spec)
	}
	if err != nil {
		return exit(1, "%s: %v", o.Name, err)
	}
	return nil
}
