package applets

import (
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestNormalize(t *testing.T) {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "name", Aliases: []string{"n"}},
		&cli.StringFlag{Name: "lxcpath", Aliases: []string{"P"}},
		&cli.BoolFlag{Name: "state", Aliases: []string{"s"}},
		&cli.BoolFlag{Name: "no-humanize", Aliases: []string{"H"}},
		&cli.StringFlag{Name: "timeout", Aliases: []string{"t"}},
		&cli.StringFlag{Name: "elevated-privileges", Aliases: []string{"e"}},
	}
	optional := map[string]string{"elevated-privileges": "ALL"}
	for _, tc := range []struct {
		name    string
		argv    []string
		permute bool
		want    []string
		err     string
	}{
		{"attached short value", []string{"-nfoo"}, true, []string{"-n", "foo"}, ""},
		{"separate short value", []string{"-n", "foo"}, true, []string{"-n", "foo"}, ""},
		{"long with =", []string{"--name=foo"}, true, []string{"--name=foo"}, ""},
		{"long separate", []string{"--name", "foo"}, true, []string{"--name", "foo"}, ""},
		{"long empty value", []string{"--name="}, true, []string{"--name="}, ""},
		{"cluster", []string{"-sH"}, true, []string{"-s", "-H"}, ""},
		{"cluster then value", []string{"-sHnfoo"}, true, []string{"-s", "-H", "-n", "foo"}, ""},
		{"cluster value next", []string{"-sHn", "foo"}, true, []string{"-s", "-H", "-n", "foo"}, ""},
		{"value looks like option", []string{"-t", "-1"}, true, []string{"-t", "-1"}, ""},
		{"double dash", []string{"-n", "x", "--", "-s", "y"}, false, []string{"-n", "x", "--", "-s", "y"}, ""},
		{"double dash permuted", []string{"a", "-n", "x", "--", "-s"}, true, []string{"-n", "x", "--", "a", "-s"}, ""},
		{"permute", []string{"foo", "-n", "c"}, true, []string{"-n", "c", "--", "foo"}, ""},
		{"no permute", []string{"-n", "c", "cmd", "-s"}, false, []string{"-n", "c", "--", "cmd", "-s"}, ""},
		{"question mark", []string{"-?"}, true, []string{"-h"}, ""},
		{"lone dash is positional", []string{"-"}, true, []string{"--", "-"}, ""},
		{"unknown long", []string{"--bogus"}, true, nil, "unrecognized option '--bogus'"},
		{"unknown short", []string{"-z"}, true, nil, "invalid option -- 'z'"},
		{"missing short value", []string{"-n"}, true, nil, "option requires an argument -- 'n'"},
		{"missing long value", []string{"--name"}, true, nil, "option '--name' requires an argument"},
		{"optional short alone", []string{"-e", "-n", "c"}, true, []string{"-e", "ALL", "-n", "c"}, ""},
		{"optional short attached", []string{"-eCAP"}, true, []string{"-e", "CAP"}, ""},
		{"optional short in cluster", []string{"-seCGROUP"}, true, []string{"-s", "-e", "CGROUP"}, ""},
		{"optional long alone", []string{"--elevated-privileges", "x"}, true, []string{"--elevated-privileges=ALL", "--", "x"}, ""},
		{"optional long with =", []string{"--elevated-privileges=LSM"}, true, []string{"--elevated-privileges=LSM"}, ""},
	} {
		got, err := normalize(tc.argv, flags, tc.permute, optional)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: normalize(%q) = %q, want %q", tc.name, tc.argv, got, tc.want)
		}
	}
}
