# Sourced by the application tests (tests/apps/*.sh) after tests/lib.sh: real programs
# from Debian's packages (tools/app-deps.txt), run by make check-apps, never by make check.
#
# The proxy is microsocks on 127.0.0.1:9050 as in tests/lib.sh, but with its own
# /etc/resolv.conf naming the loopback stub 127.0.0.53: names that a program leaves to the
# proxy are resolved there, so every datagram that reaches the resolver sink 203.0.113.53
# came from the traced program itself.
#
# APPS_CHECK_KIND=0 turns off the assertions on the JSON leak "kind" (tcp, dns, udp,
# route-probe, ...), for an engine that does not set it right yet.
: "${APPS_CHECK_KIND:=1}"

# need PROGRAM...: skips the whole test unless every PROGRAM is installed.
need() {
	for p in "$@"; do
		command -v "$p" >/dev/null || skip_all "$p is not installed (tools/install-deps --apps)"
	done
}

# Gives the application an empty home of its own, $tmp/home.
own_home() {
	HOME=$tmp/home
	export HOME
	mkdir -p "$HOME"
}

# Starts microsocks on 127.0.0.1:9050, resolving through 127.0.0.53.
start_app_proxy() {
	command -v microsocks >/dev/null || skip_all "microsocks is not installed"
	printf 'nameserver 127.0.0.53\noptions timeout:1 attempts:1\n' >"$tmp/proxy-resolv.conf"
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && exec microsocks -i 127.0.0.1 -p 9050' \
		sh "$tmp/proxy-resolv.conf" >/dev/null 2>&1 &
	pids="$pids $!"
	wait_proxy
}
# hits NAME [PATTERN]: lines in $tmp/NAME.log (matching PATTERN).
hits() {
	grep -c -- "${2:-.}" "$tmp/$1.log"
}
# no_hits NAME: nothing reached that sink (after a moment for a late datagram).
no_hits() {
	sleep 0.3
	[ "$(hits "$1")" = 0 ] || { echo "# $1 log:"; sed 's/^/#   /' "$tmp/$1.log"; false; }
}

# A network interface besides lo, as a browser's WebRTC stack needs one to gather
# candidates on: a veth pair whose both ends stay in this namespace, with the default
# route on it. Whatever is sent there arrives at the other end, in this namespace, and is
# dropped (no forwarding): nothing leaves the namespace.
add_uplink() {
	ip link add st-up0 type veth peer name st-up1 2>/dev/null || return 1
	ip addr add 203.0.113.100/24 dev st-up0 &&
		ip link set st-up0 up && ip link set st-up1 up &&
		ip route add default dev st-up0
}

# leaks [JQ-FILTER]: how many leak events of the JSON report pass the filter.
leaks() {
	jq -s "[.[] | select(.event == \"leak\") | select(${1:-true})] | length" "$tmp/report.jsonl"
}
# some_leak JQ-FILTER: at least one leak event passes the filter.
some_leak() {
	[ "$(leaks "$1")" -gt 0 ]
}
# no_leak_but JQ-FILTER: every leak event passes the filter (the noise a program makes
# anyway, such as a browser's start-up probes).
no_leak_but() {
	[ "$(leaks "($1) | not")" = 0 ] || {
		echo "# other leaks:"
		jq -c "select(.event == \"leak\") | select(($1) | not)" "$tmp/report.jsonl" | sed 's/^/#   /'
		false
	}
}
# check_kind DESCRIPTION JQ-FILTER KIND: every leak passing the filter has that kind; a
# skip when APPS_CHECK_KIND=0.
check_kind() {
	if [ "$APPS_CHECK_KIND" = 0 ]; then
		skip "$1 (APPS_CHECK_KIND=0)"
	else
		check "$1" kind_is "$2" "$3"
	fi
}
kind_is() {
	if some_leak "$1" && [ "$(leaks "($1) and .kind != \"$2\"")" = 0 ]; then
		return 0
	fi
	echo "# kinds:"
	jq -c "select(.event == \"leak\") | select($1) | .kind" "$tmp/report.jsonl" | sort | uniq -c | sed 's/^/#   /'
	false
}
