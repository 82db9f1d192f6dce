#!/usr/bin/env bash
# Benchmark of our lxc binary against real LXC, both on the same machine in
# the same run, alternating. Run as root through `make bench`; writes the
# table to bench/results.md (the "Where the time goes" section there is
# kept: only the measured part between the markers is replaced).
#
# Everything it makes lives in one temp dir and under container names that
# carry this run's tag; the EXIT trap stops what it started and removes it.
#
# Knobs (environment): RUNS (fast metrics, default 40), SLOW_RUNS (default
# 20), ROUNDS for the 50-container concurrency (default 5), NOWRITE=1 to
# leave bench/results.md alone.
set -Eeuo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
RUNS=${RUNS:-40}
SLOW_RUNS=${SLOW_RUNS:-20}
ROUNDS=${ROUNDS:-5}
NCONC=50

if [ "$(id -u)" != 0 ]; then
	echo "bench: must run as root (containers, cgroups, namespaces)" >&2
	exit 1
fi

# Real LXC, busybox and hyperfine from Debian when missing.
if [ ! -x /usr/bin/lxc-start ] || [ ! -x /bin/busybox ] || ! command -v hyperfine >/dev/null; then
	echo "bench: installing lxc busybox-static hyperfine" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lxc busybox-static hyperfine >/dev/null
fi

TAG="bn$$"
T=$(mktemp -d /tmp/lxc-bench.XXXXXX)
BGPIDS=()

# cleanup stops every container of both implementations (by their own
# stop tool, then by killing the pids found under this run's monitors),
# removes cgroups carrying this run's tag and the temp dir.
cleanup() {
	local rc=$?
	set +eu
	trap - EXIT INT TERM
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	echo "bench: cleaning up" >&2
	local impl P n
	for impl in lxc ours; do
		P=$T/$impl
		[ -d "$P" ] || continue
		for n in $(tool "$impl" ls --running -1 2>/dev/null); do
			if [ "$impl" = lxc ]; then
				timeout 20 /usr/bin/lxc-stop -P "$P" -n "$n" -k >/dev/null 2>&1 &
			else
				timeout 20 "$T/bin/lxc-stop" -P "$P" -n "$n" -k >/dev/null 2>&1 &
			fi
		done
		wait
	done
	# Whatever survived: monitors whose title names this run's lxcpaths
	# were started by this run. Kill their children (the containers'
	# init, whose death ends the pid namespace) first.
	local pid cl
	for pid in $(ls /proc | grep -E '^[0-9]+$'); do
		cl=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || continue
		case "$cl" in
		"[lxc monitor] $T/"*)
			for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do kill -9 "$c" 2>/dev/null; done
			sleep 0.2
			kill -9 "$pid" 2>/dev/null
			;;
		esac
	done
	sleep 0.3
	find /sys/fs/cgroup -mindepth 1 -depth -type d -name "*$TAG*" -exec rmdir {} \; 2>/dev/null
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }

# Our binary (built here exactly as `make lxc` does, static; or
# $LXC_BINARY) and its tool symlinks in the temp dir, so a rebuild of
# ./lxc during the run cannot change what runs, and both sides are called
# the same way: $L/lxc-x for LXC, $O/lxc-x for ours.
mkdir -p "$T/bin" "$T/json" "$T/lxc" "$T/ours" "$T/lxc-tpl" "$T/ours-tpl"
if [ -n "${LXC_BINARY:-}" ]; then
	cp "$LXC_BINARY" "$T/bin/lxc"
else
	CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -ldflags "-s -w" -o "$T/bin/lxc" .
fi
if ! file "$T/bin/lxc" 2>/dev/null | grep -q 'statically linked'; then
	log "warning: our binary is not statically linked"
fi
for t in attach create destroy execute freeze info ls start stop unfreeze wait; do
	ln -s lxc "$T/bin/lxc-$t"
done
go build -o "$T/benchtool" ./bench
BT=$T/benchtool
L=/usr/bin
O=$T/bin

