#!/bin/sh
# Java 17 with -DsocksProxyHost=127.0.0.1 -DsocksProxyPort=9050: java.net.Socket honours
# it (clean), java.net.http.HttpClient ignores it and connects directly (a tcp leak, from
# an IPv6 socket to the IPv4-mapped address).
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/apps/apps.sh"
need java
start_sinks
start_app_proxy
own_home
java_run() {
	st -- java -DsocksProxyHost=127.0.0.1 -DsocksProxyPort=9050 \
		"$top_srcdir/tests/apps/JavaClients.java" "$1"
}

java_run socket
check "java.net.Socket: java exits 0" status_is 0
check "java.net.Socket: no leak reported" no_leak
check "java.net.Socket: the page came through the proxy, output unchanged" \
	sh -c "[ \"\$(cat '$tmp/stdout')\" = 'socket: hello from sink' ]"

java_run httpclient
check "HttpClient: the direct connect is reported and blocked" \
	some_leak '.syscall == "connect" and .address == "203.0.113.1" and .port == 80 and .action == "blocked"'
check "HttpClient: the human leak line, with the socket's family and the mapped address" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ tid [0-9]+ \(java\) connect\(AF_INET6, \[::ffff:203\.0\.113\.1\]:80 \(IPv4-mapped\)\) \[tcp, x86_64\]$"
check_kind "HttpClient: kind tcp" '.port == 80' tcp
check "HttpClient: nothing reached the sink" sink_got 0 "^tcp 203.0.113.1 80$"
check "HttpClient: java saw the connection refused" stdout_has "^httpclient: java.net.ConnectException$"
check "HttpClient: no other leak" no_leak_but '.port == 80'
check "HttpClient: exit status 3" status_is 3

done_testing
