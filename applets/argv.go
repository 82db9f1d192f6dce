package applets

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// flagKinds records, for each option name of a command, whether it takes a
// value.
type flagKinds struct {
	value map[string]bool // name -> takes a value
	known map[string]bool
	// optional maps every name of an option whose argument is optional
	// (getopt's "::") to the value used when it is absent.
	optional map[string]string
}

func kindsOf(flags []cli.Flag, optional map[string]string) flagKinds {
	k := flagKinds{value: map[string]bool{}, known: map[string]bool{}, optional: map[string]string{}}
	for _, f := range flags {
		_, isBool := f.(*cli.BoolFlag)
		def, opt := "", false
		for _, n := range f.Names() {
			if d, ok := optional[n]; ok {
				def, opt = d, true
			}
		}
		for _, n := range f.Names() {
			k.known[n] = true
			k.value[n] = !isBool
			if opt {
				k.optional[n] = def
			}
		}
	}
	for _, n := range []string{"h", "help", "?"} {
		k.known[n] = true
	}
	return k
}

// normalize rewrites argv the way LXC's getopt_long would read it into a
// form the Go flag parser understands:
//
//	-nfoo        -> -n foo        (value attached to a short option)
//	-sH          -> -s -H         (clustered short booleans)
//	-sHnfoo      -> -s -H -n foo
//	--name=foo, --name foo, -n foo   unchanged
//	--           ends the options; the rest is passed through after "--"
//	-e, --opt    options with an optional argument (getopt "::") take it
//	             only attached (-eCAP, --opt=VAL); alone they get a default
//
// With permute, options that follow positional arguments are moved before
// them (GNU getopt's default), so "lxc-cgroup foo -n c" works.
func normalize(argv []string, flags []cli.Flag, permute bool, optional map[string]string) ([]string, error) {
	k := kindsOf(flags, optional)
	var opts, pos []string
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "--":
			rest := argv[i+1:]
			out := append(opts, "--")
			out = append(out, pos...)
			return append(out, rest...), nil
		case strings.HasPrefix(a, "--") && len(a) > 2:
			name, _, hasVal := strings.Cut(a[2:], "=")
			if !k.known[name] {
				return nil, fmt.Errorf("unrecognized option '%s'", a)
			}
			if def, ok := k.optional[name]; ok && !hasVal {
				opts = append(opts, "--"+name+"="+def)
				continue
			}
			opts = append(opts, a)
			if k.value[name] && !hasVal {
				if i+1 >= len(argv) {
					return nil, fmt.Errorf("option '--%s' requires an argument", name)
				}
				i++
				opts = append(opts, argv[i])
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// A cluster of short options.
			for j := 1; j < len(a); j++ {
				name := string(a[j])
				if !k.known[name] {
					return nil, fmt.Errorf("invalid option -- '%s'", name)
				}
				if name == "?" {
					name = "h"
				}
				opts = append(opts, "-"+name)
				if def, ok := k.optional[name]; ok {
					if j+1 < len(a) {
						opts = append(opts, a[j+1:])
					} else {
						opts = append(opts, def)
					}
					break
				}
				if k.value[name] {
					if j+1 < len(a) {
						opts = append(opts, a[j+1:])
					} else {
						if i+1 >= len(argv) {
							return nil, fmt.Errorf("option requires an argument -- '%s'", name)
						}
						i++
						opts = append(opts, argv[i])
					}
					break
				}
			}
		default:
			if !permute {
				// Everything from the first positional argument on is
				// the command line of the tool.
				out := append(opts, "--")
				return append(out, argv[i:]...), nil
			}
			pos = append(pos, a)
		}
	}
	if len(pos) == 0 {
		return opts, nil
	}
	out := append(opts, "--")
	return append(out, pos...), nil
}
