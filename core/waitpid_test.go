package core

import (
	"os/exec"
	"syscall"
	"testing"
)

// waitExit returns what wait4 would: exit codes and terminating signals.
func TestWaitExit(t *testing.T) {
	for _, tc := range []struct {
		script string
		code   int
		sig    syscall.Signal
	}{
		{"exit 0", 0, 0},
		{"exit 3", 3, 0},
		{"sleep 0.05; exit 42", 42, 0},
		{"kill -9 $$", -1, syscall.SIGKILL},
		{"kill -TERM $$", -1, syscall.SIGTERM},
	} {
		cmd := exec.Command("/bin/sh", "-c", tc.script)
		if err := cmd.Start(); err != nil {
			t.Skipf("no /bin/sh: %v", err)
		}
		ws := waitExit(cmd.Process.Pid)
		switch {
		case tc.sig != 0:
			if !ws.Signaled() || ws.Signal() != tc.sig {
				t.Errorf("%q: status %#x, want killed by %v", tc.script, uint32(ws), tc.sig)
			}
		case !ws.Exited() || ws.ExitStatus() != tc.code:
			t.Errorf("%q: status %#x, want exit %d", tc.script, uint32(ws), tc.code)
		}
		// Reaped: nothing is left to wait for.
		var again syscall.WaitStatus
		if pid, err := syscall.Wait4(cmd.Process.Pid, &again, syscall.WNOHANG, nil); err == nil && pid != 0 {
			t.Errorf("%q: child was not reaped", tc.script)
		}
	}
}
