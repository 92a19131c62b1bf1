#!/bin/sh
# The whole process tree: a fork child, a thread, a daemon that outlives its parents; and
# a workload with no network syscalls makes no seccomp stops at all.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks

st -- "$T/netcall" fork-connect 203.0.113.1 80
check "fork child: leak reported" out_has "\(netcall\) connect\(AF_INET, 203\.0\.113\.1:80\)"
check "fork child: reported with the child's pid" \
	json_true 'map(select(.event == "leak")) | .[0].pid != null'
check "fork child: nothing reached the sink" sink_got 0

st -- "$T/netcall" thread-connect 203.0.113.1 80
check "thread: leak reported with its tid" out_has "pid [0-9]+ tid [0-9]+ \(netcall\) connect"
check "thread: tid differs from pid in the report" \
	json_true 'map(select(.event == "leak")) | .[0] | .tid != .pid'
check "thread: nothing reached the sink" sink_got 0

st -- "$T/netcall" daemon-connect 203.0.113.1 80
check "double-forked daemon whose parents exited first: leak still caught" \
	out_has "connect\(AF_INET, 203\.0\.113\.1:80\)"
check "daemon: sockstrace waited for it (exit status 3)" status_is 3
check "daemon: nothing reached the sink" sink_got 0

st -- "$T/netcall" spin 200000
check "non-network workload: no seccomp stops" json_true '.[-1].seccomp_stops == 0'
check "non-network workload: ptrace stops do not grow with the syscalls" \
	json_true '.[-1].ptrace_stops <= 5'
check "non-network workload: no leak, exit 0" status_is 0

st -- sh -c 'for i in 1 2 3; do true; done; exit 7'
check "the program's exit status passes through" status_is 7

st -- sh -c 'kill -9 $$'
check "killed by signal 9: exit status 137, like a shell" status_is 137

done_testing
