package core

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// ErrNoConfig: a volatile run without any configuration.
var ErrNoConfig = errors.New("no container config specified")

// LoadRunConfig loads the configuration a start or execute runs with:
// --rcfile replaces the container's config entirely; otherwise
// NAME/config. defines are -s KEY=VAL, applied after the file. It returns
// the config and the file it came from ("" for none).
func LoadRunConfig(st *Store, name, rcfile string, defines []string) (*Config, string, error) {
	var cfg *Config
	var file string
	var err error
	switch {
	case rcfile != "":
		file = rcfile
		cfg, err = LoadConfig(rcfile)
	case st.Exists(name):
		file = st.ConfigPath(name)
		cfg, err = LoadConfig(file)
	default:
		return nil, "", ErrNoConfig
	}
	if err != nil {
		return nil, "", err
	}
	for _, d := range defines {
		k, v, ok := strings.Cut(d, "=")
		if !ok {
			return nil, "", fmt.Errorf("invalid -s argument %q: expected KEY=VALUE", d)
		}
		k, v = strings.TrimSpace(k), unquote(strings.TrimSpace(v))
		if err := cfg.Set(k, v); err != nil {
			return nil, "", &ConfigError{File: "-s", Key: k, Value: v, Err: err}
		}
	}
	return cfg, file, nil
}

// Wait waits until the container is in one of states. It watches the
// event log from before it reads the current state, so a transition
// happening meanwhile is never missed. timeout < 0 waits forever; 0
// checks once.
func Wait(st *Store, name string, states []State, timeout time.Duration) error {
	in := func(s State) bool {
		for _, x := range states {
			if x == s {
				return true
			}
		}
		return false
	}
	// Already there: answer without an inotify watch. Closing an inotify
	// instance waits for an SRCU grace period in the kernel
	// (fsnotify_destroy_group), 4-20 ms here, which would dominate the
	// common "lxc-start -d; lxc-wait -s RUNNING" case.
	if in(statusOf(st, name).State) {
		return nil
	}
	if timeout == 0 {
		return ErrTimeout
	}
	// Watch first, then look again, so a transition between the two
	// cannot be missed.
	w, err := WatchEvents(st.Path)
	if err != nil {
		return err
	}
	defer w.Close()
	if in(statusOf(st, name).State) {
		return nil
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		left := time.Duration(-1)
		if timeout >= 0 {
			left = time.Until(deadline)
			if left <= 0 {
				return ErrTimeout
			}
		}
		ev, err := w.Next(left)
		if err != nil {
			return err
		}
		if ev.Name != name || ev.State == "" {
			continue
		}
		if s, err := ParseState(ev.State); err == nil && in(s) {
			return nil
		}
	}
}

// RunReaper is lxc-init: it runs cmd as its child in a new session,
// forwards signals, reaps orphans and returns the child's status (128+N
// when killed by signal N) once no child is left.
func RunReaper(cmd []string) int {
	path, err := lookPath(cmd[0], os.Environ())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 127
	}
	return startReaper(path, cmd, os.Environ())
}
