#!/bin/sh
# Chromium, headless, with --proxy-server=socks5://127.0.0.1:9050. At start-up it probes
# the route to 8.8.8.8:53 and [2001:4860:4860::8888]:53 and :443 (UDP connects, nothing
# sent): allowed here, since the namespace has no route for them, a page fetched through
# the proxy leaks nothing. A page that gathers WebRTC candidates with a STUN server makes
# it send STUN binding requests straight to the server around the proxy, and mDNS
# announcements of its host candidates to 224.0.0.251:5353 (udp leaks).
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/apps/apps.sh"
need chromium
start_sinks
start_app_proxy
start_sink stun 203.0.113.1 3478
own_home
is_probe='.syscall == "connect" and .transport == "udp" and
	(.address == "8.8.8.8" or .address == "2001:4860:4860::8888")'
# chromium_st PROBES PROFILE [CHROMIUM-ARG]...: Chromium under sockstrace, with its start-up
# route probes allowed (PROBES allow) or not (PROBES leak).
chromium_st() {
	probes=$1
	profile=$tmp/$2
	shift 2
	set -- timeout 50 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$profile" --proxy-server=socks5://127.0.0.1:9050 "$@"
	# shellcheck disable=SC2086
	if [ "$probes" = allow ]; then
		st $layer --allow 8.8.8.8:53 --allow '[2001:4860:4860::8888]:53' \
			--allow '[2001:4860:4860::8888]:443' -- "$@"
	else
		# shellcheck disable=SC2086
		st $layer -- "$@"
	fi
}
# $layer: extra options (the WebRTC page runs with --no-netns, below).
layer=

chromium_st allow clean --dump-dom http://203.0.113.1/
check "clean: Chromium exits 0" status_is 0
check "clean: no leak reported" no_leak
check "clean: the page came through the proxy, output unchanged" stdout_has "hello from sink"

# Inside the kernel layer's namespace (only lo) Chromium gathers no WebRTC candidate: what
# it would try on a connected machine shows only with the uplink of this test's namespace,
# so without the kernel layer.
if add_uplink; then
	layer=--no-netns
	chromium_st leak webrtc --enable-logging=stderr --v=0 "file://$top_srcdir/tests/apps/www/stun.html"
	check "WebRTC: the page ran and closed Chromium" \
		sh -c "grep -q 'sockstrace-test: done' '$tmp/stderr' && [ $status = 3 ] &&
			grep -q 'program exited with status 0' '$tmp/out'"
	check "WebRTC: the STUN binding requests to 203.0.113.1:3478 are reported and blocked" \
		some_leak '.syscall == "sendto" and .address == "203.0.113.1" and .port == 3478 and .action == "blocked"'
	check "WebRTC: the human leak line names the STUN server" \
		out_has "^sockstrace: leak blocked: pid [0-9]+ tid [0-9]+ \(.*\) sendto\(AF_INET, 203\.0\.113\.1:3478\) \[udp, x86_64\]$"
	check_kind "WebRTC: the STUN requests have kind udp" '.port == 3478' udp
	check "WebRTC: no STUN request reached the server" no_hits stun
	# mDNS: its sockets bind 224.0.0.251:5353 and [ff02::fb]:5353 (inbound ports) and join
	# the groups (the kernel would send IGMP/MLD reports): the first of these is reported
	# and blocked, so the announcements never start.
	mdns='(.kind == "inbound" and (.address == "224.0.0.251" or .address == "ff02::fb") and .port == 5353) or (.kind == "tamper" and ((.call // "") | test("IP_ADD_MEMBERSHIP|IPV6_JOIN_GROUP|MCAST_JOIN")))'
	check "WebRTC: the mDNS socket (its bind or its multicast join) is reported and blocked" \
		some_leak "($mdns) and .action == \"blocked\""
	check_kind "WebRTC: the route probes have kind route-probe" "$is_probe" route-probe
	check "WebRTC: no other leak" \
		no_leak_but "($is_probe) or .port == 3478 or .address == \"224.0.0.251\" or ($mdns)"
else
	skip "WebRTC: cannot add a veth pair in the namespace"
fi

done_testing
