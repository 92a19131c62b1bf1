#!/bin/sh
# Hostile and broken tracees: unreadable and odd-sized addresses, huge sendmmsg() vectors,
# addresses at the edge of unmapped memory, tasks that die while sockstrace performs their
# syscall, 2,000 threads leaking at once and a fork bomb. sockstrace must keep tracing,
# report each leak exactly once, exit with the right status and leave nothing behind.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
start_proxy
H=$T/hostile

# How many leak lines the output has (matching a pattern).
leaks() {
	grep -Ec -- "^sockstrace: leak [a-z]+: .*${1:-}" "$tmp/out"
}
leaks_are() {
	[ "$(leaks "${2:-}")" = "$1" ] || { echo "# $(leaks "${2:-}") leak lines, expected $1"; false; }
}
# Each thread or process (tid) is in exactly one leak line, and there are N of them.
distinct_tids() {
	[ "$(jq -r 'select(.event == "leak") | .tid' "$tmp/report.jsonl" | sort -u | wc -l)" = "$1" ]
}
# Nothing of the helper is left, running or a zombie.
none_left() {
	# Only this test's own: other test runs on the machine are in other namespaces.
	ours=$(readlink /proc/self/ns/net)
	for p in $(pgrep -x hostile); do
		[ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$ours" ] || continue
		ps -o pid,ppid,stat,comm -p "$p" | sed 's/^/# /'
		return 1
	done
}

# --- unreadable and odd-sized addresses ------------------------------------------------
# An address sockstrace cannot read is a leak (fail closed): the kernel could not read it
# either, but the call is blocked and reported, never let through unjudged.
st -- "$H" connect-fault
check "connect(), unmapped sockaddr: reported as an unreadable address" \
	out_has "connect\(unreadable address\) \[tcp, x86_64\]"
check "connect(), unmapped sockaddr: blocked (ECONNREFUSED)" stdout_has "^connect bad pointer: ECONNREFUSED$"
check "connect(), unmapped sockaddr: one leak, exit status 3" sh -c "[ \$(grep -c '^sockstrace: leak' '$tmp/out') = 1 ] && [ $status = 3 ]"

# Lengths the kernel refuses before reading (move_addr_to_kernel()) are no destination.
for len in 0 1 65535; do
	st -- "$H" connect-len 203.0.113.1 80 "$len"
	check "connect(), addrlen $len: the kernel refuses it (EINVAL)" stdout_has "^connect addrlen $len: EINVAL$"
	check "connect(), addrlen $len: not a leak, exit status 0" sh -c "! grep -q '^sockstrace: leak' '$tmp/out' && [ $status = 0 ]"
done
check "connect() with odd lengths: nothing reached the sink" sink_got 0

st -- "$H" sendmsg-fault
check "sendmsg(), unmapped msghdr: reported as an unreadable address" \
	out_has "sendmsg\(unreadable address\) \[udp, x86_64\]"
check "sendmsg(), unmapped msghdr: blocked (EPERM), exit status 3" \
	sh -c "grep -q '^sendmsg bad msghdr: EPERM$' '$tmp/stdout' && [ $status = 3 ]"
st -- "$H" sendmsg-name-fault
check "sendmsg(), unmapped msg_name: reported as an unreadable address" \
	out_has "sendmsg\(unreadable address\) \[udp, x86_64\]"
check "sendmsg(), unmapped msg_name: blocked (EPERM)" stdout_has "^sendmsg bad msg_name: EPERM$"

# The kernel clamps msg_namelen to sizeof(struct sockaddr_storage) and sends (__copy_msghdr()).
st -- "$H" sendmsg-namelen 203.0.113.1 9 65535
check "sendmsg(), msg_namelen 65535: judged on the clamped address, a leak" \
	out_has "sendmsg\(AF_INET, 203\.0\.113\.1:9\) \[udp, x86_64\]"
check "sendmsg(), msg_namelen 65535: blocked (EPERM)" stdout_has "^sendmsg namelen 65535: EPERM$"
st -- "$H" sendmsg-namelen 203.0.113.1 9 1
check "sendmsg(), msg_namelen 1: no destination, the kernel refuses it (EINVAL)" \
	sh -c "grep -q '^sendmsg namelen 1: EINVAL$' '$tmp/stdout' && ! grep -q '^sockstrace: leak' '$tmp/out'"
check "sendmsg() with odd addresses: nothing reached the sink" sink_got 0

# --- sendmmsg(): no messages, and UIO_MAXIOV of them ------------------------------------
st -- "$H" sendmmsg 203.0.113.1 9 0
check "sendmmsg(), vlen 0: sends nothing, not a leak" \
	sh -c "grep -q '^sendmmsg vlen 0: 0$' '$tmp/stdout' && ! grep -q '^sockstrace: leak' '$tmp/out' && [ $status = 0 ]"
# Each message is a destination, judged and reported on its own: 1024 lines for one call,
# one stack unwound for all of them, and the whole call blocked.
st -- "$H" sendmmsg 203.0.113.1 9 1024
check "sendmmsg(), 1024 messages to a forbidden address: blocked (EPERM)" stdout_has "^sendmmsg vlen 1024: EPERM$"
check "sendmmsg(), 1024 messages: each reported once" leaks_are 1024 "sendmmsg\(AF_INET, 203\.0\.113\.1:9\)"
check "sendmmsg(), 1024 messages: the JSON report has 1024 leaks, exit status 3" \
	sh -c "jq -e -s 'map(select(.event == \"leak\")) | length == 1024' '$tmp/report.jsonl' >/dev/null && [ $status = 3 ]"
check "sendmmsg(), 1024 messages: nothing reached the sink" sink_got 0

# --- addresses at the edge of unmapped memory -------------------------------------------
st -- "$H" page-edge 203.0.113.1 80
check "sockaddr ending where unmapped memory begins: read and judged" \
	out_has "connect\(AF_INET, 203\.0\.113\.1:80\) \[tcp, x86_64\]"
check "sockaddr ending where unmapped memory begins: blocked" stdout_has "^page-edge: ECONNREFUSED$"
st -- "$H" page-edge 127.0.0.1 9050
check "the proxy's sockaddr ending where unmapped memory begins: connects" \
	sh -c "grep -q '^page-edge: 0$' '$tmp/stdout' && ! grep -q '^sockstrace: leak' '$tmp/out'"
st -- "$H" page-straddle 203.0.113.1 80
check "sockaddr running into unmapped memory: an unreadable address, blocked" \
	sh -c "grep -q 'connect(unreadable address)' '$tmp/out' && grep -q '^page-straddle: ECONNREFUSED$' '$tmp/stdout'"
check "addresses at the edge: nothing reached the sink" sink_got 0

# --- tasks that die while stopped -------------------------------------------------------
# A blocking connect (to a listener whose backlog is full, so it never completes) is
# performed by a worker of sockstrace while the task stays stopped; the task then dies.
# (The listener is the program's own: its loopback with the kernel layer, allowed without.)
for layer in --netns=require "--no-netns --allow-loopback"; do
	# shellcheck disable=SC2086
	st $layer -- "$H" kill-emulated
	check "$layer: SIGKILL of a child whose connect sockstrace is performing: it dies" \
		stdout_has "^child: killed by signal 9$"
	check "$layer: SIGKILL during an emulated connect: sockstrace exits 0 at once" \
		sh -c "[ $status = 0 ] && [ $elapsed -le 5 ] && grep -q 'program exited with status 0' '$tmp/out'"
	# shellcheck disable=SC2086
	st $layer -- "$H" exit-emulated
	check "$layer: thread group exit during an emulated connect: sockstrace exits 0 at once" \
		sh -c "grep -q '^exiting with the connect in progress$' '$tmp/stdout' && [ $status = 0 ] && [ $elapsed -le 5 ]"
done

# --- 200 processes x 10 threads leak at once --------------------------------------------
# With their stacks: 2000 unwinds, in 200 address spaces.
st -- "$H" storm 200 10 203.0.113.1 80
check "storm: all 2000 threads started and were refused" \
	stdout_has "^storm: 2000 threads, 2000 refused, 0 other, 0 not started$"
check "storm: 2000 leak lines" leaks_are 2000 "connect\(AF_INET, 203\.0\.113\.1:80\)"
check "storm: each thread reported exactly once" distinct_tids 2000
check "storm: 2000 leaks in the summary" json_true '.[-1].leaks == 2000'
check "storm: exit status 3, in bounded time" sh -c "[ $status = 3 ] && [ $elapsed -le 45 ]"
check "storm: nothing reached the sink" sink_got 0
check "storm: nothing left behind" none_left

# --- a fork bomb bounded to 2,000 processes ---------------------------------------------
st --no-stack -- "$H" fork-bomb 2000 203.0.113.1 80
check "fork bomb: 2000 processes, each connect refused" \
	stdout_has "^fork-bomb: 2000 processes, 2000 refused, 0 other, 0 forks failed$"
check "fork bomb: each process's leak reported exactly once" distinct_tids 2000
check "fork bomb: 2000 leaks in the summary" json_true '.[-1].leaks == 2000'
check "fork bomb: exit status 3, in bounded time" sh -c "[ $status = 3 ] && [ $elapsed -le 45 ]"
check "fork bomb: nothing reached the sink" sink_got 0
check "fork bomb: nothing left behind" none_left

# Orphans: the program exits at once, its descendants a second later. sockstrace waits for
# them all, and meanwhile has reaped the program: no <defunct> child of sockstrace. (The
# orphans go to a subreaper above sockstrace, which reaps them at once; init may take its
# time, and zombies it has yet to reap would look like ones left behind.)
sink_reset
"$H" reaper "$ST" -q --no-stack -o "$tmp/out" -r "$tmp/report.jsonl" -- \
	"$H" fork-bomb 2000 orphans >"$tmp/stdout" 2>"$tmp/stderr" &
reaper=$!
sleep 0.7
stpid=$(pgrep -P "$reaper" -x sockstrace)
check "orphaned fork bomb: sockstrace is still waiting for the orphans" test -n "$stpid"
check "orphaned fork bomb: no <defunct> child of sockstrace" \
	sh -c "[ -n '$stpid' ] && ! ps -o stat= --ppid '$stpid' | grep -q '^Z'"
for _ in $(seq 600); do
	kill -0 "$reaper" 2>/dev/null || break
	sleep 0.1
done
status=0
wait "$reaper" || status=$?
check "orphaned fork bomb: sockstrace exits 0 once the last orphan has" status_is 0
check "orphaned fork bomb: the summary is there" json_true '.[-1].event == "summary"'
check "orphaned fork bomb: nothing left behind" none_left

done_testing
