package core

import (
	"fmt"
	"os"
	"os/exec"
)

// idmapInto sets up the user namespace mappings of the init (lxc.idmap).
func (m *monitor) idmapInto(cmd *exec.Cmd) error {
	if len(m.cfg.IDMap) == 0 {
		return nil
	}
	return fmt.Errorf("lxc.idmap: unprivileged containers are not supported by this build yet")
}

// dispatchExtra answers commands of later features (console, freeze,
// cgroup); ok is false for unknown commands.
func (m *monitor) dispatchExtra(r *Request) (*Response, []*os.File, bool) {
	return nil, nil, false
}

// runtimeInfo gathers what lxc-info shows about the running container.
func (m *monitor) runtimeInfo() *RuntimeInfo {
	return &RuntimeInfo{}
}
