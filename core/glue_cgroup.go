package core

// Cgroup integration of the monitor. Filled in when cgroupfs lands.

func (m *monitor) setupCgroups() error { return nil }

func (m *monitor) attachCgroups(pid int) error { return nil }

func (m *monitor) teardownCgroups() {}

func (m *monitor) thawForKill() {}

func staleCgroups(st *Store, name string, r *stateRecord) {}
