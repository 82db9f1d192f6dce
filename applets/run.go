package applets

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

// runConfig loads the config of a start/execute and sets up logging as
// LXC does: -o/-l, else lxc.log.file/lxc.log.level, else the default log
// file at ERROR.
func runConfig(c *cli.Context, o *Common, st *core.Store, defines []string, prog string) (*core.Config, string, error) {
	cfg, file, err := core.LoadRunConfig(st, o.Name, o.RCFile, defines)
	if err != nil {
		return nil, "", err
	}
	return cfg, file, nil
}

// logSettings picks the log file and level of a run.
func logSettings(o *Common, st *core.Store, cfg *core.Config) (string, int) {
	file := o.LogFile
	if file == "" {
		file = cfg.LogFile
	}
	if file == "" {
		file = core.DefaultLogFile(st, o.Name)
	}
	level := int(core.LogError)
	if cfg.LogLevel >= 0 {
		level = cfg.LogLevel
	}
	if o.LogLevel != "" {
		if l, err := core.ParseLogLevel(o.LogLevel); err == nil {
			level = int(l)
		}
	}
	return file, level
}

// isNoConfig reports a run without any configuration.
func isNoConfig(err error) bool { return errors.Is(err, core.ErrNoConfig) }

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// shareFlags are the --share-NS options of lxc-start and lxc-execute.
func shareFlags(nss ...string) []cli.Flag {
	var fs []cli.Flag
	for _, ns := range nss {
		fs = append(fs, &cli.StringFlag{Name: "share-" + ns,
			Usage: fmt.Sprintf("Share the %s namespace of another container or pid", strings.ToUpper(ns))})
	}
	return fs
}

// shareMap collects the --share-NS options given.
func shareMap(c *cli.Context, nss ...string) map[string]string {
	share := map[string]string{}
	for _, ns := range nss {
		if v := c.String("share-" + ns); v != "" {
			share[ns] = v
		}
	}
	return share
}
