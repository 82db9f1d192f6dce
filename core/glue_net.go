package core

// Network integration of the monitor. Filled in when netcfg lands.

func (m *monitor) setupNetwork() error { return nil }

func (m *monitor) teardownNetwork() {}

func staleNetwork(r *stateRecord) {}
