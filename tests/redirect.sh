#!/bin/sh
# Redirect mode: a leaking TCP connect goes through the proxy. Real proxies: microsocks
# (with and without authentication) and tests/socks-peer.py, a recording SOCKS5 / HTTP
# CONNECT peer that shows which credentials each connection carried.
. "${top_srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
start_sinks
command -v microsocks >/dev/null || skip_all "microsocks is not installed"
microsocks -i 127.0.0.1 -p 9050 2>"$tmp/microsocks.log" >/dev/null &
pids="$pids $!"
microsocks -i 127.0.0.1 -p 9051 -u alice -P secret >/dev/null 2>&1 &
pids="$pids $!"
: >"$tmp/peer.log"
python3 "$top_srcdir/tests/socks-peer.py" "$tmp/peer.log" 9150 >"$tmp/peer.ready" &
pids="$pids $!"
python3 "$top_srcdir/tests/socks-peer.py" "$tmp/peer.log" 9160 --http >"$tmp/http.ready" &
pids="$pids $!"
for port in 9050 9051 9150 9160; do
	for _ in $(seq 50); do
		"$T/netcall" connect 127.0.0.1 $port >/dev/null 2>&1 && break
		sleep 0.1
	done
done
: >"$tmp/peer.log"
peer_has() {
	grep -Eq -- "$1" "$tmp/peer.log" || { echo "# peer log:"; sed 's/^/#   /' "$tmp/peer.log"; false; }
}
peer_reset() {
	: >"$tmp/peer.log"
}

st --on-leak redirect -- curl -sS --max-time 10 http://203.0.113.1/
check "curl direct: the page is fetched" stdout_has "hello from sink"
check "curl direct: reported as redirected" \
	out_has "^sockstrace: leak redirected: pid [0-9]+ \(curl\) connect\(AF_INET, 203\.0\.113\.1:80\) \[tcp, x86_64\]$"
check "curl direct: the proxy made the connection" grep -q "connected to 203.0.113.1:80" "$tmp/microsocks.log"
check "curl direct: the sink saw one connection (the proxy's)" sink_got 1 "tcp 203.0.113.1 80"
check "curl direct: the leak exit code" status_is 3
check "the summary counts it" out_has "1 leak \(0 blocked, 0 killed, 0 logged, 1 redirected\)"
check "the JSON report says redirected" json_true 'map(select(.event == "leak")) | .[0].action == "redirected"'

st --on-leak redirect -- "$T/netcall" connect 203.0.113.1 1
check "a refused destination: ECONNREFUSED, as a direct connect gives" stdout_has "^connect: ECONNREFUSED$"

st --on-leak redirect -- "$T/netcall" connect 2001:db8::1 80
check "an IPv6 socket reaches the IPv4 proxy (mapped)" stdout_has "^connect: ok$"
check "IPv6: the proxy connected to the destination" grep -q "connected to 2001:db8::1:80" "$tmp/microsocks.log"

# (No stack: the sink answers only a request that comes within 1 s of its accept, and
# naming a deep libpython stack on a loaded machine can take longer.)
st --on-leak redirect --no-stack -- python3 -c '
import asyncio
async def main():
    r, w = await asyncio.open_connection("203.0.113.1", 80)
    w.write(b"GET / HTTP/1.0\r\n\r\n")
    print(repr(await r.read()))
asyncio.run(main())'
check "a non-blocking connect (Python asyncio) works through the proxy" stdout_has "hello from sink"

st --on-leak redirect -- "$T/netcall" sendto 203.0.113.1 9
check "UDP cannot go through the proxy: blocked" out_has "^sockstrace: leak blocked: .*sendto\(AF_INET, 203\.0\.113\.1:9\)"
check "UDP: the report says why" json_true 'map(select(.event == "leak")) | .[0].rule == "only a TCP connect can go through the proxy"'
check "UDP: nothing reached the sink" sink_got 0

# Stream isolation: curl fetching two URLs makes two connections in one process.
two="http://203.0.113.1/ http://203.0.113.1/"
peer_reset
st --on-leak redirect -P socks5://127.0.0.1:9150 -- curl -sS --max-time 10 $two
check "isolation per connection: both connections authenticated" \
	test "$(grep -c '^auth sockstrace-' "$tmp/peer.log")" = 2
