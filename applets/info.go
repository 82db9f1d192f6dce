package applets

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-info: show a container's state, pid, addresses, statistics and
// config items (src/lxc/tools/lxc_info.c).
func init() {
	register(&Applet{Name: "info", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "lxc-info display some information about a container with the identifier NAME",
			UsageText: "lxc-info --name=NAME [-s] [-p] [-i] [-S] [-H] [-c KEY]...",
			Flags: []cli.Flag{
				&cli.StringSliceFlag{Name: "config", Aliases: []string{"c"}, Usage: "show configuration variable KEY from running container"},
				&cli.BoolFlag{Name: "ips", Aliases: []string{"i"}, Usage: "shows the IP addresses"},
				&cli.BoolFlag{Name: "pid", Aliases: []string{"p"}, Usage: "shows the process id of the init container"},
				&cli.BoolFlag{Name: "stats", Aliases: []string{"S"}, Usage: "shows usage stats"},
				&cli.BoolFlag{Name: "no-humanize", Aliases: []string{"H"}, Usage: "shows stats as raw numbers, not humanized"},
				&cli.BoolFlag{Name: "state", Aliases: []string{"s"}, Usage: "shows the state of the container"},
			},
			Action: func(c *cli.Context) error {
				// LXC counts every -s/-p/-i once and -S five times;
				// -H drops labels only when the count is exactly 1.
				return infoAction(c, c.Count("state")+c.Count("pid")+c.Count("ips")+5*c.Count("stats"))
			},
		}
	}})
}

// infoPrinter prints lxc-info's "%-15s %s" lines.
type infoPrinter struct {
	w        io.Writer
	humanize bool
	filters  int
}

func (p *infoPrinter) msg(label, value string) {
	if !p.humanize && p.filters == 1 {
		fmt.Fprintf(p.w, "%s\n", value)
		return
	}
	fmt.Fprintf(p.w, "%-15s %s\n", label, value)
}

func (p *infoPrinter) size(label string, v uint64) {
	if p.humanize {
		fmt.Fprintf(p.w, "%-15s %s\n", label, core.SizeHumanize(v))
	} else {
		fmt.Fprintf(p.w, "%-15s %d\n", label, v)
	}
}

func infoAction(c *cli.Context, filters int) error {
	o, st, err := common(c, true)
	if err != nil {
		return err
	}
	name := o.Name
	defined := st.Exists(name)
	var cfg *core.Config
	if defined {
		if cfg, err = st.LoadConfig(name); err != nil {
			fmt.Fprintf(ctxErr, "Failed to load config for %s\nFailure to retrieve information on %s:%s\n", name, st.Path, name)
			return exit(1, "")
		}
	}
	if o.RCFile != "" {
		if cfg, err = core.LoadConfig(o.RCFile); err != nil {
			fmt.Fprintf(ctxErr, "Failed to load rcfile\n")
			return exit(1, "")
		}
		defined = true
	}
	status := st.Status(name)
	running := status.State != core.STOPPED
	if !running && !defined {
		fmt.Fprintf(ctxErr, "%s doesn't exist\n", name)
		return exit(1, "")
	}
	if cfg == nil {
		cfg = core.NewConfig()
	}
	keys := c.StringSlice("config")
	state, pid, ips, stats := c.Bool("state"), c.Bool("pid"), c.Bool("ips"), c.Bool("stats")
	p := &infoPrinter{w: ctxOut, humanize: !c.Bool("no-humanize"), filters: filters}
	var b strings.Builder
	p.w = &b
	defer func() { io.WriteString(ctxOut, b.String()) }()

	all := !state && !pid && !ips && !stats && len(keys) == 0
	if all {
		state, pid, ips, stats = true, true, true, true
		p.msg("Name:", name)
	}
	if state {
		p.msg("State:", status.State.String())
	}
	// Beyond LXC: the init's exit status of the last run of a stopped
	// container (LXC loses it). Only in the unfiltered output, and only
	// once the container has run, so -s/-p/-H output stays LXC's.
	if all && !running {
		if code := core.LastExit(st, name); code >= 0 {
			p.msg("Exit status:", fmt.Sprint(code))
		}
	}
	var ri *core.RuntimeInfo
	if running && (ips || stats) {
		ri, _ = st.RuntimeInfo(name)
	}
	if running {
		if pid && status.InitPID >= 0 {
			p.msg("PID:", fmt.Sprint(status.InitPID))
		}
		if ips && ri != nil {
			for _, a := range ri.IPv4 {
				p.msg("IP:", a)
			}
			for _, a := range ri.IPv6 {
				p.msg("IP:", a)
			}
		}
	}
	if stats && ri != nil {
		if ri.CPU.OK {
			if p.humanize {
				// LXC parses with strtof and keeps the quotient in
				// a float: reproduce its single-precision rounding.
				secs := float32(float64(float32(ri.CPU.Value)) / 1e9)
				fmt.Fprintf(&b, "%-15s %.2f seconds\n", "CPU use:", secs)
			} else {
				fmt.Fprintf(&b, "%-15s %d\n", "CPU use:", ri.CPU.Value)
			}
		}
		if ri.BlkIO.OK {
			p.size("BlkIO use:", ri.BlkIO.Value)
		}
		if ri.Mem.OK {
			p.size("Memory use:", ri.Mem.Value)
		}
		if ri.KMem.OK {
			p.size("KMem use:", ri.KMem.Value)
		}
		for _, l := range ri.Links {
			fmt.Fprintf(&b, "%-15s %s\n", "Link:", l.Name)
			p.size(" TX bytes:", l.TXBytes)
			p.size(" RX bytes:", l.RXBytes)
			p.size(" Total bytes:", l.TXBytes+l.RXBytes)
		}
	}
	for _, k := range keys {
		v, err := cfg.Get(k)
		switch {
		case err != nil:
			io.WriteString(ctxOut, b.String())
			b.Reset()
			fmt.Fprintf(ctxErr, "%s invalid\n", k)
		case !p.humanize && len(keys) == 1:
			fmt.Fprintf(&b, "%s\n", v)
		case v == "":
			fmt.Fprintf(&b, "%s =\n", k)
		default:
			fmt.Fprintf(&b, "%s = %s\n", k, v)
		}
	}
	return nil
}
