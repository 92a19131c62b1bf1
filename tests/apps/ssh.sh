#!/bin/sh
# OpenSSH's client: a direct ssh is a tcp leak, blocked; with a ProxyCommand through the
# SOCKS5 proxy (nc -X 5 -x 127.0.0.1:9050 %h %p) it leaks nothing and reaches the far end.
# No sshd: the far end is the web sink, so ssh fails at the banner exchange either way and
# sockstrace passes its status (255) on.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/apps/apps.sh"
need ssh nc
nc -h 2>&1 | grep -q -- '-X proxy_protocol' || skip_all "nc is not OpenBSD's (netcat-openbsd)"
start_sinks
start_app_proxy
own_home
ssh_to_sink() {
	st -- ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o ConnectTimeout=3 "$@" -p 80 test@203.0.113.1 true
}

ssh_to_sink
check "direct: the connect to 203.0.113.1:80 is reported and blocked" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ \(ssh\) connect\(AF_INET, 203\.0\.113\.1:80\) \[tcp, x86_64\]$"
check_kind "direct: kind tcp" '.port == 80' tcp
check "direct: nothing reached the sink" sink_got 0 "^tcp 203.0.113.1 80$"
check "direct: ssh saw the connection refused; exit status 3" \
	sh -c "grep -q 'Connection refused' '$tmp/stderr' && [ $status = 3 ]"

ssh_to_sink -o "ProxyCommand=nc -X 5 -x 127.0.0.1:9050 %h %p"
check "ProxyCommand: no leak reported" no_leak
check "ProxyCommand: the far end was reached through the proxy" sink_got 1 "^tcp 203.0.113.1 80$"
check "ProxyCommand: ssh's own exit status (255) is passed on" status_is 255

done_testing
