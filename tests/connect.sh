#!/bin/sh
# TCP connect(): clean traffic through the proxy, and direct connects that leak, from
# curl and from helpers (IPv6, IPv4-mapped IPv6, raw syscall, static binary).
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
start_proxy

st -- curl -sS --max-time 10 --socks5-hostname 127.0.0.1:9050 http://203.0.113.1/
check "curl through the proxy fetches the page" stdout_has "hello from sink"
check "curl through the proxy: no leak reported" no_leak
check "curl through the proxy: the program's exit status 0" status_is 0
check "curl through the proxy: the summary says no leaks" out_has "^sockstrace: no leaks; program exited with status 0$"

st -- curl -sS --max-time 10 http://203.0.113.1/
check "direct curl: leak reported with pid, comm, syscall and address" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ \(curl\) connect\(AF_INET, 203\.0\.113\.1:80\) \[tcp, x86_64\]$"
check "direct curl: nothing reached the sink" sink_got 0
check "direct curl: exit status is the leak exit code" status_is 3
check "direct curl: curl saw the connect refused" grep -q "Failed to connect\|Couldn't connect" "$tmp/stderr"

st -- "$T/netcall" connect 2001:db8::1 80
check "IPv6 connect: leak reported" out_has "connect\(AF_INET6, \[2001:db8::1\]:80\)"
check "IPv6 connect: blocked with ECONNREFUSED" stdout_has "^connect: ECONNREFUSED$"
check "IPv6 connect: nothing reached the sink" sink_got 0

st -- "$T/netcall" connect ::ffff:203.0.113.1 80
check "IPv4-mapped IPv6 connect: judged as the IPv4 address" \
	out_has "connect\(AF_INET6, \[::ffff:203\.0\.113\.1\]:80 \(IPv4-mapped\)\)"
check "IPv4-mapped IPv6 connect: nothing reached the sink" sink_got 0

st -- "$T/netcall" connect ::ffff:127.0.0.1 9050
check "IPv4-mapped IPv6 connect to the proxy is allowed" stdout_has "^connect: ok$"
check "IPv4-mapped IPv6 connect to the proxy: no leak" no_leak

st -- "$T/netcall" raw-connect 203.0.113.1 80
check "raw syscall(SYS_connect): leak reported" out_has "connect\(AF_INET, 203\.0\.113\.1:80\)"
check "raw syscall(SYS_connect): nothing reached the sink" sink_got 0

st -- "$T/netcall-static" connect 203.0.113.1 80
check "static binary: leak reported" out_has "\(netcall-static\) connect\(AF_INET, 203\.0\.113\.1:80\)"
check "static binary: nothing reached the sink" sink_got 0

st --allow 203.0.113.1:80 -- "$T/netcall" connect 203.0.113.1 80
check "--allow ADDR:PORT lets the connect through" stdout_has "^connect: ok$"
check "--allow: the sink saw it" sink_got 1 "tcp 203.0.113.1 80"
check "--allow: no leak reported" no_leak

st --allow-loopback -- "$T/netcall" connect 127.0.0.1 1
check "--allow-loopback: a loopback connect is not a leak" no_leak

st --no-netns -- "$T/netcall" connect 127.0.0.1 1
check "--no-netns: loopback is a leak by default" out_has "connect\(AF_INET, 127\.0\.0\.1:1\)"

# The kernel layer: loopback in the program's namespace is the program's own (a test
# suite's local server), and the host's loopback service on the same port gets nothing.
start_sink host 127.0.0.1 8081
: >"$tmp/own.log"
st --netns=require -- sh -c '"$0" "$1" 127.0.0.1 8081 >/dev/null & p=$!; sleep 0.5
	"$2" connect 127.0.0.1 8081; sleep 0.3; kill $p' "$T/sink" "$tmp/own.log" "$T/netcall"
check "the program's own loopback server: connected" stdout_has "^connect: ok$"
check "the program's own loopback server: no leak" no_leak
check "the program's own loopback server got the connection" grep -q "tcp 127.0.0.1 8081" "$tmp/own.log"
check "the host's loopback service on that port got nothing" test ! -s "$tmp/host.log"
st --netns=require -- "$T/netcall" connect 127.0.0.1 9050
check "the proxy's loopback port is the host's: connected through to it" stdout_has "^connect: ok$"

done_testing
