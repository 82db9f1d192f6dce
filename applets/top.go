package applets

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-top: monitor the running containers (src/lxc/tools/lxc_top.c).
func init() {
	register(&Applet{Name: "top", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "monitor the state of the active containers",
			UsageText: "lxc-top [-P lxcpath] [-d delay] [-b] [-s n|c|b|m|s|k] [-r]",
			Description: "Keys: q quit, r reverse, n c b m s k sort by name, CPU, block I/O, memory,\n" +
				"memory + swap, kernel memory (twice: reverse).",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "delay", Aliases: []string{"d"}, Usage: "delay in seconds between refreshes (default: 3.0)"},
				&cli.BoolFlag{Name: "batch", Aliases: []string{"b"}, Usage: "output designed to capture to a file"},
				&cli.StringFlag{Name: "sort", Aliases: []string{"s"}, Usage: "sort by [n,c,b,m,s,k] (default: n)"},
				&cli.BoolFlag{Name: "reverse", Aliases: []string{"r"}, Usage: "sort in reverse (descending) order"},
			},
			Action: runTop,
		}
	}})
}

func runTop(c *cli.Context) error {
	_, st, err := common(c, false)
	if err != nil {
		return err
	}
	o := core.TopOptions{Batch: c.Bool("batch"), Reverse: c.Bool("reverse"), Sort: 'n'}
	if c.IsSet("delay") {
		d, err := strconv.ParseFloat(c.String("delay"), 64)
		if err != nil || d <= 0 || d > 1e6 {
			return exit(1, "invalid delay %q", c.String("delay"))
		}
		o.Delay = time.Duration(d * float64(time.Second))
	}
	// LXC takes the first character and sorts by name when it is not a
	// known key.
	if s := c.String("sort"); s != "" && core.ValidTopSort(s[0]) {
		o.Sort = s[0]
	}
	err = core.RunTop(st, o, os.Stdin, ctxOut)
	if errors.Is(err, core.ErrNotTTY) {
		// LXC prints these two lines without the program name.
		fmt.Fprintln(ctxErr, "stdin is not a tty")
		fmt.Fprintln(ctxErr, "Failed to setup terminal")
		return exit(1, "")
	}
	if err != nil {
		return exit(1, "%v", err)
	}
	return nil
}
