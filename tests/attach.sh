#!/bin/sh
# -p/--attach: trace a process that is already running, and its threads; a signal to
# sockstrace detaches it and the process goes on untouched.
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

sh -c 'sleep 2; echo survived' >"$tmp/program.out" &
target=$!
sleep 0.2
"$ST" -p "$target" -o "$tmp/out" &
tracer=$!
sleep 0.5
kill -INT "$tracer"
status=0
wait "$tracer" || status=$?
check "a signal to sockstrace detaches it: exit status 0" status_is 0
check "detaching says so" out_has "^sockstrace: no leaks; detached from the program$"
wait "$target"
check "the detached program went on to its end" grep -q "^survived$" "$tmp/program.out"

st -p 999999999
check "attach to no such process: exit status 125" status_is 125
check "attach to no such process: says so" grep -q "cannot attach to process 999999999" "$tmp/stderr"
st -p 1 -- true
check "attach and a program together: refused" status_is 125

done_testing
