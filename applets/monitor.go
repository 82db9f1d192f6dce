package applets

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

func init() {
	register(&Applet{Name: "monitor", NoCommon: true, Permute: true, Command: monitorCommand})
}

func monitorCommand() *cli.Command {
	return &cli.Command{
		Usage:     "monitor the container state",
		UsageText: "lxc-monitor [-n REGEX] [-P PATH]... [--format=text|json]",
		Description: "Prints every state change and init exit of the containers whose name matches the\n" +
			"anchored regular expression REGEX (default \".*\"), in the lxcpaths given with -P.\n" +
			"--format=json prints one JSON object a line (time, lxcpath, name, state or exit).\n" +
			"-Q is accepted for compatibility; no daemon is involved.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Aliases: []string{"n"}, Value: ".*", Usage: "regular expression of container names"},
			&cli.StringSliceFlag{Name: "lxcpath", Aliases: []string{"P"}, Usage: "container path (repeatable)"},
			&cli.BoolFlag{Name: "quit", Aliases: []string{"Q"}, Usage: "ask lxc-monitord to quit (nothing to do)"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text or json"},
			&cli.StringFlag{Name: "logfile", Aliases: []string{"o"}, Usage: "Output log to FILE"},
			&cli.StringFlag{Name: "logpriority", Aliases: []string{"l"}, Usage: "Set log priority"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Don't produce any output"},
			&cli.StringFlag{Name: "rcfile", Usage: "ignored"},
		},
		Action: runMonitorApplet,
	}
}

func runMonitorApplet(c *cli.Context) error {
	if c.Bool("quit") {
		return nil
	}
	re, err := regexp.Compile("^(?:" + c.String("name") + ")$")
	if err != nil {
		return exit(1, "failed to compile the regex '%s': %v", c.String("name"), err)
	}
	format := c.String("format")
	if format != "text" && format != "json" {
		return exit(1, "unknown format %q (text or json)", format)
	}
	paths := c.StringSlice("lxcpath")
	if len(paths) == 0 {
		paths = []string{""}
	}
	events := make(chan *core.Event, 64)
	errs := make(chan error, len(paths))
	for _, p := range paths {
		st, err := core.OpenStore(p)
		if err != nil {
			return exit(1, "%v", err)
		}
		w, err := core.WatchEvents(st.Path)
		if err != nil {
			return exit(1, "%v", err)
		}
		go func() {
			defer w.Close()
			for {
				ev, err := w.Next(-1)
				if err != nil {
					errs <- err
					return
				}
				events <- ev
			}
		}()
	}
	enc := json.NewEncoder(ctxOut)
	for {
		select {
		case err := <-errs:
			return exit(1, "%v", err)
		case ev := <-events:
			if !re.MatchString(ev.Name) {
				continue
			}
			if format == "json" {
				out := map[string]any{
					"time":    time.Unix(0, ev.Time).UTC().Format(time.RFC3339Nano),
					"lxcpath": ev.LXCPath, "name": ev.Name,
				}
				if ev.Exit != nil {
					out["exit"] = *ev.Exit
					if ev.Signal != 0 {
						out["signal"] = ev.Signal
					}
				} else {
					out["state"] = ev.State
				}
				_ = enc.Encode(out)
				continue
			}
			if ev.Exit != nil {
				fmt.Fprintf(ctxOut, "'%s' exited with status [%d]\n", ev.Name, *ev.Exit)
			} else {
				fmt.Fprintf(ctxOut, "'%s' changed state to [%s]\n", ev.Name, ev.State)
			}
		}
	}
}
