#!/bin/sh
# The kernel layer (the default): the program gets a network namespace of its own with only
# loopback. The allowed connections go out from sockstrace's namespace on sockets handed over
# to the program (SECCOMP_IOCTL_NOTIF_ADDFD); a call the syscall layer does not perform
# finds no route.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
start_proxy

st --netns=require -- curl -sS --max-time 10 --socks5-hostname 127.0.0.1:9050 http://203.0.113.1/
check "curl through the proxy (a socket handed over) fetches the page" stdout_has "hello from sink"
check "curl through the proxy: no leak" no_leak

# The socket handed over keeps what the program set: options, O_NONBLOCK (Python's timeout
# mode), close-on-exec, and its descriptor number.
st --netns=require -- python3 -c '
import os, socket
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
s.settimeout(5)
fd = s.fileno()
s.connect(("127.0.0.1", 9050))
print("peer", s.getpeername()[1], "fd", s.fileno() == fd,
      "nodelay", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
      "keepalive", s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
      "rcvbuf", s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
      "inheritable", os.get_inheritable(fd))'
check "a socket handed over: connected to the proxy, same fd, options, close-on-exec" \
	stdout_has "^peer 9050 fd True nodelay 1 keepalive 1 rcvbuf 65536 inheritable False$"

# A namespace's buffer sizes come from its own sysctls: in this test's namespace they differ
# from the program's (a new one starts from the host's), and an untouched buffer size must not
# look set (setting it would lock the buffer, no autotuning).
sysctl -qw net.ipv4.tcp_wmem="4096 65536 4194304"
sndbuf() { python3 -c 'import socket; print(socket.socket().getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))'; }
here=$(sndbuf)
st --netns=require -- python3 -c '
import socket
s = socket.socket()
print("theirs", s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))
s.connect(("127.0.0.1", 9050))
print("handed", s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))'
check "an untouched send buffer differs between the namespaces (the test's premise)" \
	sh -c "! grep -q '^theirs $here$' '$tmp/stdout'"
check "an untouched send buffer is not carried over (locked, it would stay the program's)" \
	sh -c "[ \"\$(sed -n 's/^handed //p' '$tmp/stdout')\" -ge $here ] &&
		[ \"\$(sed -n 's/^handed //p' '$tmp/stdout')\" != \"\$(sed -n 's/^theirs //p' '$tmp/stdout')\" ]"
sysctl -qw net.ipv4.tcp_wmem="4096 16384 4194304"

st --netns=require -- ip -o addr show
check "the program sees only loopback" sh -c "! grep -v ' lo ' '$tmp/stdout' | grep -q inet"
check "the JSON summary says the namespace was there" json_true '.[-1].event == "summary" and .[-1].netns == true'
st --no-netns -- true
check "--no-netns: the JSON summary says it was not" json_true '.[-1].netns == false'

# Log mode: a reported leak is let through, from sockstrace's namespace.
st --netns=require --on-leak log -- "$T/netcall" connect 203.0.113.1 80
check "log mode: the leak is reported" out_has "^sockstrace: leak logged: .*connect\(AF_INET, 203\.0\.113\.1:80\)"
check "log mode: the connect is performed outside" stdout_has "^connect: ok$"
check "log mode: the sink saw it" sink_got 1 "tcp 203.0.113.1 80"

# An allowed datagram to an allow rule leaves from a socket handed over; the answer comes
# back to the program on the same descriptor.
st --netns=require --allow 203.0.113.1:9 -- "$T/netcall" sendto 203.0.113.1 9
check "an allowed UDP send (a socket handed over): no leak" no_leak
check "an allowed UDP send reached the sink" sink_got 1 "udp 203.0.113.1 9"

printf 'netns = "require";\non_leak = "log";\n' >"$tmp/netns.conf"
st -c "$tmp/netns.conf" -- ip -o link show
check 'netns = "require" in the configuration file' sh -c "! grep -v ': lo:' '$tmp/stdout' | grep -q ': '"
printf 'netns = false;\n' >"$tmp/off.conf"
st -c "$tmp/off.conf" -- ip -o link show
check "netns = false: the program shares the host's namespace" grep -q ': lo:' "$tmp/stdout"

# Where the system refuses a network namespace: one line, then the syscall layer alone;
# --netns=require makes it an error. (A user namespace of the test's whose limit on network
# namespaces is 0.)
if unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_net_namespaces' 2>/dev/null; then
	status=0
	unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_net_namespaces && exec "$0" "$@"' \
		"$ST_BIN" -o "$tmp/out" -- "$T/netcall" connect 203.0.113.1 80 >"$tmp/stdout" 2>&1 ||
		status=$?
	check "no namespace to be had: one line says so" \
		sh -c "[ \$(grep -c 'no network namespace for the program here' '$tmp/out') = 1 ]"
	check "no namespace to be had: the syscall layer still blocks the leak" \
		sh -c "grep -q '^sockstrace: leak blocked: ' '$tmp/out' && [ $status = 3 ]"
	status=0
	unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_net_namespaces && exec "$0" "$@"' \
		"$ST" --netns=require -- true >"$tmp/stdout" 2>"$tmp/out" || status=$?
	check "--netns=require where there is none: an error naming the cause" \
		out_has "^sockstrace: cannot set up the namespaces for 'true': "
	check "--netns=require where there is none: exit status 125" status_is 125
	status=0
	unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_net_namespaces && exec "$0" "$@"' \
		"$ST" -o "$tmp/out" --no-netns -- true >"$tmp/stdout" 2>&1 || status=$?
	check "--no-netns: no line about it" sh -c "! grep -q 'network namespace' '$tmp/out'"
else
	for _ in 1 2 3 4 5; do skip "no user namespace with a limit of its own here"; done
fi

if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] &&
	setpriv --reuid 65534 --regid 65534 --clear-groups test -x "$ST"; then
	sink_reset
	status=0
	setpriv --reuid 65534 --regid 65534 --clear-groups "$ST" --netns=require \
		-- curl -sS --max-time 10 --socks5-hostname 127.0.0.1:9050 http://203.0.113.1/ \
		>"$tmp/stdout" 2>"$tmp/out" || status=$?
	check "as an unprivileged user (a user namespace): curl through the proxy works" \
		stdout_has "hello from sink"
	status=0
	setpriv --reuid 65534 --regid 65534 --clear-groups "$ST" --netns=require \
		-- ip -o link show >"$tmp/stdout" 2>"$tmp/out" || status=$?
	check "as an unprivileged user: the program sees only loopback" \
		sh -c "! grep -v ': lo:' '$tmp/stdout' | grep -q ': '"
	# The hole on purpose (escape.sh): io_uring's connect, unseen by the syscall layer.
	sink_reset
	setpriv --reuid 65534 --regid 65534 --clear-groups "$ST" --netns=require --allow-io-uring \
		-- "$T/escape" io_uring-connect 203.0.113.1 80 >"$tmp/stdout" 2>"$tmp/out" || :
	check "as an unprivileged user: an io_uring connect finds no route" \
		stdout_has "^io_uring connect: ENETUNREACH$"
	check "as an unprivileged user: the io_uring connect reached nothing" sink_got 0
else
	for _ in 1 2 3 4; do skip "not root, or the build tree is not readable by nobody"; done
fi

done_testing
