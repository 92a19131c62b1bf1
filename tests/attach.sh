#!/bin/sh
# -p/--attach: trace a process that is already running, and its threads; a signal to
# sockstrace from outside the traced tree detaches it and the process goes on untouched; one
# from the tree is ignored and reported.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks

sh -c "sleep 1; exec '$T/netcall' connect 203.0.113.1 80" >"$tmp/program.out" &
target=$!
sleep 0.3
st --attach "$target"
check "attach: a leak after attaching is caught" out_has "^sockstrace: leak blocked: pid $target \(netcall\) connect\(AF_INET, 203\.0\.113\.1:80\)"
check "attach: blocked, nothing reached the sink" sink_got 0
check "attach: the program saw the block" grep -q "^connect: ECONNREFUSED$" "$tmp/program.out"
check "attach: exit status 3" status_is 3

"$T/netcall" late-thread-connect 203.0.113.1 80 >"$tmp/program.out" &
target=$!
sleep 0.3
st -p "$target"
check "attach: a thread's leak is caught with its tid" out_has "pid $target tid [0-9]+ \(netcall\) connect\(AF_INET, 203\.0\.113\.1:80\)"
check "attach, thread: nothing reached the sink" sink_got 0

# traced_by PID TRACER: waits until TRACER has seized PID.
traced_by() {
	for _ in $(seq 50); do
		grep -q "^TracerPid:	$2$" "/proc/$1/status" && return
		sleep 0.1
	done
}

# A signal from outside the tree (this script) detaches.
for sig in INT TERM; do
	sh -c 'sleep 2; echo survived' >"$tmp/program.out" &
	target=$!
	sleep 0.2
	"$ST" -p "$target" -o "$tmp/out" &
	tracer=$!
	traced_by "$target" "$tracer"
	kill -$sig "$tracer"
	status=0
	wait "$tracer" || status=$?
	check "SIG$sig from outside the tree detaches sockstrace: exit status 0" status_is 0
	check "SIG$sig: detaching says so" out_has "^sockstrace: no leaks; detached from the program$"
	wait "$target"
	check "SIG$sig: the detached program went on to its end" grep -q "^survived$" "$tmp/program.out"
done

# The attached program asks sockstrace to go, with a signal of its own (the shell's kill
# builtin, then a child's /bin/kill that exits at once), and leaks: the signal is ignored and
# reported, the leak caught. sockstrace's pid reaches the program through a file.
sink_reset
: >"$tmp/report.jsonl"
sh -c "until [ -s '$tmp/tracer.pid' ]; do sleep 0.1; done; kill -TERM \$(cat '$tmp/tracer.pid'); env kill -INT \$(cat '$tmp/tracer.pid'); sleep 0.3; exec '$T/netcall' connect 203.0.113.1 80" >"$tmp/program.out" 2>&1 &
target=$!
"$ST" -p "$target" -o "$tmp/out" -r "$tmp/report.jsonl" &
tracer=$!
traced_by "$target" "$tracer"
echo "$tracer" >"$tmp/tracer.pid"
status=0
wait "$tracer" || status=$?
check "a signal from the attached program is ignored and reported, kind tamper" \
	out_has "^sockstrace: leak blocked: pid $target \([^)]*\) kill\($tracer, SIGTERM\) \[tamper, "
check "a signal from the attached program: reported once, in JSON too" \
	json_true "[.[] | select(.event == \"leak\" and .kind == \"tamper\")] | length == 1 and .[0].syscall == \"kill\" and .[0].pid == $target and .[0].call == \"kill($tracer, SIGTERM)\""
check "a signal from the attached program: the leak after it is caught" \
	out_has "^sockstrace: leak blocked: pid $target \(netcall\) connect\(AF_INET, 203\.0\.113\.1:80\)"
check "a signal from the attached program: nothing reached the sink" sink_got 0
check "a signal from the attached program: the program saw the block" \
	grep -q "^connect: ECONNREFUSED$" "$tmp/program.out"
check "a signal from the attached program: not detached, exit status 3" \
	sh -c "! grep -q 'detached from the program' '$tmp/out' && [ $status = 3 ]"

# attached PROGRAM...: runs PROGRAM once sockstrace has attached to it, sockstrace's status
# in $status, the program's output in $tmp/stdout.
attached() {
	rm -f "$tmp/go"
	: >"$tmp/report.jsonl"
	sh -c 'until [ -e "$0" ]; do sleep 0.1; done; exec "$@"' "$tmp/go" "$@" >"$tmp/stdout" 2>&1 &
	target=$!
	"$ST" -p "$target" -o "$tmp/out" -r "$tmp/report.jsonl" &
	tracer=$!
	traced_by "$target" "$tracer"
	: >"$tmp/go"
	status=0
	wait "$tracer" || status=$?
}

# An i386 socketcall is made as the direct i386 call with the arguments sockstrace read: a
# thread that flips the block's family to AF_PACKET after the read gets no packet socket.
attached "$T/escape2" int80-race-socket 3000
check "attach, socketcall socket() race: no packet socket was made" \
	stdout_has "^int80-race-socket: [1-9][0-9]* inet, [0-9]+ EACCES, 0 packet, 0 other$"
check "attach, socketcall socket() race: the packet sockets sockstrace read are reported" \
	json_true "[.[] | select(.event == \"leak\" and .kind == \"raw-socket\" and .arch == \"i386\")] | length == $(sed -n 's/^int80-race-socket: [0-9]* inet, \([0-9]*\) EACCES.*/\1/p' "$tmp/stdout")"
# The program's registers are its own again after the call: the same answers as without.
attached "$T/escape2" int80-sockopt
check "attach, i386 socket options: the same answers through socketcall and the direct call" \
	sh -c "[ \$(grep -c ': socketcall \\([A-Z]*\\|ok\\), direct \\1$' '$tmp/stdout') = 7 ]"
check "attach, i386 socket options: their effect" \
	sh -c "grep -q '^SO_RCVTIMEO reads 3\\.25' '$tmp/stdout' && grep -q '^SO_GET_FILTER reads 2 instructions$' '$tmp/stdout'"

# SIGKILL cannot be caught: the program that sends it dies with sockstrace, untraced never.
sink_reset
rm -f "$tmp/tracer.pid"
sh -c "until [ -s '$tmp/tracer.pid' ]; do sleep 0.1; done; kill -KILL \$(cat '$tmp/tracer.pid'); sleep 0.5; exec '$T/netcall' connect 203.0.113.1 80" >"$tmp/program.out" 2>&1 &
target=$!
"$ST" -p "$target" -o "$tmp/out" &
tracer=$!
traced_by "$target" "$tracer"
echo "$tracer" >"$tmp/tracer.pid"
status=0
wait "$tracer" || status=$?
check "SIGKILL from the attached program: sockstrace is killed" status_is 137
status=0
wait "$target" || status=$?
check "SIGKILL from the attached program: the program dies with it (PTRACE_O_EXITKILL)" \
	status_is 137
check "SIGKILL from the attached program: nothing reached the sink" sink_got 0

st -p 999999999
check "attach to no such process: exit status 125" status_is 125
check "attach to no such process: says so" grep -q "cannot attach to process 999999999" "$tmp/stderr"
st -p 1 -- true
check "attach and a program together: refused" status_is 125

done_testing
