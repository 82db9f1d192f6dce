package core

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultLXCPath is used when neither -P nor lxc.lxcpath is given.
const DefaultLXCPath = "/var/lib/lxc"

// Errors callers branch on.
var (
	ErrNotFound   = errors.New("container does not exist")
	ErrExists     = errors.New("container already exists")
	ErrRunning    = errors.New("container is running")
	ErrNotRunning = errors.New("container is not running")
)

// Store is an lxcpath: a directory of containers, each in NAME/ with
// NAME/config and (usually) NAME/rootfs beside its runtime files.
type Store struct {
	Path string
}

// OpenStore returns the store at lxcpath; "" means lxc.lxcpath from the
// system config, else /var/lib/lxc.
func OpenStore(lxcpath string) (*Store, error) {
	if lxcpath == "" {
		lxcpath = SystemConfig().LXCPath
	}
	abs, err := filepath.Abs(lxcpath)
	if err != nil {
		return nil, err
	}
	return &Store{Path: filepath.Clean(abs)}, nil
}

// ValidateName checks a container name before any path is built from it:
// letters, digits, '_', '.', '-'; not "." or ".."; no leading '-'; at most
// 64 bytes.
func ValidateName(name string) error {
	switch {
	case name == "":
		return errors.New("empty container name")
	case name == "." || name == "..":
		return fmt.Errorf("invalid container name %q", name)
	case len(name) > 64:
		return fmt.Errorf("invalid container name %q: longer than 64 bytes", name)
	case strings.HasPrefix(name, "-"):
		return fmt.Errorf("invalid container name %q: starts with '-'", name)
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '.' || b == '-') {
			return fmt.Errorf("invalid container name %q: only letters, digits, '_', '.' and '-' are allowed", name)
		}
	}
	return nil
}

// Dir is the container's directory.
func (s *Store) Dir(name string) string { return filepath.Join(s.Path, name) }

// ConfigPath is the container's config file.
func (s *Store) ConfigPath(name string) string { return filepath.Join(s.Path, name, "config") }

// Exists reports whether NAME/config exists.
func (s *Store) Exists(name string) bool {
	_, err := os.Stat(s.ConfigPath(name))
	return err == nil
}
