#!/bin/sh
# Inbound exposure: a program that listens on an address outside loopback, or binds a UDP
# port of its own there, can be reached from the network around the proxy (an onion service
# bound to every interface, a BitTorrent client taking peers). Reported as kind "inbound",
# blocked (EACCES) by default, allowed by --allow-listen; loopback and ephemeral client
# ports are fine.
. "${top_srcdir:-.}/tests/lib.sh"
N=$T/netcall

st -- "$N" listen 127.0.0.1 8080
check "listen on loopback: fine" no_leak
check "listen on loopback: it listens" stdout_has "^listen: ok$"

st -- "$N" listen 0.0.0.0 8080
check "listen on 0.0.0.0: reported as inbound, every interface" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ \(netcall\) listen\(AF_INET, 0\.0\.0\.0:8080\) \[tcp, x86_64\]"
check "listen on 0.0.0.0: blocked (EACCES)" stdout_has "^listen: EACCES$"
check "listen on 0.0.0.0: kind inbound in the JSON" \
	json_true 'any(.[]; .event == "leak" and .kind == "inbound" and .syscall == "listen" and .address == "0.0.0.0" and .port == 8080)'
check "listen on 0.0.0.0: exit status 3" status_is 3

# While the program runs, nothing may be listening on the namespace's "internet" address.
# (Without the kernel layer: in the program's own namespace 203.0.113.1 is no address to bind.)
"$ST" -q -o "$tmp/out2" --no-netns -- "$N" listen 203.0.113.1 8081 >"$tmp/stdout2" 2>&1 &
stpid=$!
sleep 0.5
check "listen on 203.0.113.1: nobody can connect to it" \
	sh -c "'$N' connect 203.0.113.1 8081 | grep -q '^connect: ECONNREFUSED$'"
wait "$stpid"
check "listen on 203.0.113.1: reported" grep -q "listen(AF_INET, 203\.0\.113\.1:8081)" "$tmp/out2"

st -- "$N" listen :: 8080
check "listen on [::]: reported" out_has "listen\(AF_INET6, \[::\]:8080\) \[tcp, x86_64\]"

st -- "$N" listen-unbound 0.0.0.0 0
check "listen on an unbound socket (every interface, the kernel's port): reported" \
	json_true 'any(.[]; .event == "leak" and .kind == "inbound" and .syscall == "listen")'

st --allow-listen 0.0.0.0:8080 -- "$N" listen 0.0.0.0 8080
check "--allow-listen 0.0.0.0:8080: no leak" no_leak
check "--allow-listen 0.0.0.0:8080: it listens" stdout_has "^listen: ok$"

st --on-leak log -- "$N" listen 0.0.0.0 8080
check "log mode: reported as logged" out_has "^sockstrace: leak logged: .*listen\(AF_INET, 0\.0\.0\.0:8080\)"
check "log mode: it listens" stdout_has "^listen: ok$"

st -- "$N" udp-bind 0.0.0.0 6881
check "UDP bind to port 6881 on every interface: reported" \
	out_has "^sockstrace: leak blocked: .*bind\(AF_INET, 0\.0\.0\.0:6881\) \[udp, x86_64\]"
check "UDP bind to port 6881: blocked" stdout_has "^bind: EACCES$"
st -- "$N" udp-bind 0.0.0.0 0
check "UDP bind to port 0 (a client's): fine" no_leak
st -- "$N" udp-bind 127.0.0.1 6881
check "UDP bind on loopback: fine" no_leak

done_testing
