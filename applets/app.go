package applets

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// Version is what every tool prints for --version. lxc-checkconfig and
// scripts parse it as LXC's version number, so it is LXC's release we match.
var Version = "5.0.2"

// Applet is one tool of the multicall binary.
type Applet struct {
	// Name is the tool name without the "lxc-" prefix ("start").
	Name string
	// Command builds the CLI definition. It is called once per run.
	Command func() *cli.Command
	// Permute moves options found after positional arguments to the front,
	// as GNU getopt does. Tools that take a command line (execute, start,
	// attach, unshare) must not permute: everything after the first
	// positional argument belongs to the command.
	Permute bool
	// RCFileShort gives --rcfile the short form -f (lxc-start,
	// lxc-execute).
	RCFileShort bool
	// Optional lists options whose argument is optional (by any of their
	// names) with the value they take when it is absent.
	Optional map[string]string
	// Raw, when set, runs the tool on its raw arguments without the CLI
	// parser, for tools whose getopt behaviour is their own (lxc-config).
	Raw func(args []string, stdout, stderr io.Writer) int
	// NoCommon leaves out the common options (lxc-usernsexec, lxc-init
	// parse their own).
	NoCommon bool
}

var registry = map[string]*Applet{}

// register adds an applet; a duplicate name is a programming error.
func register(a *Applet) {
	if _, dup := registry[a.Name]; dup {
		panic("applets: duplicate applet " + a.Name)
	}
	registry[a.Name] = a
}

// Names returns the sorted tool names ("attach", "autostart", ...).
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the applet for a tool name with or without the "lxc-" prefix.
func Lookup(name string) *Applet {
	return registry[strings.TrimPrefix(name, "lxc-")]
}

// Main dispatches on argv[0] or on the first argument and returns the exit
// code.
func Main(args []string) int {
	return run(args, os.Stdout, os.Stderr)
}

func run(args []string, stdout, stderr io.Writer) int {
	base := filepath.Base(args[0])
	if a := appletFor(base); a != nil {
		return a.run(args[1:], stdout, stderr)
	}
	if len(args) > 1 {
		if a := appletFor(args[1]); a != nil && !strings.HasPrefix(args[1], "-") {
			return a.run(args[2:], stdout, stderr)
		}
		if args[1] == "--version" {
			fmt.Fprintln(stdout, Version)
			return 0
		}
	}
	usage(stderr)
	return 1
}

func appletFor(name string) *Applet {
	if name == "lxc" || name == "" {
		return nil
	}
	if strings.HasPrefix(name, "lxc-") {
		return Lookup(name)
	}
	return registry[name]
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "This is a multi-call binary; call it as lxc-COMMAND or as \"lxc COMMAND\".\nKnown commands:\n")
	for _, n := range Names() {
		fmt.Fprintf(w, "  %s\n", n)
	}
}

// run parses argv for this applet and runs it.
func (a *Applet) run(argv []string, stdout, stderr io.Writer) int {
	prog := "lxc-" + a.Name
	if a.Raw != nil {
		return a.Raw(argv, stdout, stderr)
	}
	cmd := a.Command()
	if !a.NoCommon {
		cmd.Flags = append(commonFlags(a.RCFileShort), cmd.Flags...)
	}
	// --version anywhere before "--" prints the version, as in LXC.
	for _, s := range argv {
		if s == "--" {
			break
		}
		if s == "--version" && !a.NoCommon {
			fmt.Fprintln(stdout, Version)
			return 0
		}
		if s == "--usage" && !a.NoCommon {
			argv = []string{"--help"}
			break
		}
	}
	norm, err := normalize(argv, cmd.Flags, a.Permute, a.Optional)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	cli.HelpFlag = &cli.BoolFlag{Name: "help", Aliases: []string{"h", "?"}, Usage: "give this help list"}
	app := &cli.App{
		Name:            prog,
		Usage:           cmd.Usage,
		UsageText:       cmd.UsageText,
		Description:     cmd.Description,
		Flags:           cmd.Flags,
		Action:          cmd.Action,
		Before:          cmd.Before,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// -s "lxc.mount.entry=... bind,create=dir 0 0" is one value.
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return &usageError{err}
		},
	}
	// Help and usage go to stderr with status 0, as LXC's tools do.
	app.Writer = stderr
	ctxOut = stdout
	ctxErr = stderr
	err = app.Run(append([]string{prog}, norm...))
	return exitCode(prog, err, stderr)
}

// ctxOut and ctxErr are where applet actions print. Applets run one at a
// time in a process, so a package variable is enough.
var ctxOut, ctxErr io.Writer = os.Stdout, os.Stderr

type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

// ExitError carries an exit status chosen by an applet. Msg, when set, is
// printed as "prog: msg".
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// exit returns an error that makes the tool exit with code after printing
// "prog: msg" (nothing when msg is empty).
func exit(code int, format string, a ...any) error {
	return &ExitError{Code: code, Msg: fmt.Sprintf(format, a...)}
}

func exitCode(prog string, err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Msg != "" && !quiet {
			fmt.Fprintf(stderr, "%s: %s\n", prog, ee.Msg)
		}
		return ee.Code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %v\n", prog, ue.err)
		return 1
	}
	if strings.HasPrefix(err.Error(), "flag provided but not defined") ||
		strings.Contains(err.Error(), "flag needs an argument") {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	if !quiet {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
	}
	return 1
}

// quiet is set by -q: errors are not printed.
var quiet bool

// commonFlags are the options every LXC tool accepts
// (src/lxc/tools/arguments.h).
func commonFlags(rcShort bool) []cli.Flag {
	rc := &cli.StringFlag{Name: "rcfile", Usage: "Load configuration file FILE"}
	if rcShort {
		rc.Aliases = []string{"f"}
	}
	return []cli.Flag{
		&cli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "NAME of the container"},
		&cli.StringFlag{Name: "lxcpath", Aliases: []string{"P"}, Usage: "Use specified container path"},
		&cli.StringFlag{Name: "logfile", Aliases: []string{"o"}, Usage: "Output log to FILE instead of stderr"},
		&cli.StringFlag{Name: "logpriority", Aliases: []string{"l"}, Usage: "Set log priority to LEVEL"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Don't produce any output", Action: func(*cli.Context, bool) error { quiet = true; return nil }},
		rc,
		&cli.BoolFlag{Name: "version", Usage: "print the version number"},
	}
}

// Common holds the parsed common options of a run.
type Common struct {
	Name     string
	LXCPath  string
	LogFile  string
	LogLevel string
	Quiet    bool
	RCFile   string
}

// common reads the common options and opens the store. When needName is
// set, a missing or invalid -n is an error, reported before any file is
// touched.
func common(c *cli.Context, needName bool) (*Common, *core.Store, error) {
	o := &Common{
		Name:     c.String("name"),
		LXCPath:  c.String("lxcpath"),
		LogFile:  c.String("logfile"),
		LogLevel: c.String("logpriority"),
		Quiet:    c.Bool("quiet"),
		RCFile:   c.String("rcfile"),
	}
	quiet = o.Quiet
	if needName {
		if o.Name == "" {
			return nil, nil, exit(1, "No container name specified")
		}
		if err := core.ValidateName(o.Name); err != nil {
			return nil, nil, exit(1, "%v", err)
		}
	}
	if o.LogLevel != "" {
		if _, err := core.ParseLogLevel(o.LogLevel); err != nil {
			return nil, nil, exit(1, "%v", err)
		}
	}
	st, err := core.OpenStore(o.LXCPath)
	if err != nil {
		return nil, nil, exit(1, "%v", err)
	}
	return o, st, nil
}
