package applets

import (
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-ls: list containers (src/lxc/tools/lxc_ls.c).
func init() {
	register(&Applet{Name: "ls", Permute: true, Optional: map[string]string{"nesting": strconv.Itoa(lsMaxNesting)}, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "lxc-ls list containers",
			UsageText: "lxc-ls [-1] [-f] [-F COLUMNS] [-P lxcpath] [--active] [--running] [--frozen] [--stopped] [--defined] [--nesting] [-g groups] [--filter regex] [regex]",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "line", Aliases: []string{"1"}, Usage: "show one entry per line"},
				&cli.BoolFlag{Name: "fancy", Aliases: []string{"f"}, Usage: "use a fancy, column-based output"},
				&cli.StringFlag{Name: "fancy-format", Aliases: []string{"F"}, Usage: "comma separated list of columns to show in the fancy output"},
				&cli.BoolFlag{Name: "active", Usage: "list only active containers"},
				&cli.BoolFlag{Name: "running", Usage: "list only running containers"},
				&cli.BoolFlag{Name: "frozen", Usage: "list only frozen containers"},
				&cli.BoolFlag{Name: "stopped", Usage: "list only stopped containers"},
				&cli.BoolFlag{Name: "defined", Usage: "list only defined containers"},
				// LXC's --nesting takes an optional =NUM; the argv
				// normalizer has no optional arguments yet, so only
				// the bare form (5 levels) is accepted.
				&cli.StringFlag{Name: "nesting", Usage: "list nested containers up to NUM (default is 5) levels of nesting"},
				&cli.StringFlag{Name: "groups", Aliases: []string{"g"}, Usage: "comma separated list of groups a container must have to be displayed"},
				&cli.StringFlag{Name: "filter", Usage: "filter container names by regular expression"},
			},
			Action: lsAction,
		}
	}})
}

// lsMaxNesting is lxc-ls's MAX_NESTLVL, the --nesting default.
const lsMaxNesting = 5

func lsAction(c *cli.Context) error {
	// A listing builds every container's configuration once and exits:
	// collecting meanwhile only costs CPU (≈9 % of lxc-ls -f with 500
	// containers). The limit still bounds a huge lxcpath.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(256 << 20)
	_, st, err := common(c, false)
	if err != nil {
		return err
	}
	o := core.LsOptions{
		Active:  c.Bool("active"),
		Running: c.Bool("running"),
		Frozen:  c.Bool("frozen"),
		Stopped: c.Bool("stopped"),
		Defined: c.Bool("defined"),
		Fancy:   c.Bool("fancy"),
		Line:    c.Bool("line"),
	}
	if c.IsSet("nesting") {
		n, err := strconv.Atoi(c.String("nesting"))
		if err != nil || n < 0 {
			return exit(1, "invalid nesting level %q", c.String("nesting"))
		}
		o.Nesting = n
	}
	if c.IsSet("filter") {
		o.Filter, o.FilterSet = c.String("filter"), true
	} else if c.NArg() == 1 {
		o.Filter, o.FilterSet = c.Args().First(), true
	}
	if c.IsSet("groups") {
		o.Groups = splitTrim(c.String("groups"))
		if o.Groups == nil {
			o.Groups = []string{}
		}
	}
	entries, err := st.LsEntries(o, ctxErr)
	if err != nil {
		return exit(1, "%v", err)
	}
	w := ctxOut
	switch {
	case o.Fancy && c.IsSet("fancy-format"):
		lsPrintColumns(w, ctxErr, entries, splitTrim(c.String("fancy-format")))
	case o.Fancy:
		lsPrintColumns(w, ctxErr, entries, lsDefaultColumns)
	default:
		width := 0
		if !o.Line {
			width = core.TerminalWidth()
		}
		lsPrintNames(w, entries, width, o.Line)
	}
	return nil
}

