#!/usr/bin/env bash
# Installs what building, the demo and the tests need, when missing:
# busybox-static (container rootfs), iproute2 (network tests), and LXC's
# package as a data source only (its shipped configs and seccomp profiles
# are parsed by tests; real LXC is also the side-by-side reference). Our
# binary never calls it.
set -euo pipefail
need=()
[ -x /bin/busybox ] || need+=(busybox-static)
command -v ip >/dev/null || need+=(iproute2)
[ -d /usr/share/lxc/config ] || need+=(lxc)
[ -x /usr/bin/lxc-test-cloneconfig ] || need+=(lxc-tests)
command -v make >/dev/null || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing ${need[*]}; run as root to install them" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
	echo "deps: add /usr/local/go/bin to PATH" >&2
fi
