package netcfg

import (
	"fmt"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// MoveIn moves host interface hostName into namespace ns (lxc-device add),
// named newName there ("" keeps hostName). It returns the name inside.
func MoveIn(ns netns.NsHandle, hostName, newName string) (string, error) {
	if newName == "" {
		newName = hostName
	}
	if err := checkIfName(newName); err != nil {
		return "", err
	}
	host, err := netlink.NewHandle()
	if err != nil {
		return "", fmt.Errorf("netlink: %w", err)
	}
	defer host.Close()
	ct, err := netlink.NewHandleAt(ns)
	if err != nil {
		return "", fmt.Errorf("netlink in container network namespace: %w", err)
	}
	defer ct.Close()
	l, err := host.LinkByName(hostName)
	if err != nil {
		return "", fmt.Errorf("interface %q: %w", hostName, err)
	}
	if err := moveRenamed(host, ct, l, ns, newName); err != nil {
		return "", err
	}
	return newName, nil
}

// MoveOut moves interface nsName out of namespace ns into the caller's
// namespace (lxc-device del), named hostName there ("" keeps nsName).
func MoveOut(ns netns.NsHandle, nsName, hostName string) error {
	if hostName == "" {
		hostName = nsName
	}
	if err := checkIfName(hostName); err != nil {
		return err
	}
	host, err := netlink.NewHandle()
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	defer host.Close()
	ct, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in container network namespace: %w", err)
	}
	defer ct.Close()
	l, err := ct.LinkByName(nsName)
	if err != nil {
		return fmt.Errorf("interface %q in the container: %w", nsName, err)
	}
	self, err := netns.Get()
	if err != nil {
		return fmt.Errorf("own network namespace: %w", err)
	}
	defer self.Close()
	return moveRenamed(ct, host, l, self, hostName)
}
