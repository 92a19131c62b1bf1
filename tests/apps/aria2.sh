#!/bin/sh
# aria2c: an HTTP download through an HTTP CONNECT proxy (aria2 speaks no SOCKS) leaks
# nothing; a torrent's UDP tracker announce (udp://203.0.113.1:6969, which aria2 sends
# from its DHT socket, so DHT is on, with no node to start from) goes straight to the
# tracker, whatever proxy is set: a udp leak. Its DHT socket (UDP 6881) and its peer
# listener (TCP 6882, IPv4 and IPv6) on every interface are inbound leaks themselves: reported and blocked,
# and allowed with --allow-listen for the tracker run.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/apps/apps.sh"
need aria2c python3
start_sinks
start_sink tracker 203.0.113.1 6969
python3 "$top_srcdir/tests/socks-peer.py" "$tmp/http-proxy.log" 8080 --http >"$tmp/http-proxy.ready" &
pids="$pids $!"
for _ in $(seq 50); do
	grep -q ready "$tmp/http-proxy.ready" && break
	sleep 0.1
done
cd "$tmp" || exit 99
aria() {
	# shellcheck disable=SC2086 # aria_opts: sockstrace options, one word each
	st -P http://127.0.0.1:8080 ${aria_opts:-} -- aria2c --all-proxy=http://127.0.0.1:8080 --proxy-method=tunnel \
		--summary-interval=0 --console-log-level=warn --bt-enable-lpd=false \
		--enable-peer-exchange=false --enable-dht=true --enable-dht6=false \
		--dht-file-path="$tmp/dht.dat" --dht-listen-port=6881 --listen-port=6882 \
		--bt-tracker-connect-timeout=2 --bt-tracker-timeout=2 --bt-stop-timeout=4 \
		--seed-time=0 -d "$tmp/dl" "$@"
}

aria -o page http://203.0.113.1/
check "clean: aria2c exits 0" status_is 0
check "clean: no leak reported" no_leak
check "clean: the page came through the HTTP proxy, unchanged" \
	sh -c "[ \"\$(cat '$tmp/dl/page')\" = 'hello from sink' ] && grep -q '^http-connect 203.0.113.1:80 ' '$tmp/http-proxy.log'"

# A one-file torrent whose tracker is udp://203.0.113.1:6969.
python3 - "$tmp/t.torrent" <<'PY'
import hashlib, sys
def b(x):
    if isinstance(x, int): return b"i%de" % x
    if isinstance(x, str): x = x.encode()
    if isinstance(x, bytes): return b"%d:%s" % (len(x), x)
    if isinstance(x, dict): return b"d" + b"".join(b(k) + b(v) for k, v in sorted(x.items())) + b"e"
data = b"sockstrace\n"
info = {"name": "x.txt", "length": len(data), "piece length": 16384, "pieces": hashlib.sha1(data).digest()}
open(sys.argv[1], "wb").write(b({"announce": "udp://203.0.113.1:6969/announce", "info": info}))
PY
aria "$tmp/t.torrent"
check "DHT: its UDP port on every interface is reported as inbound and blocked" \
	some_leak '.syscall == "bind" and .kind == "inbound" and .address == "0.0.0.0" and .port == 6881 and .action == "blocked"'
check "DHT: nothing reached the tracker" no_hits tracker

aria_opts="--allow-listen 0.0.0.0:6881 --allow-listen 0.0.0.0:6882 --allow-listen [::]:6882"
aria "$tmp/t.torrent"
check "UDP tracker: the announce to 203.0.113.1:6969 is reported and blocked" \
	some_leak '.syscall == "sendto" and .address == "203.0.113.1" and .port == 6969 and .action == "blocked"'
check "UDP tracker: the human leak line" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ \(aria2c\) sendto\(AF_INET, 203\.0\.113\.1:6969\) \[udp, x86_64\]$"
check_kind "UDP tracker: kind udp" '.port == 6969' udp
check "UDP tracker: nothing reached the tracker" no_hits tracker
check "UDP tracker: no other leak" no_leak_but '.port == 6969'
check "UDP tracker: exit status 3" status_is 3

done_testing
