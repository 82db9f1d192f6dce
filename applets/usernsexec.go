package applets

import (
	"fmt"
	"io"

	"github.com/lxc-go/lxc/core"
)

// lxc-usernsexec: run a command as root in a new user namespace
// (src/lxc/cmd/lxc_usernsexec.c). A separate program in LXC with plain
// getopt("m:hs"): no common options, no --help. -h prints nothing here
// and exits 0 (LXC's usage text is lost: it printf()s and _exit()s).
func init() {
	register(&Applet{Name: "usernsexec", NoCommon: true, Raw: usernsexecMain})
}

func usernsexecMain(args []string, stdout, stderr io.Writer) int {
	// The namespace holder of a non-root run (see core/usernsexec.go).
	if holder, code := core.UsernsExecChild(); holder {
		return code
	}
	const prog = "lxc-usernsexec"
	var maps []core.IDMap
	mapSelf := false
	i := 0
	// getopt: options until the first non-option or "--".
	for i < len(args) {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		i++
		for j := 1; j < len(a); j++ {
			switch a[j] {
			case 'h':
				return 0
			case 's':
				mapSelf = true
			case 'm':
				val := a[j+1:]
				if val == "" {
					if i >= len(args) {
						fmt.Fprintf(stderr, "%s: option requires an argument -- 'm'\n", prog)
						return 1
					}
					val = args[i]
					i++
				}
				m, err := core.ParseUsernsexecMap(val)
				if err != nil {
					return 1 // LXC prints its (lost) usage only
				}
				maps = append(maps, m...)
				j = len(a)
			default:
				fmt.Fprintf(stderr, "%s: invalid option -- '%c'\n", prog, a[j])
				return 1
			}
		}
	}
	if len(maps) == 0 {
		var err error
		if maps, err = core.DefaultSubidMaps(); err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return 1
		}
	}
	if mapSelf {
		maps = core.MapSelf(maps)
	}
	code, err := core.UsernsExec(maps, args[i:])
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	return code
}
