#!/bin/sh
# UDP route probes: a UDP connect sends nothing, but tells the program the route. To loopback
# (glibc's getaddrinfo sorting) it is not reported; elsewhere it is a leak of its own kind,
# or, with --route-probes report, reported without failing the run. In every mode the socket
# is left unconnected, so a send() after the probe reaches nothing (log mode included).
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
# A loopback service the policy does not allow, for the probe-then-send case.
start_sink lo 127.0.0.1 9

st -- "$T/netcall" connect 2001:db8::1 443 udp
check "probe: reported as a leak by default" \
	out_has "^sockstrace: leak blocked: .*connect\(AF_INET6, \[2001:db8::1\]:443\) \[udp, x86_64\] \(route probe, no data sent\)"
check "probe: kind route-probe in the JSON" \
	json_true 'any(.[]; .event == "leak" and .kind == "route-probe" and .port == 443)'
check "probe: counted (exit status 3)" status_is 3

st --route-probes report -- "$T/netcall" connect 2001:db8::1 443 udp
check "--route-probes report: said, as no leak" \
	out_has "^sockstrace: route probe neutralised \(not counted\): .*connect\(AF_INET6, \[2001:db8::1\]:443\)"
check "--route-probes report: a probe event in the JSON, no leak event" \
	json_true 'any(.[]; .event == "probe" and .kind == "route-probe") and all(.[]; .event != "leak")'
check "--route-probes report: the summary counts it apart" \
	out_has "^sockstrace: no leaks; 1 route probe neutralised \(not counted\); program exited with status 0$"
check "--route-probes report: the program's own status" status_is 0
check "--route-probes report: JSON summary" json_true '.[-1].route_probes == 1 and .[-1].leaks == 0'

# Probe, then send on the same socket, with --on-leak log: the probe is neutralised all the
# same, so the send has no destination and nothing reaches the loopback service.
: >"$tmp/lo.log"
st --no-netns --on-leak log -- "$T/netcall" udp-connect-send 127.0.0.1 9
check "log mode: the probe's send fails (EDESTADDRREQ)" stdout_has "EDESTADDRREQ"
sleep 0.3
check "log mode: nothing reached the loopback service" test ! -s "$tmp/lo.log"

done_testing