# Same container config on both sides: empty network, unconfined.
printf 'lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n' >"$T/default.conf"
# Ours reads its system config from _LXC_SYSTEM_CONFIG (real LXC ignores
# the variable); for real LXC the lxcpath is passed with -P and the
# container config with -f, which replaces /etc/lxc/default.conf (lxcbr0).
printf 'lxc.lxcpath = %s\nlxc.default_config = %s\n' "$T/ours" "$T/default.conf" >"$T/sys.conf"
export _LXC_SYSTEM_CONFIG=$T/sys.conf

# Tiny wrapper so each side's commands read the same: tool IMPL NAME ARGS.
tool() {
	local impl=$1 t=$2
	shift 2
	if [ "$impl" = lxc ]; then "$L/lxc-$t" -P "$T/lxc" "$@"; else "$O/lxc-$t" -P "$T/ours" "$@"; fi
}

ROWS=$T/rows.tsv
: >"$ROWS"
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$ROWS"; }

# pair NAME RUNS LXC_CMD OURS_CMD [hyperfine args...]: times both commands
# in two rounds with the order swapped (lxc first, then ours first), runs/2
# each round, after warm-up; leaves "lxc_med lxc_max ours_med ours_max" in
# $RES. Commands run through the shell only when they contain '&&'.
pair() {
	local name=$1 runs=$2 lc=$3 oc=$4
	shift 4
	local half=$(((runs + 1) / 2)) shell=(-N)
	case "$lc$oc" in *"&&"*) shell=() ;; esac
	log "$name"
	hyperfine "${shell[@]}" --style none --warmup 3 --runs "$half" "$@" \
		--export-json "$T/json/$name.1.json" -n lxc "$lc" -n ours "$oc" >/dev/null 2>"$T/hf.err" ||
		{ cat "$T/hf.err" >&2; return 1; }
	hyperfine "${shell[@]}" --style none --warmup 1 --runs "$half" "$@" \
		--export-json "$T/json/$name.2.json" -n ours "$oc" -n lxc "$lc" >/dev/null 2>"$T/hf.err" ||
		{ cat "$T/hf.err" >&2; return 1; }
	RES=$("$BT" hf "$T/json/$name".*.json)
}

# Each side gets its own names: both implementations call a container's
# cgroups lxc.payload.NAME, so equal names in two lxcpaths would share
# cgroups (and our lxc-start empties an existing one: see results.md).
CL=${TAG}lx
CO=${TAG}ox
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "tag $TAG, temp dir $T"

# --- the container, made by each implementation's own lxc-create --------
/usr/bin/lxc-create -P "$T/lxc" -n "$CL" -t busybox -f "$T/default.conf" >/dev/null 2>&1
"$O/lxc-create" -P "$T/ours" -n "$CO" -t busybox >/dev/null
# Templates for the many-container metrics, outside the measured lxcpaths.
/usr/bin/lxc-create -P "$T/lxc-tpl" -n tpl -t busybox -f "$T/default.conf" >/dev/null 2>&1
"$O/lxc-create" -P "$T/ours-tpl" -n tpl -t busybox >/dev/null
ROOTFS_L=$T/lxc/$CL/rootfs
ROOTFS_O=$T/ours/$CO/rootfs

# --- execute, floors, start/stop cycle (container stopped) --------------
pair execute "$RUNS" "$L/lxc-execute -P $T/lxc -n $CL -- /bin/true" "$O/lxc-execute -P $T/ours -n $CO -- /bin/true"
set -- $RES; row "lxc-execute /bin/true, back to back" "$1" "$3" ms
pair execute_idle "$SLOW_RUNS" "$L/lxc-execute -P $T/lxc -n $CL -- /bin/true" "$O/lxc-execute -P $T/ours -n $CO -- /bin/true" --prepare "sleep 0.5"
set -- $RES; row "lxc-execute /bin/true, after 0.5 s idle" "$1" "$3" ms

