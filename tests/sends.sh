#!/bin/sh
# Datagrams with a destination: sendto, sendmsg with msg_name, sendmmsg (mixed
# destinations), sendto to an AF_UNSPEC address; sends without one never stop.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks

st -- "$T/netcall" sendto 203.0.113.1 9
check "sendto: leak reported" out_has "sendto\(AF_INET, 203\.0\.113\.1:9\) \[udp, x86_64\]"
check "sendto: blocked with EPERM" stdout_has "^sendto: EPERM$"
check "sendto: nothing reached the sink" sink_got 0

st -- "$T/netcall" sendmsg 2001:db8::1 80
check "sendmsg with msg_name: leak reported" out_has "sendmsg\(AF_INET6, \[2001:db8::1\]:80\)"
check "sendmsg: nothing reached the sink" sink_got 0

st --allow 203.0.113.1:80 -- "$T/netcall" sendmmsg 203.0.113.1 80 203.0.113.1 9
check "sendmmsg, one allowed and one forbidden: the forbidden one is reported" \
	out_has "sendmmsg\(AF_INET, 203\.0\.113\.1:9\)"
check "sendmmsg: the allowed one is not reported" out_lacks "sendmmsg\(AF_INET, 203\.0\.113\.1:80\)"
check "sendmmsg: the whole call is blocked, nothing reached the sinks" sink_got 0

st --allow 203.0.113.1:80 -- "$T/netcall" sendmmsg 203.0.113.1 80 203.0.113.1 80
check "sendmmsg, all allowed: sent" sink_got 2 "udp 203.0.113.1 80"
check "sendmmsg, all allowed: no leak" no_leak

st -- "$T/netcall" sendto-unspec 203.0.113.1 9
check "sendto to an AF_UNSPEC address is judged as AF_INET" out_has "sendto\(AF_INET, 203\.0\.113\.1:9\)"
check "sendto AF_UNSPEC: nothing reached the sink" sink_got 0

st --allow 203.0.113.1:9 -- "$T/netcall" udp-connect-send 203.0.113.1 9
check "send() on an allowed connected socket: delivered" sink_got 1 "udp 203.0.113.1 9"
check "send() without an address never stops: one stop for the connect" \
	json_true '.[-1].seccomp_stops == 1'

done_testing
