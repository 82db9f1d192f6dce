#!/usr/bin/env bash
# Runs Debian's lxc-tests shell scripts (lxc-test-cloneconfig,
# lxc-test-snapdeps, lxc-test-autostart, ...) against our binary, safely:
#
#   scripts/lxc-tests.sh [-r] LXC_BINARY WORKDIR TEST...
#
# Each TEST (e.g. lxc-test-snapdeps, or a path) runs in its own throwaway
# mount namespace (unshare --mount --propagation private) where private
# directories under WORKDIR/TEST are bind-mounted over
#   /var/lib/lxc   the default lxcpath the scripts use (no -P)
#   /etc/lxc       lxc.conf + default.conf (lxc.net.0.type = empty: the
#                  host's default.conf wants a bridge lxcbr0)
#   /run/lxc       lock files
#   /var/log       /var/log/lxc/NAME.log, the default log of root
# so nothing touches the host's own files, and with WORKDIR/bin (symlinks
# lxc-TOOL -> LXC_BINARY for every tool the binary knows) first in PATH.
# -r runs real LXC instead (no symlinks: /usr/bin first), for comparison.
#
# The exit status is that of the last failing test (0 if all passed).
# Containers a test leaves running keep their pids in
# WORKDIR/TEST/lib/NAME/state.json; the caller kills them (by recorded
# pid and start time) before removing WORKDIR.
set -uo pipefail

real=0
if [ "${1:-}" = "-r" ]; then
	real=1
	shift
fi
if [ $# -lt 3 ]; then
	echo "usage: $0 [-r] LXC_BINARY WORKDIR TEST..." >&2
	exit 2
fi
bin=$(readlink -f "$1")
work=$(readlink -f "$2")
shift 2

mkdir -p "$work/bin"
if [ $real -eq 0 ]; then
	# Every tool name our binary answers to ("lxc" alone lists them).
	tools=$("$bin" 2>&1 | sed -n 's/^  \([a-z-]*\)$/\1/p')
	if [ -z "$tools" ]; then
		echo "$0: $bin lists no tools" >&2
		exit 2
	fi
	for t in $tools; do
		ln -sf "$bin" "$work/bin/lxc-$t"
	done
fi

rc=0
for test in "$@"; do
	script=$test
	[ -x "$script" ] || script=/usr/bin/$test
	if [ ! -x "$script" ]; then
		echo "$0: $test: not found (apt-get install lxc-tests)" >&2
		rc=1
		continue
	fi
	d=$work/$(basename "$script")
	mkdir -p "$d/lib" "$d/etc" "$d/run" "$d/log/lxc" "$d/tmp"
	printf 'lxc.net.0.type = empty\n' >"$d/etc/default.conf"
	printf 'lxc.lxcpath = /var/lib/lxc\nlxc.default_config = /etc/lxc/default.conf\n' >"$d/etc/lxc.conf"
	echo "=== $(basename "$script") ($([ $real -eq 1 ] && echo 'real LXC' || echo "$bin"))"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private -- env \
		LXT_D="$d" LXT_BIN="$work/bin" LXT_SCRIPT="$script" \
		bash -c '
		set -e
		# Mount points (present wherever the lxc package is installed).
		mkdir -p /var/lib/lxc /etc/lxc /run/lxc
		mount --bind "$LXT_D/lib" /var/lib/lxc
		mount --bind "$LXT_D/etc" /etc/lxc
		mount --bind "$LXT_D/run" /run/lxc
		mount --bind "$LXT_D/log" /var/log
		unset _LXC_SYSTEM_CONFIG _LXC_LOCK_DIR LXC_BINARY
		export PATH="$LXT_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		cd "$LXT_D/tmp"
		exec "$LXT_SCRIPT"
		'
	r=$?
	echo "=== $(basename "$script"): rc=$r"
	[ $r -eq 0 ] || rc=$r
done
exit $rc