pair cycle "$SLOW_RUNS" \
	"$L/lxc-start -P $T/lxc -n $CL -d && $L/lxc-wait -P $T/lxc -n $CL -s RUNNING && $L/lxc-stop -P $T/lxc -n $CL -k" \
	"$O/lxc-start -P $T/ours -n $CO -d && $O/lxc-wait -P $T/ours -n $CO -s RUNNING && $O/lxc-stop -P $T/ours -n $CO -k"
set -- $RES; row "lxc-start -d + lxc-wait RUNNING + lxc-stop -k" "$1" "$3" ms

UNSHARE="unshare --fork --pid --mount --uts --ipc --net --mount-proc chroot"
pair floor_unshare "$RUNS" "$UNSHARE $ROOTFS_L /bin/true" "$UNSHARE $ROOTFS_O /bin/true"
set -- $RES; row "floor: unshare (pid,mnt,uts,ipc,net) + chroot /bin/true" "$1" "$3" ms

# --- one running container ----------------------------------------------
tool lxc start -n "$CL" -d
tool ours start -n "$CO" -d
tool lxc wait -n "$CL" -s RUNNING -t 10
tool ours wait -n "$CO" -s RUNNING -t 10

pair info "$RUNS" "$L/lxc-info -P $T/lxc -n $CL" "$O/lxc-info -P $T/ours -n $CO"
set -- $RES; row "lxc-info (running)" "$1" "$3" ms

pair freeze "$RUNS" \
	"$L/lxc-freeze -P $T/lxc -n $CL && $L/lxc-unfreeze -P $T/lxc -n $CL" \
	"$O/lxc-freeze -P $T/ours -n $CO && $O/lxc-unfreeze -P $T/ours -n $CO"
set -- $RES
row "lxc-freeze + lxc-unfreeze, median" "$1" "$3" ms
row "lxc-freeze + lxc-unfreeze, max" "$2" "$4" ms

# Our attach may not exist yet: then "n/a" for ours, LXC still measured.
if tool ours attach -n "$CO" -- /bin/true >/dev/null 2>"$T/attach.err"; then
	pair attach "$RUNS" "$L/lxc-attach -P $T/lxc -n $CL -- /bin/true" "$O/lxc-attach -P $T/ours -n $CO -- /bin/true"
	set -- $RES; row "lxc-attach /bin/true" "$1" "$3" ms
else
	log "our lxc-attach failed ($(head -c 200 "$T/attach.err")): n/a"
	log attach
	hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$T/json/attach.1.json" \
		-n lxc "$L/lxc-attach -P $T/lxc -n $CL -- /bin/true" >/dev/null
	RES=$("$BT" hf "$T/json/attach.1.json")
	set -- $RES; row "lxc-attach /bin/true" "$1" "n/a" ms
fi

IPID_L=$(tool lxc info -n "$CL" -pH)
IPID_O=$(tool ours info -n "$CO" -pH)
pair floor_nsenter "$RUNS" "nsenter --all -t $IPID_L /bin/true" "nsenter --all -t $IPID_O /bin/true"
set -- $RES; row "floor: nsenter --all into the container, /bin/true" "$1" "$3" ms

read -r _ rl pl vl fl <<<"$("$BT" mem "$T/lxc" "$CL")"
read -r _ ro po vo fo <<<"$("$BT" mem "$T/ours" "$CO")"
kib() { awk -v k="$1" 'BEGIN{printf "%.2f", k/1024}'; }
row "memory per container, 1 running: RSS" "$(kib "$rl")" "$(kib "$ro")" MiB
row "memory per container, 1 running: PSS" "$(kib "$pl")" "$(kib "$po")" MiB
row "memory per container, 1 running: private" "$(kib "$vl")" "$(kib "$vo")" MiB
row "memory per container, 1 running: memfd held (not in smaps)" "$(kib "$fl")" "$(kib "$fo")" MiB
row "memory per container, 1 running: PSS + memfd held" "$(kib $((pl + fl)))" "$(kib $((po + fo)))" MiB

tool lxc stop -n "$CL" -k
tool ours stop -n "$CO" -k

