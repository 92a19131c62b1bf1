#!/bin/sh
# Destinations as the kernel sees them: 0.0.0.0, :: and ::ffff:0.0.0.0 are this host
# (127.0.0.1 or ::1), so 0.0.0.0:9050 is the proxy and 0.0.0.0:80 is loopback port 80; an
# IPv4-mapped address is reported with the family the program used.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
start_proxy
microsocks -i ::1 -p 9050 >/dev/null 2>&1 &
pids="$pids $!"
# Loopback port 80, where the kernel sends a connect to 0.0.0.0:80 or [::]:80.
start_sink lo 127.0.0.1 80 ::1 80
for _ in $(seq 50); do
	"$T/netcall" connect ::1 9050 >/dev/null 2>&1 && break
	sleep 0.1
done
lo_hits() {
	sleep 0.3
	[ "$(grep -c . "$tmp/lo.log")" = "$1" ] || { echo "# loopback sink log:"; sed 's/^/#   /' "$tmp/lo.log"; false; }
}

st -- curl -sS --max-time 10 --socks5-hostname 0.0.0.0:9050 http://203.0.113.1/
check "curl with the proxy at 0.0.0.0:9050 fetches the page through it" stdout_has "hello from sink"
check "proxy at 0.0.0.0:9050: no leak reported" no_leak
check "proxy at 0.0.0.0:9050: exit status 0" status_is 0

st -- "$T/netcall" connect :: 9050
check "connect to [::]:9050 reaches the proxy on ::1" stdout_has "^connect: ok$"
check "connect to [::]:9050: no leak" no_leak

st -- "$T/netcall" connect ::ffff:0.0.0.0 9050
check "connect to [::ffff:0.0.0.0]:9050 reaches the proxy on 127.0.0.1" stdout_has "^connect: ok$"
check "connect to [::ffff:0.0.0.0]:9050: no leak" no_leak

: >"$tmp/lo.log"
st --no-netns -- "$T/netcall" connect 0.0.0.0 80
check "connect to 0.0.0.0:80: a leak, as written and as the kernel sees it" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ \(netcall\) connect\(AF_INET, 0\.0\.0\.0:80 \(this host: 127\.0\.0\.1\)\) \[tcp, x86_64\]$"
check "connect to 0.0.0.0:80: blocked (ECONNREFUSED), exit status 3" \
	sh -c "grep -q '^connect: ECONNREFUSED$' '$tmp/stdout' && [ $status = 3 ]"
check "connect to 0.0.0.0:80: the JSON address is the loopback one judged" \
	json_true 'map(select(.event == "leak"))[0] | .family == "AF_INET" and .address == "127.0.0.1" and .port == 80'
check "connect to 0.0.0.0:80: nothing reached loopback port 80" lo_hits 0

st --allow-loopback -- "$T/netcall" connect 0.0.0.0 80
check "--allow-loopback: connect to 0.0.0.0:80 is allowed like 127.0.0.1:80" stdout_has "^connect: ok$"
check "--allow-loopback: 0.0.0.0:80 is no leak" no_leak
check "--allow-loopback: the connect reached loopback port 80" lo_hits 1

: >"$tmp/lo.log"
st --no-netns -- "$T/netcall" connect :: 80
check "connect to [::]:80: a leak, as the kernel sees it" \
	out_has "connect\(AF_INET6, \[::\]:80 \(this host: ::1\)\)"
check "connect to [::]:80: nothing reached loopback port 80" lo_hits 0

# With the kernel layer, this host is the program's own namespace: its loopback port 80.
: >"$tmp/lo.log"
st --netns=require -- "$T/netcall" connect 0.0.0.0 80
check "the kernel layer: 0.0.0.0:80 is the program's own loopback, no leak" no_leak
check "the kernel layer: 0.0.0.0:80 reached nobody (nothing listens there)" \
	stdout_has "^connect: ECONNREFUSED$"
check "the kernel layer: nothing reached the host's loopback port 80" lo_hits 0

st -- "$T/netcall" connect ::ffff:203.0.113.1 80
check "IPv4-mapped connect: reported with the family and address the program used" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ \(netcall\) connect\(AF_INET6, \[::ffff:203\.0\.113\.1\]:80 \(IPv4-mapped\)\) \[tcp, x86_64\]$"
check "IPv4-mapped connect: the JSON keeps the IPv4 address judged" \
	json_true 'map(select(.event == "leak"))[0] | .family == "AF_INET" and .address == "203.0.113.1" and .port == 80'
check "IPv4-mapped connect: nothing reached the sink" sink_got 0

done_testing
