package core

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// HookTypes are the lifecycle hooks in the order they run.
var HookTypes = []string{"pre-start", "pre-mount", "mount", "autodev", "start-host", "start", "stop", "post-stop", "clone", "destroy"}

// runHooks runs every lxc.hook.<typ> command as LXC does:
// `/bin/sh -c "exec HOOK NAME lxc TYPE [extra...]"` with hook version 0,
// or without arguments (LXC_HOOK_TYPE and LXC_HOOK_SECTION in the
// environment) with version 1. A hook that fails is an error naming it.
func runHooks(cfg *Config, typ string, env []string, extra []string) error {
	hooks := cfg.Hooks[typ]
	if len(hooks) == 0 {
		return nil
	}
	name := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "LXC_NAME="); ok {
			name = v
		}
	}
	for _, h := range hooks {
		line := "exec " + h
		if cfg.HookVersion == 0 {
			line += " " + shellQuote(name) + " lxc " + typ
			for _, a := range extra {
				line += " " + shellQuote(a)
			}
		}
		cmd := exec.Command("/bin/sh", "-c", line)
		cmd.Env = append(append([]string{}, env...), "LXC_HOOK_TYPE="+typ, "LXC_HOOK_SECTION=lxc",
			fmt.Sprintf("LXC_HOOK_VERSION=%d", cfg.HookVersion))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			msg := strings.TrimSpace(out.String())
			if msg != "" {
				return fmt.Errorf("lxc.hook.%s %q failed: %v: %s", typ, h, err, msg)
			}
			return fmt.Errorf("lxc.hook.%s %q failed: %v", typ, h, err)
		}
		logf(LogDebug, "hook %s %q: %s", typ, h, strings.TrimSpace(out.String()))
	}
	return nil
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
