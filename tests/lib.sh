# Sourced by the integration tests: a private network namespace, leak sinks, a real SOCKS5
# proxy, and TAP output.
#
# Every test re-executes itself in a new network and mount namespace with only lo up, so
# that nothing it sends can leave the machine. Fake "internet" addresses live on lo:
#   203.0.113.1   TCP/UDP port 80 (web) and 9 (discard)   2001:db8::1   port 80
#   203.0.113.53  port 53, the resolver (/etc/resolv.conf is bind-mounted to name it)
#   127.0.0.53    port 53, a loopback DNS stub
# The SOCKS5 proxy (microsocks) listens on 127.0.0.1:9050, Tor's port.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
ST=$top_builddir/src/sockstrace
# The binary itself, for the tests that look at the file, or at the default of the layer.
ST_BIN=$ST
T=$top_builddir/tests

if [ -z "${SOCKSTRACE_IN_NETNS:-}" ]; then
	userns=
	[ "$(id -u)" = 0 ] || userns=-r
	SOCKSTRACE_IN_NETNS=1 exec unshare $userns -n -m /bin/sh "$0" "$@"
	echo "1..0 # SKIP cannot create a network namespace (unshare -n)"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockstrace-test.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# SOCKSTRACE_TEST_NETNS=off: the whole suite with the kernel layer off (--no-netns first on
# every command line; a test's own --netns=require still wins).
if [ "${SOCKSTRACE_TEST_NETNS:-}" = off ]; then
	printf '#!/bin/sh\nexec "%s" --no-netns "$@"\n' "$ST" >"$tmp/sockstrace"
	chmod 755 "$tmp/sockstrace"
	chmod 711 "$tmp"
	ST=$tmp/sockstrace
fi

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

ip link set lo up || skip_all "cannot bring lo up"
ip addr add 203.0.113.1/32 dev lo
ip addr add 203.0.113.53/32 dev lo
ip -6 addr add 2001:db8::1/128 dev lo nodad
printf 'nameserver 203.0.113.53\noptions timeout:1 attempts:1\n' >"$tmp/resolv.conf"
mount --bind "$tmp/resolv.conf" /etc/resolv.conf || skip_all "cannot bind-mount resolv.conf"
printf 'hosts: files dns\n' >"$tmp/nsswitch.conf"
mount --bind "$tmp/nsswitch.conf" /etc/nsswitch.conf

# --- TAP -----------------------------------------------------------------------------

n=0
failed=0
# check DESCRIPTION COMMAND...: one TAP line, ok when COMMAND succeeds.
check() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
		echo "# failed: $*"
		echo "# sockstrace output:"
		sed 's/^/#   /' "$tmp/out" 2>/dev/null
		echo "# the program's standard output and error (their ends):"
		tail -n 15 "$tmp/stdout" "$tmp/stderr" 2>/dev/null | sed 's/^/#   /'
	fi
}
skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $*"
}
done_testing() {
	echo "1..$n"
	[ "$failed" = 0 ]
	exit $?
}

# --- services ------------------------------------------------------------------------

# Starts the leak sinks; their log is $tmp/sink.log, one line per connection or datagram.
start_sinks() {
	start_sink sink 203.0.113.1 80 203.0.113.1 9 203.0.113.53 53 2001:db8::1 80 127.0.0.53 53
}

# Starts one more sink, logging to $tmp/NAME.log: start_sink NAME ADDR PORT [ADDR PORT]...
start_sink() {
	name=$1
	shift
	: >"$tmp/$name.log"
	"$T/sink" "$tmp/$name.log" "$@" >"$tmp/$name.ready" &
	pids="$pids $!"
	for _ in $(seq 50); do
		grep -q ready "$tmp/$name.ready" && return 0
		sleep 0.1
	done
	echo "Bail out! the sink $name did not start"
	exit 99
}

# Starts microsocks on 127.0.0.1:9050.
start_proxy() {
	command -v microsocks >/dev/null || skip_all "microsocks is not installed"
	microsocks -i 127.0.0.1 -p 9050 >/dev/null 2>&1 &
	pids="$pids $!"
	wait_proxy
}

# Waits for the proxy's port 127.0.0.1:9050 to take connections.
wait_proxy() {
	for _ in $(seq 50); do
		"$T/netcall" connect 127.0.0.1 9050 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "Bail out! microsocks did not start"
	exit 99
}

# How many connections or datagrams reached the sinks (optionally: matching a pattern).
sink_hits() {
	grep -c -- "${1:-.}" "$tmp/sink.log"
}
sink_reset() {
	: >"$tmp/sink.log"
}

# st [SOCKSTRACE-OPTION]... -- PROGRAM [ARG]...: runs sockstrace with its human output in
# $tmp/out, its JSON report in $tmp/report.jsonl, the program's stdout in $tmp/stdout and
# sockstrace's exit status in $status, the seconds it took in $elapsed. A sockstrace that
# does not end on SIGTERM within 60 s is killed 10 s later (status 137).
st() {
	sink_reset
	status=0
	started=$(date +%s)
	timeout -k 10 60 "$ST" -o "$tmp/out" -r "$tmp/report.jsonl" "$@" >"$tmp/stdout" 2>"$tmp/stderr" ||
		status=$?
	elapsed=$(($(date +%s) - started))
}

# The output has a line matching the extended regular expression.
out_has() {
	grep -Eq -- "$1" "$tmp/out"
}
out_lacks() {
	! grep -Eq -- "$1" "$tmp/out"
}
stdout_has() {
	grep -Eq -- "$1" "$tmp/stdout"
}
status_is() {
	[ "$status" = "$1" ] || { echo "# exit status $status, expected $1"; false; }
}
# The sinks logged exactly N hits (matching a pattern). The sink logs asynchronously: wait
# for a count to be reached, and give a leak time to show before believing a zero.
sink_got() {
	if [ "$1" = 0 ]; then
		sleep 0.3
	else
		for _ in $(seq 30); do
			[ "$(sink_hits "${2:-.}")" = "$1" ] && break
			sleep 0.1
		done
	fi
	[ "$(sink_hits "${2:-.}")" = "$1" ] || { echo "# sink log:"; sed 's/^/#   /' "$tmp/sink.log"; false; }
}
# A jq expression over the JSON report is true.
json_true() {
	jq -e -s "$1" "$tmp/report.jsonl" >/dev/null
}
no_leak() {
	out_lacks "^sockstrace: leak "
}
