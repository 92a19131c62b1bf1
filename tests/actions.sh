#!/bin/sh
# The actions: block (with a chosen errno), log (the leak goes through and is reported),
# kill (the whole traced tree is gone); the leak exit code.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks

st --on-leak log -- "$T/netcall" connect 203.0.113.1 80
check "log: the leak goes through" stdout_has "^connect: ok$"
check "log: the sink saw it" sink_got 1 "tcp 203.0.113.1 80"
check "log: reported as logged" out_has "^sockstrace: leak logged: pid [0-9]+ \(netcall\) connect\(AF_INET, 203\.0\.113\.1:80\)"
check "log: exit status 3" status_is 3
check "log: the JSON report says logged" json_true 'map(select(.event == "leak")) | .[0].action == "logged"'

st --block-errno ENETUNREACH -- "$T/netcall" connect 203.0.113.1 80
check "--block-errno: the program sees that errno" stdout_has "^connect: ENETUNREACH$"
check "--block-errno: nothing reached the sink" sink_got 0

st --leak-exit-code 0 -- "$T/netcall" connect 203.0.113.1 80
check "--leak-exit-code 0: the program's own status (1: connect failed)" status_is 1

st --leak-exit-code 42 -- "$T/netcall" connect 203.0.113.1 80
check "--leak-exit-code 42" status_is 42

# kill: a parent with a long-lived child; the child leaks, the whole tree must die.
st --on-leak kill -- sh -c "sleep 31 & '$T/netcall' connect 203.0.113.1 80; echo survived; wait"
check "kill: reported as killed" out_has "^sockstrace: leak killed: .*connect\(AF_INET, 203\.0\.113\.1:80\)"
check "kill: nothing reached the sink" sink_got 0
check "kill: the parent shell did not go on" sh -c "! grep -q survived '$tmp/stdout'"
check "kill: the sleeping sibling died too (sockstrace did not wait 31 s for it)" \
	test "$elapsed" -lt 20
check "kill: exit status 3" status_is 3

done_testing
