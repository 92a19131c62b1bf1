#!/bin/sh
# The command line and the configuration as a user meets them: errors name the file, line
# and what is valid, with exit status 125; a missing program is 127; --version, --help;
# precedence file < environment < command line.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks

run() {
	status=0
	"$ST" "$@" >"$tmp/stdout" 2>"$tmp/out" || status=$?
}

run --version
check "--version prints the package version" stdout_has "^sockstrace [0-9]+\.[0-9]+\.[0-9]+$"
run --help
check "--help lists --on-leak" stdout_has "--on-leak ACTION"
check "--help exits 0" status_is 0

run --on-leak bogus -- true
check "bad --on-leak: names the option and what is valid" \
	out_has "^sockstrace: --on-leak: 'bogus' is not valid; must be one of block, kill, log, redirect$"
check "bad --on-leak: exit status 125" status_is 125

run --netns=sometimes -- true
check "bad --netns: names the option and what is valid, exit status 125" \
	sh -c "grep -q \"^sockstrace: --netns: 'sometimes' is not valid; must be auto, require or off\" '$tmp/out' && [ $status = 125 ]"
printf 'netns = "sometimes";\n' >"$tmp/badnetns.conf"
run -c "$tmp/badnetns.conf" -- true
check "bad netns in the file: FILE:LINE and what is valid" \
	out_has "^sockstrace: $tmp/badnetns.conf:1: netns must be auto, require or off"
run --help
check "--help lists --netns[=MODE]" stdout_has "--netns\[=MODE\]"

run --proxy socks5://localhost:9050 -- true
check "a proxy host name is refused (numeric only)" out_has "^sockstrace: --proxy: 'socks5://localhost:9050' is not valid"

printf 'proxies = [ "socks5://127.0.0.1:9050" ];\n\non_leak = "sometimes";\n' >"$tmp/bad.conf"
run -c "$tmp/bad.conf" -- true
check "bad config: FILE:LINE: key and what is valid" \
	out_has "^sockstrace: $tmp/bad.conf:3: on_leak must be one of block, kill, log, redirect$"
check "bad config: exit status 125" status_is 125

printf 'on_leak = ;\n' >"$tmp/syntax.conf"
run -c "$tmp/syntax.conf" -- true
check "config syntax error: file and line" out_has "^sockstrace: $tmp/syntax.conf:[0-9]+: "
check "config syntax error: exit status 125" status_is 125

run -c "$tmp/missing.conf" -- true
check "a missing -c file is an error" out_has "^sockstrace: $tmp/missing.conf: cannot open: No such file or directory$"
SOCKSTRACE_CONFIG=$tmp/bad.conf run -- true
check "SOCKSTRACE_CONFIG names the file" out_has "bad.conf:3: on_leak"

run -- /nonexistent/program
check "a missing program: exit status 127" status_is 127
check "a missing program: says so" out_has "^sockstrace: cannot run '/nonexistent/program': No such file or directory$"
run -- "$tmp"
check "a program that is not executable: exit status 126" status_is 126
run
check "no program: exit status 125" status_is 125

# Precedence: the file sets log, the command line says block.
printf 'on_leak = "log";\nallow = [ "203.0.113.1:9" ];\n' >"$tmp/log.conf"
st -c "$tmp/log.conf" -- "$T/netcall" connect 203.0.113.1 80
check "the file's on_leak = log applies" out_has "^sockstrace: leak logged: "
st -c "$tmp/log.conf" --on-leak block -- "$T/netcall" connect 203.0.113.1 80
check "the command line wins over the file" out_has "^sockstrace: leak blocked: "
st -c "$tmp/log.conf" -- "$T/netcall" sendto 203.0.113.1 9
check "the file's allow list applies" no_leak

# TOR_SOCKS_PORT replaces the configured proxies; --proxy replaces it in turn.
TOR_SOCKS_PORT=9150 st --no-netns -- "$T/netcall" connect 127.0.0.1 9050
check "TOR_SOCKS_PORT=9150: 127.0.0.1:9050 is no longer allowed" out_has "connect\(AF_INET, 127\.0\.0\.1:9050\)"
TOR_SOCKS_PORT=9150 st -- "$T/netcall" connect 127.0.0.1 9150
check "TOR_SOCKS_PORT=9150: 127.0.0.1:9150 is allowed" no_leak
TOR_SOCKS_PORT=9150 st --proxy socks5://127.0.0.1:9050 -- "$T/netcall" connect 127.0.0.1 9050
check "--proxy wins over TOR_SOCKS_PORT" no_leak

st -q -- true
check "-q: no summary line" sh -c "! test -s '$tmp/out'"
printf 'quiet = true;\non_leak = "log";\nnetns = true;\n' >"$tmp/undo.conf"
st -c "$tmp/undo.conf" --no-quiet --no-netns -- "$T/netcall" connect 203.0.113.1 80
check "--no-quiet undoes quiet = true from the file" out_has "^sockstrace: 1 leak "
check "--no-netns undoes netns = true from the file (the sink is reachable again)" \
	sink_got 1 "tcp 203.0.113.1 80"
st -v --allow 203.0.113.1:80 -- "$T/netcall" connect 203.0.113.1 80
check "-v: allowed destinations are reported with their rule" \
	out_has "^sockstrace: allowed: tid [0-9]+ connect\(AF_INET, 203\.0\.113\.1:80\) by 203\.0\.113\.1:80$"

st -- "$T/netcall" connect 203.0.113.1 80
check "the JSON report is valid JSON Lines ending with a summary" json_true '.[-1].event == "summary"'
check "the leak object has every documented field" \
	json_true 'map(select(.event == "leak")) | .[0] | [has("event","action","pid","tid","comm","exe","syscall","arch","family","address","port","transport","time","rule")] | all'
check "the leak object's values" \
	json_true 'map(select(.event == "leak")) | .[0] | .syscall == "connect" and .address == "203.0.113.1" and .port == 80 and .family == "AF_INET" and .transport == "tcp" and .action == "blocked"'
check "-o: the program's own stderr is not mixed into the output file" out_lacks "^connect:"

done_testing
