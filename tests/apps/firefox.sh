#!/bin/sh
# Firefox ESR, headless, with its SOCKS5 proxy settings and remote DNS (and its connectivity
# and captive portal checks off): a page fetched through the proxy leaks nothing. A page
# that gathers WebRTC candidates with a STUN server makes Firefox probe the route to
# 8.8.8.8 and [2001:4860:4860::8888] (UDP connects, nothing sent) and query the system
# resolver around the proxy (dns leaks); with the probes blocked, Firefox sends no STUN
# request at all. (Without the proxy settings and under --on-leak log, where the probes
# go through, it does send them: six binding requests reached the STUN sink.)
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/apps/apps.sh"
need firefox-esr
start_sinks
start_app_proxy
start_sink stun 203.0.113.1 3478
own_home

# profile NAME [PREF-LINE]...: a fresh profile dir $tmp/NAME with the proxy settings.
profile() {
	dir=$tmp/$1
	shift
	mkdir -p "$dir"
	cat >"$dir/user.js" <<-PREFS
	user_pref("network.proxy.type", 1);
	user_pref("network.proxy.socks", "127.0.0.1");
	user_pref("network.proxy.socks_port", 9050);
	user_pref("network.proxy.socks_version", 5);
	user_pref("network.proxy.socks_remote_dns", true);
	user_pref("dom.allow_scripts_to_close_windows", true);
	user_pref("devtools.console.stdout.content", true);
	user_pref("browser.shell.checkDefaultBrowser", false);
	user_pref("browser.startup.homepage_override.mstone", "ignore");
	user_pref("startup.homepage_welcome_url", "");
	user_pref("datareporting.policy.firstRunURL", "");
	user_pref("browser.aboutwelcome.enabled", false);
	PREFS
	for line in "$@"; do
		echo "$line" >>"$dir/user.js"
	done
}
# $layer: extra options (the WebRTC page runs with --no-netns, below).
layer=
ff() {
	# shellcheck disable=SC2086
	st $layer -- timeout 50 firefox-esr --headless --no-remote --profile "$@"
}

profile clean 'user_pref("network.connectivity-service.enabled", false);' \
	'user_pref("network.captive-portal-service.enabled", false);'
ff "$tmp/clean" --screenshot "$tmp/page.png" http://203.0.113.1/
check "clean: Firefox exits 0" status_is 0
check "clean: no leak reported" no_leak
check "clean: the page came through the proxy (the screenshot exists)" test -s "$tmp/page.png"
check "clean: the sink saw the page fetched" sink_got 1 "^tcp 203.0.113.1 80$"

# Inside the kernel layer's namespace (only lo) Firefox gathers no WebRTC candidate and
# resolves nothing (AI_ADDRCONFIG): what it would try on a connected machine shows only
# with the uplink of this test's namespace, so without the kernel layer.
if add_uplink; then
	layer=--no-netns
	profile webrtc 'user_pref("network.connectivity-service.enabled", false);' \
		'user_pref("network.captive-portal-service.enabled", false);'
	ff "$tmp/webrtc" "file://$top_srcdir/tests/apps/www/stun.html"
	check "WebRTC: the page ran and closed Firefox" sh -c "grep -q 'sockstrace-test: done' '$tmp/stdout' && [ $status = 3 ]"
	check "WebRTC: the route probe to 8.8.8.8:53 is reported and blocked" \
		some_leak '.syscall == "connect" and .transport == "udp" and .address == "8.8.8.8" and .port == 53 and .action == "blocked"'
	check_kind "WebRTC: the route probes have kind route-probe" \
		'.address == "8.8.8.8" or .address == "2001:4860:4860::8888"' route-probe
	check "WebRTC: without its route, Firefox sends no STUN request" no_hits stun
	check "WebRTC: Firefox's resolver threads query the system resolver, around the proxy" \
		some_leak '.address == "203.0.113.53" and .port == 53 and .action == "blocked"'
	check_kind "WebRTC: those queries have kind dns" '.port == 53 and .address == "203.0.113.53"' dns
	check "WebRTC: no query reached the resolver" sink_got 0 "^udp 203.0.113.53 53$"
	check "WebRTC: no other leak" \
		no_leak_but '.address == "8.8.8.8" or .address == "2001:4860:4860::8888" or .address == "203.0.113.53"'
else
	skip "WebRTC: cannot add a veth pair in the namespace"
fi

done_testing
