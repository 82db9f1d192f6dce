package applets

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lxc-go/lxc/core"
)

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

// loadRun parses the common options and loads the config a start or an
// execute runs with; noConfig is the tool's message when there is none.
func loadRun(c *cli.Context, noConfig string) (*Common, *core.Store, *core.Config, string, error) {
	o, st, err := common(c, true)
	if err != nil {
		return nil, nil, nil, "", err
	}
	cfg, file, err := core.LoadRunConfig(st, o.Name, o.RCFile, c.StringSlice("define"))
	if errors.Is(err, core.ErrNoConfig) {
		return nil, nil, nil, "", exit(1, "%s: %s", o.Name, noConfig)
	}
	if err != nil {
		return nil, nil, nil, "", exit(1, "%s: %v", o.Name, err)
	}
	return o, st, cfg, file, nil
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
