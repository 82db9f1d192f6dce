package netcfg

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
)

// scriptArgs returns the arguments LXC passes after "NAME net up|down" for
// a device (src/lxc/network.c): the type, the parent link, and for veth the
// host end.
func scriptArgs(d *Netdev, hostIf string) []string {
	args := []string{d.typ()}
	switch d.typ() {
	case TypeEmpty, TypeNone:
		return args
	}
	args = append(args, d.Link)
	if d.typ() == TypeVeth {
		args = append(args, hostIf)
	}
	return args
}

// runScript runs a lxc.net.N.script.up/down command as LXC's
// run_script_argv does: through "/bin/sh -c 'exec SCRIPT ARGS'", with
// "NAME net HOOK" prepended to the arguments when lxc.hook.version is 0,
// and with LXC_HOOK_TYPE, LXC_HOOK_SECTION, LXC_NET_TYPE, LXC_NET_PARENT and
// LXC_NET_PEER in the environment when it is 1. LXC builds the command line
// by plain concatenation, so the script value may carry its own arguments.
func runScript(opt *Options, script, hook string, args []string) error {
	cmdline := "exec " + script
	if opt.HookVersion == 0 {
		cmdline += " " + opt.Name + " net " + hook
	}
	for _, a := range args {
		cmdline += " " + a
	}
	env := append(os.Environ(), opt.Env...)
	if opt.HookVersion == 1 {
		env = append(env, "LXC_HOOK_TYPE="+hook, "LXC_HOOK_SECTION=net", "LXC_NET_TYPE="+args[0])
		parent := ""
		if len(args) > 1 {
			parent = args[1]
		}
		switch args[0] {
		case TypeMacvlan, TypePhys:
			env = append(env, "LXC_NET_PARENT="+parent)
		case TypeVeth:
			peer := ""
			if len(args) > 2 {
				peer = args[2]
			}
			env = append(env, "LXC_NET_PEER="+peer, "LXC_NET_PARENT="+parent)
		}
	}
	cmd := exec.Command("/bin/sh", "-c", cmdline)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	if opt.Logf != nil && out.Len() > 0 {
		opt.Logf("Script %s produced output: %s", cmdline, out.String())
	}
	if err != nil {
		return fmt.Errorf("script.%s %q: %w", hook, script, err)
	}
	return nil
}
