#!/bin/sh
# 32-bit (i386) programs: libc's calls, a direct i386 syscall, and socketcall(2).
. "${top_srcdir:-.}/tests/lib.sh"
[ -x "$T/netcall32" ] || skip_all "no 32-bit toolchain (gcc-multilib) at configure time"
start_sinks

st -- "$T/netcall32" connect 203.0.113.1 80
check "i386 connect: leak reported as i386" out_has "connect\(AF_INET, 203\.0\.113\.1:80\) \[tcp, i386\]"
check "i386 connect: blocked" stdout_has "^connect: ECONNREFUSED$"
check "i386 connect: nothing reached the sink" sink_got 0
check "i386: the stack has libc's connect, then its caller in netcall32" \
	json_true 'map(select(.event == "leak")) | .[0].stack | map(.function) | index(["connect", "do_connect"]) != null'

st -- "$T/netcall32" raw-connect 203.0.113.1 80
check "i386 direct connect syscall: leak reported" out_has "connect\(AF_INET, 203\.0\.113\.1:80\) \[tcp, i386\]"
check "i386 direct connect syscall: nothing reached the sink" sink_got 0

st -- "$T/netcall32" socketcall-connect 203.0.113.1 80
check "i386 socketcall(SYS_CONNECT): leak reported" out_has "connect\(AF_INET, 203\.0\.113\.1:80\) \[tcp, i386\]"
check "i386 socketcall: nothing reached the sink" sink_got 0

st -- "$T/netcall32" sendto 203.0.113.1 9
check "i386 sendto: leak reported" out_has "sendto\(AF_INET, 203\.0\.113\.1:9\) \[udp, i386\]"
check "i386 sendto: nothing reached the sink" sink_got 0

st -- "$T/netcall32" sendmsg 203.0.113.1 9
check "i386 sendmsg (32-bit msghdr): leak reported" out_has "sendmsg\(AF_INET, 203\.0\.113\.1:9\) \[udp, i386\]"
check "i386 sendmsg: nothing reached the sink" sink_got 0

st --allow 203.0.113.1:80 -- "$T/netcall32" sendmmsg 203.0.113.1 80 203.0.113.1 9
check "i386 sendmmsg (32-bit mmsghdr): the forbidden one is reported" \
	out_has "sendmmsg\(AF_INET, 203\.0\.113\.1:9\) \[udp, i386\]"
check "i386 sendmmsg: the allowed one is not" out_lacks "sendmmsg\(AF_INET, 203\.0\.113\.1:80\)"
check "i386 sendmmsg: nothing reached the sinks" sink_got 0

st --allow 203.0.113.1:9 -- "$T/netcall32" sendto 203.0.113.1 9
check "i386 allowed sendto is delivered" sink_got 1 "udp 203.0.113.1 9"

done_testing
