#!/bin/sh
# Escape class: calls whose socket or address a tracer could lose sight of between its check
# and the kernel's use. Each is either performed by sockstrace with its own copy or answered
# with an error; none is let through to run as it is. A flipper thread rewrites the
# destination all the time: with the protection off, some datagrams reach the forbidden
# sink (203.0.113.1:80); with it, none may.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
F=$T/fdrace

for mode in leader-exit unshared; do
	st --no-stack -q -a 203.0.113.1:9 -- "$F" "$mode" 203.0.113.1 9 203.0.113.1 80 10000
	check "$mode: the race ran" stdout_has "^fdrace: [0-9]+ of 10000 sends went through$"
	check "$mode: allowed datagrams were delivered" \
		sh -c "[ \$(grep -c 'udp 203.0.113.1 9' '$tmp/sink.log') -gt 0 ]"
	check "$mode: none reached the forbidden sink" sink_got 0 "203.0.113.1 80"
done

# msg_name NULL when sockstrace reads it, the forbidden address when the kernel would.
st --no-stack -q -a 203.0.113.1:9 -- "$F" null-name 203.0.113.1 9 203.0.113.1 80 10000
check "null-name: the race ran" stdout_has "^fdrace: [0-9]+ of 10000 sends went through$"
check "null-name: none reached the forbidden sink" sink_got 0 "203.0.113.1 80"

done_testing