# --- many containers ----------------------------------------------------
# cname IMPL I: the name of copy I (${TAG}l001 for LXC, ${TAG}o001 ours).
cname() { printf '%s%s%03d' "$TAG" "${1:0:1}" "$2"; }
# mkcopies IMPL FROM TO: containers copied from the template:
# the first $NCONC with a hard-linked rootfs (they get started), the rest
# config only (lxc-ls reads the config, never the rootfs).
mkcopies() {
	local impl=$1 from=$2 to=$3 i n d
	for ((i = from; i <= to; i++)); do
		n=$(cname "$impl" "$i")
		d=$T/$impl/$n
		mkdir -p "$d"
		sed -e "s#$T/$impl-tpl/tpl/#$T/$impl/$n/#g" -e "s#^lxc.uts.name = .*#lxc.uts.name = \"$n\"#" \
			"$T/$impl-tpl/tpl/config" >"$d/config"
		if ((i <= NCONC)); then
			cp -al "$T/$impl-tpl/tpl/rootfs" "$d/rootfs"
		else
			mkdir "$d/rootfs"
		fi
	done
}
lsrow() {
	local label=$2
	pair "ls_$1" "$RUNS" "$L/lxc-ls -P $T/lxc -f" "$O/lxc-ls -P $T/ours -f"
	set -- $RES; row "lxc-ls -f, $label" "$1" "$3" ms
}
lsrow 1 "1 defined"
log "creating 99 + 400 containers per side"
mkcopies lxc 1 99
mkcopies ours 1 99
lsrow 100 "100 defined"
mkcopies lxc 100 499
mkcopies ours 100 499
lsrow 500 "500 defined"
[ "$(tool lxc ls -1 | wc -w)" = 500 ] || { log "lxc-ls does not list 500"; exit 1; }
[ "$(tool ours ls -1 | wc -w)" = 500 ] || { log "our lxc-ls does not list 500"; exit 1; }

NAMES_lxc=() NAMES_ours=()
for ((i = 1; i <= NCONC; i++)); do
	NAMES_lxc+=("$(cname lxc "$i")")
	NAMES_ours+=("$(cname ours "$i")")
done

# conc IMPL start|stop: all $NCONC at once, wall time in ms on stdout.
conc() {
	local impl=$1 what=$2 n t0 t1 pids=() fail=0 p
	local -n names=NAMES_$impl
	t0=$(date +%s%N)
	for n in "${names[@]}"; do
		if [ "$what" = start ]; then
			tool "$impl" start -n "$n" -d >/dev/null 2>&1 &
		else
			tool "$impl" stop -n "$n" -k >/dev/null 2>&1 &
		fi
		pids+=($!)
	done
	BGPIDS=("${pids[@]}")
	for p in "${pids[@]}"; do wait "$p" || fail=$((fail + 1)); done
	t1=$(date +%s%N)
	BGPIDS=()
	[ "$fail" = 0 ] || log "$impl: $fail of $NCONC concurrent ${what}s failed"
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b-a)/1e6}'
}
nrunning() { tool "$1" ls --running -1 | wc -w; }

declare -A CT
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then order=(lxc ours); else order=(ours lxc); fi
	for impl in "${order[@]}"; do
		log "round $r: $NCONC concurrent starts, $impl"
		CT[start_${impl}]+="$(conc "$impl" start) "
		nr=$(nrunning "$impl")
		[ "$nr" = "$NCONC" ] || log "$impl: $nr running after concurrent start, want $NCONC"
	done
	if ((r == 1)); then
		pair ls_running "$RUNS" "$L/lxc-ls -P $T/lxc -f" "$O/lxc-ls -P $T/ours -f"
		set -- $RES; row "lxc-ls -f, 500 defined, 50 running" "$1" "$3" ms
		read -r nl rl pl vl fl <<<"$("$BT" mem "$T/lxc" "${NAMES_lxc[@]}")"
		read -r no ro po vo fo <<<"$("$BT" mem "$T/ours" "${NAMES_ours[@]}")"
		log "monitors found: lxc $nl, ours $no"
		row "memory per container, $NCONC running: RSS" "$(kib "$rl")" "$(kib "$ro")" MiB
		row "memory per container, $NCONC running: PSS" "$(kib "$pl")" "$(kib "$po")" MiB
		row "memory per container, $NCONC running: private" "$(kib "$vl")" "$(kib "$vo")" MiB
		row "memory per container, $NCONC running: memfd held (not in smaps)" "$(kib "$fl")" "$(kib "$fo")" MiB
		row "memory per container, $NCONC running: PSS + memfd held" "$(kib $((pl + fl)))" "$(kib $((po + fo)))" MiB
	fi
	for impl in "${order[@]}"; do
		log "round $r: $NCONC concurrent stops, $impl"
		CT[stop_${impl}]+="$(conc "$impl" stop) "
		nr=$(nrunning "$impl")
		[ "$nr" = 0 ] || log "$impl: $nr still running after concurrent stop"
	done
