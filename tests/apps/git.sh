#!/bin/sh
# git: a clone over git:// is a direct TCP connection to port 9418 (a tcp leak, blocked);
# a clone over HTTP with http.proxy=socks5h://127.0.0.1:9050 (from a dumb HTTP server
# inside the namespace) goes through the proxy and leaks nothing.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/apps/apps.sh"
need git python3
start_sinks
start_app_proxy
start_sink gitd 203.0.113.1 9418
HOME=$tmp/home
GIT_CONFIG_NOSYSTEM=1
export HOME GIT_CONFIG_NOSYSTEM
mkdir -p "$HOME"

# A bare repository with one commit, served read-only over dumb HTTP on 203.0.113.80:8000.
ip addr add 203.0.113.80/32 dev lo
git init -q -b main "$tmp/work"
echo "cloned through the proxy" >"$tmp/work/README"
git -C "$tmp/work" add README
git -C "$tmp/work" -c user.name=test -c user.email=test@example.invalid commit -q -m one
git clone -q --bare "$tmp/work" "$tmp/www/repo.git"
git -C "$tmp/www/repo.git" update-server-info
python3 -m http.server --bind 203.0.113.80 --directory "$tmp/www" 8000 >/dev/null 2>&1 &
pids="$pids $!"
for _ in $(seq 50); do
	"$T/netcall" connect 203.0.113.80 8000 >/dev/null 2>&1 && break
	sleep 0.1
done

st -- git -c http.proxy=socks5h://127.0.0.1:9050 clone -q http://203.0.113.80:8000/repo.git "$tmp/clone"
check "HTTP through socks5h: git exits 0" status_is 0
check "HTTP through socks5h: no leak reported" no_leak
check "HTTP through socks5h: the clone has the file, unchanged" \
	sh -c "[ \"\$(cat '$tmp/clone/README')\" = 'cloned through the proxy' ]"

st -- git -c http.proxy=socks5h://127.0.0.1:9050 clone -q git://203.0.113.1/x "$tmp/clone2"
check "git://: the connect to 203.0.113.1:9418 is reported and blocked, http.proxy or not" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ \(git\) connect\(AF_INET, 203\.0\.113\.1:9418\) \[tcp, x86_64\]$"
check_kind "git://: kind tcp" '.port == 9418' tcp
check "git://: nothing reached port 9418" no_hits gitd
check "git://: git failed (128); exit status 3" \
	sh -c "grep -q 'program exited with status 128' '$tmp/out' && [ $status = 3 ]"

done_testing
