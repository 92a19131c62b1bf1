#!/bin/sh
# Node.js: a TCP connection through the SOCKS5 proxy (the handshake written out in the
# script) leaks nothing; dns.resolve4() asks the resolver of /etc/resolv.conf directly
# (c-ares, UDP), and so does dns.lookup() (getaddrinfo() in libuv's thread pool): dns
# leaks, blocked, whatever proxy the program's own connections use.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/apps/apps.sh"
need node
start_sinks
start_app_proxy

st -- node -e '
const net = require("net");
const s = net.connect(9050, "127.0.0.1");
let step = 0, buf = Buffer.alloc(0), body = "";
s.on("connect", () => s.write(Buffer.from([5, 1, 0])));
s.on("data", (d) => {
	if (step === 2) { body += d; return; }
	buf = Buffer.concat([buf, d]);
	if (step === 0 && buf.length >= 2) {
		buf = buf.subarray(2); step = 1;
		s.write(Buffer.from([5, 1, 0, 1, 203, 0, 113, 1, 0, 80]));
	}
	if (step === 1 && buf.length >= 10) {
		if (buf[1] !== 0) { console.log("socks error " + buf[1]); process.exit(1); }
		step = 2; s.write("GET / HTTP/1.0\r\n\r\n");
	}
});
s.on("end", () => console.log(body.split("\r\n\r\n")[1].trim()));'
check "clean: node exits 0" status_is 0
check "clean: no leak reported" no_leak
check "clean: the page came through the proxy, output unchanged" sh -c "[ \"\$(cat '$tmp/stdout')\" = 'hello from sink' ]"

st -- node -e 'require("dns").resolve4("leak.example", (e, a) => console.log(e ? "resolve4: " + e.code : "resolve4: " + a))'
check "dns.resolve4: the query to the resolver is reported and blocked" \
	some_leak '.address == "203.0.113.53" and .port == 53 and .transport == "udp" and .action == "blocked"'
check "dns.resolve4: the human leak line" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ \(node\) connect\(AF_INET, 203\.0\.113\.53:53\) \[udp, x86_64\]$"
check_kind "dns.resolve4: kind dns" '.port == 53' dns
check "dns.resolve4: no query reached the resolver" sink_got 0 "^udp 203.0.113.53 53$"
check "dns.resolve4: node saw it refused" stdout_has "^resolve4: ECONNREFUSED$"
check "dns.resolve4: no other leak" no_leak_but '.port == 53'
check "dns.resolve4: exit status 3" status_is 3

st -- node -e 'require("dns").lookup("leak.example", (e, a) => console.log(e ? "lookup: " + e.code : "lookup: " + a))'
check "dns.lookup: the query to the resolver is reported and blocked" \
	some_leak '.address == "203.0.113.53" and .port == 53 and .action == "blocked"'
check_kind "dns.lookup: kind dns" '.port == 53' dns
check "dns.lookup: no query reached the resolver" sink_got 0 "^udp 203.0.113.53 53$"
check "dns.lookup: node saw the look-up fail" stdout_has "^lookup: EAI_AGAIN$"

done_testing
