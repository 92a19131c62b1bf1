#!/bin/sh
# --netns: the program gets a network namespace of its own with only loopback, where the
# proxies are relayed; a leak that the tracer lets through (log mode) still reaches nothing.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
start_proxy

st --netns -- curl -sS --max-time 10 --socks5-hostname 127.0.0.1:9050 http://203.0.113.1/
check "--netns: curl through the relayed proxy fetches the page" stdout_has "hello from sink"
check "--netns: no leak" no_leak

st --netns --on-leak log -- "$T/netcall" connect 203.0.113.1 80
check "--netns, log mode: the leak is reported" out_has "^sockstrace: leak logged: .*connect\(AF_INET, 203\.0\.113\.1:80\)"
check "--netns, log mode: the kernel has no route for it" stdout_has "^connect: ENETUNREACH$"
check "--netns, log mode: nothing reached the sink" sink_got 0

st --netns --on-leak log -- "$T/netcall" sendto 203.0.113.53 53
check "--netns, log mode: a UDP leak reaches nothing either" sink_got 0

st --netns -- ip -o addr show
check "--netns: the program sees only loopback" sh -c "! grep -v ' lo ' '$tmp/stdout' | grep -q inet"

printf 'netns = true;\non_leak = "log";\n' >"$tmp/netns.conf"
st -c "$tmp/netns.conf" -- "$T/netcall" connect 203.0.113.1 80
check "netns = true in the configuration file" stdout_has "^connect: ENETUNREACH$"

if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] &&
	setpriv --reuid 65534 --regid 65534 --clear-groups test -x "$ST"; then
	sink_reset
	status=0
	setpriv --reuid 65534 --regid 65534 --clear-groups "$ST" --netns --on-leak log \
		-- "$T/netcall" connect 203.0.113.1 80 >"$tmp/stdout" 2>"$tmp/out" || status=$?
	check "--netns as an unprivileged user (a user namespace): the leak is reported" \
		out_has "leak logged: .*203\.0\.113\.1:80"
	check "--netns as an unprivileged user: nothing reached the sink" sink_got 0
else
	skip "not root, or the build tree is not readable by nobody"
	skip "not root, or the build tree is not readable by nobody"
fi

done_testing
