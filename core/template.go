package core

import (
	"fmt"
	"os"
	"os/exec"
)

// runTemplate runs an LXC template script the way lxc-create does
// (create_run_template in src/lxc/lxccontainer.c): LXC's arguments in
// "--opt=value" form, then the user's template arguments, with the
// caller's environment and working directory. The script appends its
// config lines to PATH/config and fills the rootfs.
func runTemplate(script, name, dir, rootfs string, o CreateOptions) error {
	args := []string{"--path=" + dir, "--name=" + name, "--rootfs=" + rootfs}
	args = append(args, o.TemplateArgs...)
	cmd := exec.Command(script, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	if cmd.Stdout == nil {
		cmd.Stdout = os.Stdout
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("failed to create container from template %q: %w", script, err)
	}
	return nil
}
