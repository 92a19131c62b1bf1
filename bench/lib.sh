# What bench/run and bench/netns share: the private network namespace they run in, their
# temporary directory and services, and how one command is timed. Sourced (bash); needs ST
# (the sockstrace to measure) and top_srcdir set.

say() { echo "bench: $*" >&2; }

# bench_enter_netns SCRIPT ARG...: runs SCRIPT ARG... again in a new network namespace (in an
# unprivileged user namespace too when not root), with BENCH_IN_NETNS=1; returns only when
# that fails.
bench_enter_netns() {
	local userns=
	[ "$(id -u)" = 0 ] || userns=-r
	export top_srcdir top_builddir BENCH_IN_NETNS=1
	exec unshare $userns -n "$BASH" "$@"
	say "cannot create a network namespace (unshare -n)"
	exit 1
}

# bench_check_netns: in the new namespace, lo up with 203.0.113.1 on it; fails unless lo is
# the only link and there is no default route (nothing can leave the machine).
bench_check_netns() {
	ip link set lo up || { say "cannot bring lo up"; return 1; }
	ip addr add 203.0.113.1/32 dev lo
	if [ -n "$(ip route show default; ip -6 route show default)" ] || [ "$(ip -o link | grep -vc ': lo:')" != 0 ]; then
		say "refusing to run: this namespace has a link other than lo or a default route"
		return 1
	fi
	# Thousands of loopback connections a second: reuse TIME_WAIT ports (this namespace only).
	sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1 2>/dev/null
	return 0
}

# bench_setup_tmp: tmp, a directory removed at exit with the services started (their pids in
# pids); ST becomes a copy of itself there, so that one binary is measured from start to end
# even if the tree is rebuilt meanwhile; rev names its tree.
bench_setup_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockstrace-bench.XXXXXX")
	pids=
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	rev=$(git -C "$top_srcdir" rev-parse --short HEAD 2>/dev/null)
	[ -n "$rev" ] && [ -n "$(git -C "$top_srcdir" status --porcelain -- src 2>/dev/null)" ] &&
		rev="$rev + uncommitted changes in src/"
	if [ "$(head -c 4 "$ST" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		cp "$ST" "$tmp/sockstrace" && ST=$tmp/sockstrace
	fi
}
bench_cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}

# wait_for FILE: waits until FILE says ready.
wait_for() {
	for _ in $(seq 100); do
		grep -q ready "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# cpu_ms FILE: the children's user + system time in FILE (the output of the times builtin).
cpu_ms() {
	sed -n 2p "$1" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); n += p[1] * 60 + p[2] }
		printf "%d\n", n * 1000 }'
}

# run COMMAND...: runs it once, its output in $tmp/run.out and $tmp/run.err; sets rc, us
# (wall time, microseconds) and cpu (user + system time of the whole process tree it reaped,
# tracer and tracees, milliseconds).
run() {
	local t0 t1
	times >"$tmp/times0"
	t0=$EPOCHREALTIME
	timeout 900 "$@" >"$tmp/run.out" 2>"$tmp/run.err"
	rc=$?
	t1=$EPOCHREALTIME
	times >"$tmp/times1"
	us=$((10#${t1//[!0-9]/} - 10#${t0//[!0-9]/}))
	cpu=$(($(cpu_ms "$tmp/times1") - $(cpu_ms "$tmp/times0")))
}

# stats FILE DIGITS: "median min max" of the numbers in FILE (one a line), DIGITS decimals.
stats() {
	sort -g "$1" | awk -v d="$2" '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		f = "%." d "f"
		printf f " " f " " f "\n", m, v[1], v[NR] }'
}