// splitTrim is LXC's lxc_string_split_and_trim for ',': empty fields are
// dropped, blanks around fields removed.
func splitTrim(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

var lsDefaultColumns = []string{"NAME", "STATE", "AUTOSTART", "GROUPS", "IPV4", "IPV6", "UNPRIVILEGED"}

var lsColumns = map[string]bool{
	"NAME": true, "STATE": true, "PID": true, "RAM": true, "SWAP": true, "AUTOSTART": true,
	"GROUPS": true, "INTERFACE": true, "IPV4": true, "IPV6": true, "UNPRIVILEGED": true,
}

// lsWidths are the column widths: the header's length or the longest
// value (ls_field_width).
type lsWidths struct {
	name, state, groups, iface, ipv4, ipv6, pid, ram, swap int
}

func lsFieldWidths(es []core.LsEntry) lsWidths {
	w := lsWidths{name: 4, state: 5, groups: 6, iface: 9, ipv4: 4, ipv6: 4, pid: 3, ram: 3, swap: 4}
	max := func(p *int, n int) {
		if n > *p {
			*p = n
		}
	}
	for _, e := range es {
		max(&w.name, len(e.Name)+e.NestLevel)
		max(&w.state, len(e.State))
		max(&w.iface, len(e.Interface))
		max(&w.groups, len(e.Groups))
		max(&w.ipv4, len(e.IPv4))
		max(&w.ipv6, len(e.IPv6))
		max(&w.ram, len(fmt.Sprintf("%.2f", e.RAM)))
		max(&w.swap, len(fmt.Sprintf("%.2f", e.Swap)))
		if e.InitPID != -1 {
			max(&w.pid, len(fmt.Sprint(e.InitPID)))
		}
	}
	return w
}

// lsPrintNames prints names padded to the longest, wrapped at width (0:
// one per line, still padded), or bare with -1 (ls_print_names).
func lsPrintNames(w io.Writer, es []core.LsEntry, width int, line bool) {
	if len(es) == 0 {
		return
	}
	nw := lsFieldWidths(es).name
	var b strings.Builder
	n := 0
	for _, e := range es {
		if line {
			b.WriteString(e.Name + "\n")
			continue
		}
		fmt.Fprintf(&b, "%-*s", nw, e.Name)
		n += nw
		if n+nw >= width {
			b.WriteString("\n")
			n = 0
		} else {
			b.WriteString(" ")
			n++
		}
	}
	if n > 0 {
		b.WriteString("\n")
	}
	io.WriteString(w, b.String())
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// lsPrintColumns prints the -f table with the given columns; every cell
// is "%-*s " so lines end with a space (ls_print_table,
// ls_print_fancy_format).
func lsPrintColumns(w, ew io.Writer, es []core.LsEntry, cols []string) {
	if len(es) == 0 || len(cols) == 0 {
		return
	}
	for i, col := range cols {
		u := strings.ToUpper(col)
		if !lsColumns[u] {
			fmt.Fprintf(ew, "Invalid key: %s\n", col)
			return
		}
		cols[i] = u
	}
	wd := lsFieldWidths(es)
	var b strings.Builder
	for _, col := range cols {
		switch col {
		case "NAME":
			fmt.Fprintf(&b, "%-*s ", wd.name, col)
		case "STATE":
			fmt.Fprintf(&b, "%-*s ", wd.state, col)
		case "PID":
			fmt.Fprintf(&b, "%-*s ", wd.pid, col)
		case "RAM":
			fmt.Fprintf(&b, "%-*s ", wd.ram+2, col)
		case "SWAP":
			fmt.Fprintf(&b, "%-*s ", wd.swap+2, col)
		case "AUTOSTART":
			fmt.Fprintf(&b, "%-*s ", 9, col)
		case "GROUPS":
			fmt.Fprintf(&b, "%-*s ", wd.groups, col)
		case "INTERFACE":
			fmt.Fprintf(&b, "%-*s ", wd.iface, col)
		case "IPV4":
			fmt.Fprintf(&b, "%-*s ", wd.ipv4, col)
		case "IPV6":
			fmt.Fprintf(&b, "%-*s ", wd.ipv6, col)
		case "UNPRIVILEGED":
			fmt.Fprintf(&b, "%-*s ", 12, col)
		}
	}
	b.WriteString("\n")
	for _, e := range es {
		for _, col := range cols {
			switch col {
			case "NAME":
				if e.NestLevel > 0 {
					fmt.Fprintf(&b, "%*s", e.NestLevel, "\\")
					fmt.Fprintf(&b, "%-*s ", wd.name-e.NestLevel, e.Name)
				} else {
					fmt.Fprintf(&b, "%-*s ", wd.name, e.Name)
				}
			case "STATE":
				fmt.Fprintf(&b, "%-*s ", wd.state, dash(e.State))
			case "PID":
				if e.InitPID > 0 {
					fmt.Fprintf(&b, "%-*d ", wd.pid, e.InitPID)
				} else {
					fmt.Fprintf(&b, "%-*s ", wd.pid, "-")
				}
			case "RAM":
				if e.Running {
					fmt.Fprintf(&b, "%*.2fMB ", wd.ram, e.RAM)
				} else {
					fmt.Fprintf(&b, "%-*s   ", wd.ram, "-")
				}
			case "SWAP":
				if e.Running {
					fmt.Fprintf(&b, "%*.2fMB ", wd.swap, e.Swap)
				} else {
					fmt.Fprintf(&b, "%-*s   ", wd.swap, "-")
				}
			case "AUTOSTART":
				a := 0
				if e.Autostart {
					a = 1
				}
				fmt.Fprintf(&b, "%-*d ", 9, a)
			case "GROUPS":
				fmt.Fprintf(&b, "%-*s ", wd.groups, dash(e.Groups))
			case "INTERFACE":
				fmt.Fprintf(&b, "%-*s ", wd.iface, dash(e.Interface))
			case "IPV4":
				fmt.Fprintf(&b, "%-*s ", wd.ipv4, dash(e.IPv4))
			case "IPV6":
				fmt.Fprintf(&b, "%-*s ", wd.ipv6, dash(e.IPv6))
			case "UNPRIVILEGED":
				u := "false"
				if e.Unprivileged {
					u = "true"
				}
				fmt.Fprintf(&b, "%-*s ", 12, u)
			}
		}
		b.WriteString("\n")
	}
	io.WriteString(w, b.String())
}
