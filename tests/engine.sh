#!/bin/sh
# The user-notification engine: programs that use ptrace themselves (AddressSanitizer's
# LeakSanitizer, gdb, strace) work inside sockstrace; sockstrace waits for the program's tree only;
# a sockstrace killed with SIGKILL lets nothing out.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
start_proxy

# --- LeakSanitizer ptraces its own threads at exit: it needs a tracer-free process --------
if [ -x "$T/socks5c-asan" ]; then
	st -- "$T/socks5c-asan" 127.0.0.1 9050 203.0.113.1 80
	check "ASan binary: a SOCKS5 connection through the proxy works" stdout_has "^socks5: ok$"
	check "ASan binary: exits 0, as without sockstrace (LeakSanitizer ran)" status_is 0
	check "ASan binary: no LeakSanitizer error" \
		sh -c "! grep -q 'LeakSanitizer' '$tmp/stderr'"
	check "ASan binary: no leak" no_leak
	check "ASan binary: the proxy reached the destination" sink_got 1
else
	for _ in 1 2 3 4 5; do skip "no AddressSanitizer build of the helper"; done
fi

# --- gdb runs its program under ptrace; the program's leak is still caught ---------------
if command -v gdb >/dev/null; then
	st -- gdb -q -nx -batch -ex run --args "$T/netcall" connect 203.0.113.1 80
	check "gdb -batch -ex run: the program ran under gdb" stdout_has "^connect: ECONNREFUSED$"
	check "gdb -batch -ex run: gdb exits normally" stdout_has "exited with code 01"
	check "gdb -batch -ex run: the leak is reported" \
		out_has "^sockstrace: leak blocked: .*\(netcall\) connect\(AF_INET, 203\.0\.113\.1:80\)"
	check "gdb -batch -ex run: its stack is gdb's to take (said so)" \
		out_has "no stack: traced by [0-9]+ \(gdb\)"
	check "gdb -batch -ex run: nothing reached the sink" sink_got 0
	check "gdb -batch -ex run: leak exit status" status_is 3
else
	for _ in 1 2 3 4 5 6; do skip "gdb is not installed"; done
fi

# --- strace seizes its program; the program's calls still come to sockstrace -----------
if command -v strace >/dev/null; then
	st -- strace -f -qq -o "$tmp/strace.log" "$T/netcall" connect 203.0.113.1 80
	check "strace: it traced its program" grep -q "connect(" "$tmp/strace.log"
	check "strace: the program's leak is reported" \
		out_has "^sockstrace: leak blocked: .*\(netcall\) connect\(AF_INET, 203\.0\.113\.1:80\)"
	check "strace: the program saw its connect blocked" stdout_has "^connect: ECONNREFUSED$"
	check "strace: nothing reached the sink" sink_got 0
else
	for _ in 1 2 3 4; do skip "strace is not installed"; done
fi

# --- only the program's tree is waited for ---------------------------------------------
# A child that sockstrace's own parent left it (a shell's "&" before exec) is not its
# program's: sockstrace does not wait 4 seconds for it.
started=$(date +%s)
timeout 30 sh -c "sleep 4 & exec '$ST' -q -- true"
rc=$?
check "a child sockstrace did not start is not waited for" \
	test "$rc" = 0 -a $(($(date +%s) - started)) -lt 3
# sockstrace's stderr into a process substitution: its tee waits for sockstrace's stderr to
# close, so sockstrace must not wait for it.
started=$(date +%s)
timeout 30 bash -c "'$ST' -- true 2> >(tee '$tmp/tee.log' >&2)" 2>/dev/null
rc=$?
check "stderr into a process substitution: sockstrace ends" \
	test "$rc" = 0 -a $(($(date +%s) - started)) -lt 3
# (The tee may still be writing when bash returns.)
for _ in $(seq 30); do
	grep -q "^sockstrace: no leaks" "$tmp/tee.log" && break
	sleep 0.1
done
check "stderr into a process substitution: the summary reached it" \
	grep -q "^sockstrace: no leaks" "$tmp/tee.log"

# --- SIGKILL of sockstrace ---------------------------------------------------------------
# The program keeps trying a forbidden connect; sockstrace dies under it. Its tree dies too
# (the death signal of the PID namespace's init), and no connect ever reaches the sink.
sink_reset
"$ST" -q -o "$tmp/out" -- sh -c "while :; do '$T/netcall' connect 203.0.113.1 80; sleep 0.05; done" \
	"sigkill-test-$$" >"$tmp/stdout" 2>&1 &
stpid=$!
sleep 1
kill -9 "$stpid"
wait "$stpid" 2>/dev/null
sleep 1
check "SIGKILL of sockstrace: the program was running and blocked" stdout_has "^connect: ECONNREFUSED$"
check "SIGKILL of sockstrace: the program's tree is gone" \
	sh -c "! pgrep -f 'sigkill[-]test-$$' >/dev/null"
check "SIGKILL of sockstrace: nothing reached the sink" sink_got 0

done_testing
