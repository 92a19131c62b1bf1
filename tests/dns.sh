#!/bin/sh
# DNS leaks over UDP, and the UDP connect() rule: glibc's route probes are not leaks, a
# connect to a resolver or to a non-loopback address is.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
start_proxy

st -- curl -sS --max-time 10 --socks5 127.0.0.1:9050 http://leak.example/
check "curl --socks5 with a hostname: the DNS leak is reported" \
	out_has "^sockstrace: leak blocked: pid [0-9]+( tid [0-9]+)? \(curl\) (connect|sendto|sendmmsg|sendmsg)\(AF_INET, 203\.0\.113\.53:53\) \[udp, x86_64\]$"
check "curl --socks5 with a hostname: no query reached the resolver" sink_got 0
check "curl --socks5 with a hostname: exit status 3" status_is 3

st -- getent hosts leak.example
check "getent hosts of an unknown name: DNS leak reported" \
	out_has "\(getent\) (connect|sendto|sendmmsg|sendmsg)\(AF_INET, 203\.0\.113\.53:53\) \[udp"
check "getent: no query reached the resolver" sink_got 0
check "getent: the report says udp" json_true 'map(select(.event == "leak")) | .[0].transport == "udp"'

st -- "$T/netcall" resolve localhost
check "resolving localhost (getaddrinfo route probes) is not a leak" no_leak
check "resolving localhost succeeds" stdout_has "^resolve: ok$"
check "resolving localhost: the probes were seen" json_true '.[-1].seccomp_stops > 0'

st -- "$T/netcall" udp-connect-send 127.0.0.53 53
check "UDP connect to a loopback DNS stub is a leak" \
	out_has "connect\(AF_INET, 127\.0\.0\.53:53\) \[udp, x86_64\]"
check "UDP connect to a loopback DNS stub: nothing reached it" sink_got 0

st -- "$T/netcall" connect 203.0.113.1 9 udp
check "UDP connect to a non-loopback address (route discovery) is a leak" \
	out_has "connect\(AF_INET, 203\.0\.113\.1:9\) \[udp, x86_64\]"

st --no-netns -- "$T/netcall" udp-connect-send 127.0.0.53 5353
check "UDP connect to loopback, not port 53: not reported" no_leak
check "UDP connect to loopback, not port 53: the connect returns 0" stdout_has "^connect: ok$"
check "UDP connect to loopback, not port 53: the later send fails, unconnected" \
	stdout_has "^send: EDESTADDRREQ$"

st --on-leak log -- "$T/netcall" udp-connect-send 127.0.0.53 53
check "log mode: the DNS query reaches the stub and is reported" sink_got 1 "udp 127.0.0.53 53"
check "log mode: reported as logged" out_has "^sockstrace: leak logged: .*127\.0\.0\.53:53"

done_testing
