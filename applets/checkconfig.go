package applets

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// lxc-checkconfig: report the kernel features LXC needs, as LXC's shell
// script does, natively.
func init() {
	register(&Applet{Name: "checkconfig", Permute: true, Command: func() *cli.Command {
		return &cli.Command{
			Usage:     "check the kernel configuration for LXC",
			UsageText: "CONFIG=/path/to/config lxc-checkconfig",
			Action: func(c *cli.Context) error {
				rc := core.CheckConfig(ctxOut, ctxErr, core.CheckConfigOptions{
					Config:  os.Getenv("CONFIG"),
					Version: Version,
					Prog:    checkconfigProg(),
					Color:   ctxOut == os.Stdout && core.IsTerminal(1),
				})
				if rc != 0 {
					return exit(rc, "")
				}
				return nil
			},
		}
	}})
}

// checkconfigProg is what the script would see as $0: the path it was run
// by (a command found through PATH is its full path).
func checkconfigProg() string {
	a0 := os.Args[0]
	base := filepath.Base(a0)
	if !strings.HasPrefix(base, "lxc-") {
		a0 = filepath.Join(filepath.Dir(a0), "lxc-checkconfig")
		if !strings.Contains(os.Args[0], "/") {
			a0 = "lxc-checkconfig"
		}
	}
	if !strings.Contains(a0, "/") {
		if p, err := exec.LookPath(a0); err == nil {
			return p
		}
	}
	return a0
}
