#!/usr/bin/env bash
# The README's main job: with the installed binary, create a busybox
# container in a private lxcpath, show it, run a command in it, start it,
# show it running, stop and destroy it.
set -euo pipefail
BINDIR=${1:-/usr/local/bin}
work=$(mktemp -d /tmp/lxc-demo.XXXXXX)
name=demo
cleanup() {
	"$BINDIR/lxc-stop" -P "$work/lxc" -n "$name" -k >/dev/null 2>&1 || true
	"$BINDIR/lxc-destroy" -P "$work/lxc" -n "$name" -f >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
# A private system config, so the host's /etc/lxc/default.conf (which may
# name a bridge that does not exist) is not used: the demo container gets
# only a loopback network.
mkdir -p "$work/lxc"
printf 'lxc.net.0.type = empty\n' > "$work/default.conf"
printf 'lxc.lxcpath = %s/lxc\nlxc.default_config = %s/default.conf\n' "$work" "$work" > "$work/lxc.conf"
export _LXC_SYSTEM_CONFIG="$work/lxc.conf"
P=(-P "$work/lxc")
set -x
"$BINDIR/lxc-create" "${P[@]}" -n "$name" -t busybox
"$BINDIR/lxc-ls" "${P[@]}" -f
"$BINDIR/lxc-info" "${P[@]}" -n "$name"
"$BINDIR/lxc-execute" "${P[@]}" -n "$name" -- /bin/sh -c 'echo "hello from pid $$ in $(hostname)"; uname -a'
"$BINDIR/lxc-start" "${P[@]}" -n "$name"
"$BINDIR/lxc-info" "${P[@]}" -n "$name"
"$BINDIR/lxc-ls" "${P[@]}" -f
"$BINDIR/lxc-stop" "${P[@]}" -n "$name"
"$BINDIR/lxc-destroy" "${P[@]}" -n "$name"