done
medlist() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END{if(NR%2)print a[(NR+1)/2]; else printf "%.1f\n",(a[NR/2]+a[NR/2+1])/2}'; }
row "$NCONC containers started concurrently (wall)" "$(medlist "${CT[start_lxc]}")" "$(medlist "${CT[start_ours]}")" ms
row "$NCONC containers stopped concurrently (wall)" "$(medlist "${CT[stop_lxc]}")" "$(medlist "${CT[stop_ours]}")" ms

# --- sizes --------------------------------------------------------------
LIBS=$(ls /usr/lib/*/liblxc.so.* 2>/dev/null | xargs -r readlink -f | sort -u)
LXCBYTES=$(cat $(ls /usr/bin/lxc-* | xargs -r readlink -f | sort -u) $LIBS | wc -c)
OURBYTES=$(stat -c %s "$T/bin/lxc")
row "installed size (LXC: /usr/bin/lxc-* + liblxc; ours: the static binary)" \
	"$(kib $((LXCBYTES / 1024)))" "$(kib $((OURBYTES / 1024)))" MiB

# --- report -------------------------------------------------------------
TABLE=$("$BT" table "$ROWS")
MEM=$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)
CG=$(if [ -e /sys/fs/cgroup/cgroup.controllers ]; then echo "cgroup v2 unified"; \
	elif [ -d /sys/fs/cgroup/unified ]; then echo "cgroup v1 hybrid: $(ls /sys/fs/cgroup | grep -v unified | tr '\n' ' ')+ cgroup2 at /sys/fs/cgroup/unified"; \
	else echo "cgroup v1: $(ls /sys/fs/cgroup | tr '\n' ' ')"; fi)
REPORT="Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench\` (commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')).

Machine: $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $MEM, kernel $(uname -r), $CG.
Load average (1/5/15 min) at start: $LOAD0, at end: $(cut -d' ' -f1-3 /proc/loadavg); the two floor rows run the same command on both sides, so their ratio shows the noise of the run.
LXC $(/usr/bin/lxc-start --version) (Debian), hyperfine $(hyperfine --version | awk '{print $2}').
Runs: $RUNS per fast metric, $SLOW_RUNS per slow one (each in two rounds, order swapped), $ROUNDS rounds of the $NCONC-container starts/stops.
Ours: a static build of the working tree ($(git describe --always --dirty 2>/dev/null || echo '?')); memory counts each side's monitor and any process of its own program below it (not the container's processes), plus the memfds they hold open.

$TABLE"
echo
echo "$REPORT"

if [ "${NOWRITE:-}" != 1 ]; then
	RESULTS=$REPO/bench/results.md
	if [ -f "$RESULTS" ] && grep -q '<!-- bench:begin -->' "$RESULTS"; then
		R="$REPORT" awk '
			/<!-- bench:begin -->/ {print; print ENVIRON["R"]; skip=1; next}
			/<!-- bench:end -->/ {skip=0}
			!skip {print}' "$RESULTS" >"$T/results.md"
		cp "$T/results.md" "$RESULTS"
	else
		printf '# Benchmark: ours vs LXC\n\n<!-- bench:begin -->\n%s\n<!-- bench:end -->\n' "$REPORT" >"$RESULTS"
	fi
	log "wrote $RESULTS"
fi