check "isolation per connection: with different credentials" \
	test "$(grep '^auth ' "$tmp/peer.log" | sort -u | wc -l)" = 2
peer_reset
st --on-leak redirect --isolate process -P socks5://127.0.0.1:9150 -- curl -sS --max-time 10 $two
check "isolation per process: one process, the same credentials twice" \
	sh -c "[ \$(grep -c '^auth ' '$tmp/peer.log') = 2 ] && [ \$(grep '^auth ' '$tmp/peer.log' | sort -u | wc -l) = 1 ]"
peer_reset
st --on-leak redirect --isolate process -P socks5://127.0.0.1:9150 -- \
	sh -c "'$T/netcall' connect 203.0.113.1 80; '$T/netcall' connect 203.0.113.1 80"
check "isolation per process: two processes, different credentials" \
	test "$(grep '^auth ' "$tmp/peer.log" | sort -u | wc -l)" = 2
peer_reset
st --on-leak redirect --isolate none -P socks5://127.0.0.1:9150 -- curl -sS --max-time 10 http://203.0.113.1/
check "isolation none: no credentials" sh -c "grep -q '^noauth$' '$tmp/peer.log' && ! grep -q '^auth' '$tmp/peer.log'"
peer_reset
st --on-leak redirect --proxy-user bob --proxy-pass hunter2 -P socks5://127.0.0.1:9150 -- \
	curl -sS --max-time 10 http://203.0.113.1/
check "fixed credentials are sent" peer_has "^auth bob hunter2$"
check "the proxy was asked for the original destination" peer_has "^connect 203\.0\.113\.1 80$"

st --on-leak redirect --proxy-user alice --proxy-pass secret -P socks5://127.0.0.1:9051 -- \
	curl -sS --max-time 10 http://203.0.113.1/
check "microsocks with authentication: the right credentials get through" stdout_has "hello from sink"
st --on-leak redirect --proxy-user alice --proxy-pass wrong -P socks5://127.0.0.1:9051 -- \
	"$T/netcall" connect 203.0.113.1 80
check "microsocks with authentication: wrong credentials fail with EACCES" stdout_has "^connect: EACCES$"
check "wrong credentials: nothing reached the sink" sink_got 0

peer_reset
st --on-leak redirect --proxy-user carol --proxy-pass pw -P http://127.0.0.1:9160 -- \
	curl -sS --max-time 10 http://203.0.113.1/
check "HTTP CONNECT proxy: the page is fetched" stdout_has "hello from sink"
check "HTTP CONNECT proxy: asked for the destination with Basic auth" peer_has "^http-connect 203\.0\.113\.1:80 carol:pw$"

# Dante, a second SOCKS5 implementation.
if command -v danted >/dev/null; then
	cat >"$tmp/danted.conf" <<EOC
logoutput: $tmp/danted.log
internal: 127.0.0.1 port = 1081
external: lo
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect }
socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect }
EOC
	danted -f "$tmp/danted.conf" -p "$tmp/danted.pid" >/dev/null 2>&1 &
	pids="$pids $!"
	for _ in $(seq 50); do
		"$T/netcall" connect 127.0.0.1 1081 >/dev/null 2>&1 && break
		sleep 0.1
	done
	st --on-leak redirect -P socks5://127.0.0.1:1081 -- curl -sS --max-time 10 http://203.0.113.1/
	check "dante: the page is fetched through it" stdout_has "hello from sink"
	check "dante: it made the connection to the destination" grep -q "tcp/connect .* -> .* 203\.0\.113\.1\.80" "$tmp/danted.log"
	st --on-leak redirect -P socks5://127.0.0.1:1081 -- "$T/netcall" connect 203.0.113.1 1
	check "dante: a refused destination gives ECONNREFUSED" stdout_has "^connect: ECONNREFUSED$"
	pkill -f "$tmp/danted.conf" 2>/dev/null
else
	skip "dante-server is not installed"
	skip "dante-server is not installed"
	skip "dante-server is not installed"
fi

done_testing
