// Package core implements LXC's container model: the configuration
// language (lxc.container.conf(5)), the container store under an lxcpath,
// runtime state, the per-container monitor, the in-container init, rootfs
// and mount setup, the command socket, consoles, attach and logging.
//
// Applets call core; core calls the leaf packages cgroupfs and netcfg,
// filling in their input types.
package core
