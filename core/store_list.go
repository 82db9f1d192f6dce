package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
)

// List returns the names of the containers defined in the store: the
// subdirectories of the lxcpath that hold a "config" file, in strcmp
// order. Hidden directories are skipped, as LXC's list_all_containers
// does. A missing lxcpath is an empty store.
func (s *Store) List() ([]string, error) {
	cands, err := s.listCandidates()
	if err != nil {
		return nil, err
	}
	names := cands[:0]
	for _, n := range cands {
		if st, err := os.Stat(s.ConfigPath(n)); err != nil || st.IsDir() {
			continue
		}
		names = append(names, n)
	}
	return names, nil
}

// listCandidates returns the visible, validly named directories (and
// symlinks) of the lxcpath in strcmp order, without checking for a
// config: callers that open the config anyway save a stat per container.
func (s *Store) listCandidates() ([]string, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list containers in %q: %w", s.Path, err)
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("list containers in %q: %w", s.Path, err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		n := e.Name()
		if n[0] == '.' {
			continue
		}
		// A symlink to a directory counts, as with LXC's stat().
		if !e.IsDir() && e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		if ValidateName(n) != nil {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names) // byte order = strcmp
	return names, nil
}

// LoadConfig loads the config of container name. A missing config is
// ErrNotFound; parse errors are returned as they are (*ConfigError names
// the file and line).
func (s *Store) LoadConfig(name string) (*Config, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	p := s.ConfigPath(name)
	c, err := LoadConfig(p)
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) && ce.File == p && ce.Line == 0 && errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("container %q: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("container %q: %w", name, err)
	}
	return c, nil
}
