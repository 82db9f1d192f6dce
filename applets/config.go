package applets

import (
	"fmt"
	"io"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-config reads the system configuration (lxc.system.conf(5)). Like
// LXC's tool it looks only at its first argument: "-l" lists the items,
// an item name prints its value (or "ITEM is not set."), anything else is
// "Unknown configuration item: X" on stdout with status 1; no argument
// prints the usage on stdout with status 0.

const configUsage = "Usage: lxc-config -l: list all available configuration items\n" +
	"       lxc-config item: print configuration item\n"

func init() {
	register(&Applet{Name: "config", NoCommon: true,
		Raw: func(args []string, stdout, _ io.Writer) int { return configMain(args, stdout) },
		Command: func() *cli.Command {
			return &cli.Command{
				Usage:     "query the LXC system configuration",
				UsageText: "lxc-config -l | lxc-config ITEM",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "l", Usage: "list all available configuration items"},
				},
				Action: func(c *cli.Context) error {
					args := c.Args().Slice()
					if c.Bool("l") {
						args = []string{"-l"}
					}
					if rc := configMain(args, ctxOut); rc != 0 {
						return exit(rc, "")
					}
					return nil
				},
			}
		}})
}

// configMain is lxc-config on its arguments (without the program name).
func configMain(args []string, out io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(out, configUsage)
		return 0
	}
	if args[0] == "-l" {
		for _, k := range core.SysConfigItems {
			fmt.Fprintln(out, k)
		}
		return 0
	}
	item := args[0]
	if !slices.Contains(core.SysConfigItems, item) {
		fmt.Fprintf(out, "Unknown configuration item: %s\n", item)
		return 1
	}
	if v, ok := core.SystemConfig().Item(item); ok {
		fmt.Fprintln(out, v)
	} else {
		fmt.Fprintf(out, "%s is not set.\n", item)
	}
	return 0
}
