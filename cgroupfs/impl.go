package cgroupfs

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// thawTimeout bounds the wait for a v2 thaw, which the kernel completes
// almost at once.
const thawTimeout = 10 * time.Second

// v1Manager serves legacy and hybrid hosts: one directory per controller
// hierarchy, plus the unified hierarchy when mounted (processes are
// attached there too, lxc.cgroup2 settings and device programs go there).
type v1Manager struct{ *base }

// Version implements Manager.
func (m *v1Manager) Version() int { return 1 }

// locate picks the hierarchy from the key's controller prefix
// ("memory.limit_in_bytes" -> memory), as lxc-cgroup does; the unified
// hierarchy is used only for controllers enabled there.
func (m *v1Manager) locate(key string) (string, string, error) {
	k, err := settingKey(key)
	if err != nil {
		return "", "", err
	}
	ctrl, _, _ := strings.Cut(k, ".")
	if p := m.legacy(ctrl); p != nil {
		return p.PayloadDir(), k, nil
	}
	if m.unified != nil && m.unified.Has(ctrl) {
		return m.unified.PayloadDir(), k, nil
	}
	return "", "", fmt.Errorf("%w %q: no hierarchy for controller %q", ErrUnknownKey, key, ctrl)
}

// Get implements Manager.
func (m *v1Manager) Get(key string) (string, error) {
	dir, k, err := m.locate(key)
	if err != nil {
		return "", err
	}
	return getFile(dir, key, k)
}

// Set implements Manager.
func (m *v1Manager) Set(key, value string) error {
	dir, k, err := m.locate(key)
	if err != nil {
		return err
	}
	return setFile(dir, key, k, value)
}

// Freeze implements Manager with the v1 freezer, or the v2 one when no
// freezer hierarchy is mounted.
func (m *v1Manager) Freeze(timeout time.Duration) error {
	if p := m.legacy("freezer"); p != nil {
		return freezeV1(p.PayloadDir(), timeout)
	}
	if m.unified != nil {
		if err := freezeV2(m.unified.PayloadDir(), "1", timeout); err != nil {
			return fmt.Errorf("freeze: %w", err)
		}
		return nil
	}
	return errors.New("freeze: no freezer hierarchy")
}

// Thaw implements Manager.
func (m *v1Manager) Thaw() error {
	if p := m.legacy("freezer"); p != nil {
		return thawV1(p.PayloadDir())
	}
	if m.unified != nil {
		if err := freezeV2(m.unified.PayloadDir(), "0", thawTimeout); err != nil {
			return fmt.Errorf("thaw: %w", err)
		}
		return nil
	}
	return errors.New("thaw: no freezer hierarchy")
}

// FreezerState implements Manager.
func (m *v1Manager) FreezerState() (string, error) {
	if p := m.legacy("freezer"); p != nil {
		return stateV1(p.PayloadDir())
	}
	if m.unified != nil {
		return stateV2(m.unified.PayloadDir())
	}
	return "", errors.New("freezer state: no freezer hierarchy")
}

// Kill implements Manager: cgroup.kill on the unified payload when there
// is one, then SIGKILL to any process left in a v1 payload.
func (m *v1Manager) Kill() error {
	var errs []error
	if m.unified != nil {
		errs = append(errs, killTree(m.unified.PayloadDir()))
	}
	for _, p := range m.places {
		if p.Version == 1 {
			errs = append(errs, killTree(p.PayloadDir()))
		}
	}
	return errors.Join(errs...)
}

// Stats implements Manager: v1 files first, v2 files of the unified
// hierarchy for controllers v1 lacks.
func (m *v1Manager) Stats() Stats {
	src := statSources{}
	for _, c := range []string{"cpuacct", "blkio", "memory"} {
		if p := m.legacy(c); p != nil {
			src.v1 = append(src.v1, v1Source{c, p.PayloadDir()})
		}
	}
	if m.unified != nil {
		src.v2 = m.unified.PayloadDir()
	}
	return src.read()
}

// v2Manager serves pure cgroup2 hosts: everything happens in the unified
// hierarchy.
type v2Manager struct{ *base }

// Version implements Manager.
func (m *v2Manager) Version() int { return 2 }

// Get implements Manager: any file of the unified payload.
func (m *v2Manager) Get(key string) (string, error) {
	k, err := settingKey(key)
	if err != nil {
		return "", err
	}
	return getFile(m.unified.PayloadDir(), key, k)
}

// Set implements Manager.
func (m *v2Manager) Set(key, value string) error {
	k, err := settingKey(key)
	if err != nil {
		return err
	}
	return setFile(m.unified.PayloadDir(), key, k, value)
}

// Freeze implements Manager with cgroup.freeze.
func (m *v2Manager) Freeze(timeout time.Duration) error {
	if err := freezeV2(m.unified.PayloadDir(), "1", timeout); err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	return nil
}

// Thaw implements Manager.
func (m *v2Manager) Thaw() error {
	if err := freezeV2(m.unified.PayloadDir(), "0", thawTimeout); err != nil {
		return fmt.Errorf("thaw: %w", err)
	}
	return nil
}

// FreezerState implements Manager.
func (m *v2Manager) FreezerState() (string, error) {
	return stateV2(m.unified.PayloadDir())
}

// Kill implements Manager.
func (m *v2Manager) Kill() error { return killTree(m.unified.PayloadDir()) }

// Stats implements Manager.
func (m *v2Manager) Stats() Stats {
	return statSources{v2: m.unified.PayloadDir()}.read()
}
