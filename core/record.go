package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// stateRecord is the runtime record of a container, NAME/state.json. It
// is written by the monitor (temp file + rename) and never trusted alone:
// the live monitor is the truth, and the record only says what a crashed
// monitor may have left behind (cgroups, network devices) and how the
// last run ended.
type stateRecord struct {
	Running      bool            `json:"running"`
	MonitorPID   int             `json:"monitor_pid,omitempty"`
	MonitorStart uint64          `json:"monitor_start,omitempty"`
	InitPID      int             `json:"init_pid,omitempty"`
	InitStart    uint64          `json:"init_start,omitempty"`
	BootID       string          `json:"boot_id,omitempty"`
	Cgroups      json.RawMessage `json:"cgroups,omitempty"`
	Net          json.RawMessage `json:"net,omitempty"`
	LastExit     *int            `json:"last_exit,omitempty"`
}

const recordFile = "state.json"

func loadRecord(dir string) *stateRecord {
	r := &stateRecord{}
	b, err := os.ReadFile(filepath.Join(dir, recordFile))
	if err == nil {
		_ = json.Unmarshal(b, r)
	}
	return r
}

func (m *monitor) saveRecord() {
	if err := writeRecordFile(filepath.Join(m.dir, recordFile), mustJSON(m.rec)); err != nil {
		logf(LogWarn, "writing state record: %v", err)
	}
}

// writeRecordFile replaces the state record atomically (temp file and
// rename: readers never see a partial record) but without fsync: the
// record is advisory, the live monitor is the truth, and after a crash of
// the host its boot id no longer matches anyway. Several records are
// written per start, so the syncs would cost milliseconds each.
func writeRecordFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// procStartTime is field 22 of /proc/PID/stat (start time in clock
// ticks since boot), which with the boot id identifies a process across
// pid reuse.
func procStartTime(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v
}

func bootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}

// cleanupStale removes what a crashed monitor left behind: cgroups,
// network devices, the socket file. Callers hold the container lock and
// know that no monitor answers.
func cleanupStale(st *Store, name string, r *stateRecord) {
	if !r.Running && len(r.Cgroups) == 0 && len(r.Net) == 0 {
		return
	}
	staleNetwork(r)
	r.Net = nil
	// Cgroups that could not be removed stay in the record, so the next
	// start, stop or destroy tries again.
	if staleCgroups(st, name, r) == nil {
		r.Cgroups = nil
	}
	r.Running = false
	r.MonitorPID, r.MonitorStart, r.InitPID, r.InitStart = 0, 0, 0, 0
	_ = writeRecordFile(filepath.Join(st.Dir(name), recordFile), mustJSON(r))
}

// CleanupStale is cleanupStale for callers outside the monitor (stop,
// destroy): it is a no-op while a monitor answers.
func CleanupStale(st *Store, name string) {
	if _, err := Dial(st, name); err == nil {
		return
	}
	dir := st.Dir(name)
	r := loadRecord(dir)
	cleanupStale(st, name, r)
	_ = os.Remove(filepath.Join(dir, commandSocket))
}

// LastExit returns the exit status of the container's last run, or -1.
func LastExit(st *Store, name string) int {
	r := loadRecord(st.Dir(name))
	if r.LastExit == nil {
		return -1
	}
	return *r.LastExit
}

// removeVolatileDir removes what a run of a never-created container
// (lxc-execute -f CONFIG -n NEW) left in the directory made for it,
// including the default log file <name>.log: a volatile container leaves
// nothing behind (LXC never creates the directory at all).
func removeVolatileDir(dir string) {
	for _, f := range []string{recordFile, commandSocket, filepath.Base(dir) + ".log"} {
		os.Remove(filepath.Join(dir, f))
	}
	os.Remove(dir) // only if empty
}
