package core

import "fmt"

// State is a container state, numbered as LXC's src/lxc/state.c.
type State int

// The container states, in LXC's order.
const (
	STOPPED State = iota
	STARTING
	RUNNING
	STOPPING
	ABORTING
	FREEZING
	FROZEN
	THAWED
)

var stateNames = [...]string{"STOPPED", "STARTING", "RUNNING", "STOPPING", "ABORTING", "FREEZING", "FROZEN", "THAWED"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "INVALID STATE"
	}
	return stateNames[s]
}

// ParseState parses an upper-case state name exactly as LXC does.
func ParseState(name string) (State, error) {
	for i, n := range stateNames {
		if n == name {
			return State(i), nil
		}
	}
	return -1, fmt.Errorf("invalid state '%s'", name)
}

// Status asks the container's monitor for its state. No answer means
// STOPPED. (The runtime fills this in; until then every container is
// STOPPED.)
func (s *Store) Status(name string) Status {
	return statusOf(s, name)
}

// RuntimeInfo gathers addresses, interfaces and cgroup statistics of a
// running container.
func (s *Store) RuntimeInfo(name string) (*RuntimeInfo, error) {
	return runtimeInfo(s, name)
}

// ContainerStatus is Store.Status as a function.
func ContainerStatus(st *Store, name string) Status { return st.Status(name) }
