#!/bin/sh
# --dns proxy: the program's DNS queries are answered by sockstrace inside the program's own
# network namespace, resolving through the proxy with Tor's RESOLVE (0xF0). The proxy is
# tests/socks-peer.py, which implements RESOLVE from a fixed table (Tor itself needs the
# network, which these tests do not have). Nothing may reach the real resolver.
. "${top_srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
start_sinks
: >"$tmp/peer.log"
python3 "$top_srcdir/tests/socks-peer.py" "$tmp/peer.log" 9150 >"$tmp/peer.ready" &
pids="$pids $!"
for _ in $(seq 50); do
	"$T/netcall" connect 127.0.0.1 9150 >/dev/null 2>&1 && break
	sleep 0.1
done
: >"$tmp/peer.log"
P="--netns --dns proxy -P socks5://127.0.0.1:9150"

st $P -- getent hosts leak.example
check "getent: the name resolves through the proxy" stdout_has "^203\.0\.113\.1 +leak\.example$"
check "getent: the proxy was asked to RESOLVE it" grep -q "^resolve leak.example$" "$tmp/peer.log"
check "getent: nothing reached the real resolver" sink_got 0 "203.0.113.53 53"
check "getent: the query is reported as redirected, with why" \
	json_true 'map(select(.event == "leak")) | length > 0 and all(.action == "redirected" and .rule == "DNS answered through the proxy" and .port == 53)'

st $P -- getent hosts nosuch.example
check "an unknown name: the query is still reported (exit status 3)" status_is 3
check "an unknown name: getent printed nothing" sh -c "! test -s '$tmp/stdout'"
check "an unknown name: the proxy was asked" grep -q "^resolve nosuch.example$" "$tmp/peer.log"

st $P --on-leak redirect -- curl -sS --max-time 10 --socks5 127.0.0.1:9150 http://leak.example/
check "curl --socks5 (local resolution) works: the name came through the proxy" stdout_has "hello from sink"
check "curl: the real resolver saw nothing" sink_got 0 "203.0.113.53 53"

# Over TCP (options use-vc).
printf 'nameserver 203.0.113.53\noptions use-vc timeout:1 attempts:1\n' >"$tmp/resolv-tcp.conf"
mount --bind "$tmp/resolv-tcp.conf" /etc/resolv.conf
st $P -- getent hosts leak.example
check "DNS over TCP is answered too" stdout_has "^203\.0\.113\.1 +leak\.example$"
check "DNS over TCP: nothing reached the real resolver" sink_got 0 "203.0.113.53 53"
umount /etc/resolv.conf

status=0
"$ST" --dns proxy --no-netns -- true 2>"$tmp/out" || status=$?
check "--dns proxy with --no-netns is refused with the fix" out_has "drop --no-netns"
check "--dns proxy with --no-netns: exit status 125" status_is 125

done_testing
