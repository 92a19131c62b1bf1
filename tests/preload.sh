#!/bin/sh
# --preload: the LD_PRELOAD shim's view (libc calls) against the kernel's (seccomp stops),
# per process and destination, with the reason for each call that only the kernel saw.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks

# No SOCKSTRACE_PRELOAD_LIB: the uninstalled sockstrace finds the shim built beside it.
unset SOCKSTRACE_PRELOAD_LIB
shim=$top_builddir/preload/.libs/libsockstrace-preload.so
[ -r "$shim" ] || skip_all "the shim is not built ($shim)"
PRE="^sockstrace: preload: pid [0-9]+"

# A destination row of the human comparison: COMM SYSCALL DEST BOTH KERNEL-ONLY LIBC-ONLY.
row() {
	printf '%s \\(%s\\) %s\\(%s\\): both %s, kernel only %s, libc only %s' "$PRE" "$1" "$2" \
		"$3" "$4" "$5" "$6"
}
D='AF_INET, 203\.0\.113\.1:80'

st --preload -- curl -sS --max-time 10 http://203.0.113.1/
check "curl: the leak is blocked" out_has "^sockstrace: leak blocked: pid [0-9]+ \(curl\) connect\($D\)"
check "curl: the shim and the kernel both saw the connect" out_has "$(row curl connect "$D" 1 0 0) \[kernel: 1 leak blocked\]$"
check "curl: nothing reached the sink" sink_got 0
check "curl: the diff comes before the summary" \
	awk '/^sockstrace: preload: pid/ { p = NR } /^sockstrace: 1 leak/ { s = NR }
	     END { exit !(p && s && p < s) }' "$tmp/out"
check "curl: JSON row with both 1, before the summary" json_true '
	(map(.event) | index("preload_diff")) < (map(.event) | index("summary")) and
	any(.[]; .event == "preload_diff" and .comm == "curl" and .syscall == "connect" and
		.address == "203.0.113.1" and .port == 80 and .both == 1 and .kernel_only == 0 and
		.libc_only == 0 and .kernel_blocked == 1 and .reason == null)'
check "curl: exit status 3" status_is 3

# A Go program: static, no libc, so no shim can see it.
if command -v go >/dev/null && mkdir -p "$tmp/go" &&
	CGO_ENABLED=0 GOCACHE="$tmp/go/cache" GOPATH="$tmp/go/path" GO111MODULE=off GOFLAGS= \
	go build -o "$tmp/goconnect" "$top_srcdir/tests/go/goconnect.go" >"$tmp/go/build.log" 2>&1; then
	st --preload -- "$tmp/goconnect" 203.0.113.1 80
	check "Go static binary: the leak is blocked" stdout_has "^connect: failed:.*connection refused"
	check "Go static binary: kernel only, no shim" \
		out_has "$(row goconnect connect "$D" 0 1 0) \[kernel: 1 leak blocked\]; kernel only: static binary: no shim in the process$"
	check "Go static binary: nothing reached the sink" sink_got 0
else
	skip "no Go toolchain (golang-go)"
	skip "no Go toolchain (golang-go)"
	skip "no Go toolchain (golang-go)"
fi

st --preload -- "$T/netcall" connect 203.0.113.1 80
check "dynamic connect: blocked as without --preload" stdout_has "^connect: ECONNREFUSED$"
check "dynamic connect: seen by both" out_has "$(row netcall connect "$D" 1 0 0) \[kernel: 1 leak blocked\]$"
check "dynamic connect: no kernel-only reason" out_lacks "kernel only: "
check "dynamic connect: nothing reached the sink" sink_got 0

st --preload --allow 203.0.113.1:80 -- "$T/netcall" connect 203.0.113.1 80
check "allowed connect: it goes through with the shim loaded" stdout_has "^connect: ok$"
check "allowed connect: seen by both, allowed" out_has "$(row netcall connect "$D" 1 0 0) \[kernel: 1 allowed\]$"
check "allowed connect: the sink saw it" sink_got 1 "tcp 203.0.113.1 80"

st --preload -- "$T/netcall-static" connect 203.0.113.1 80
check "static binary: kernel only, no shim" \
	out_has "$(row netcall-static connect "$D" 0 1 0) \[kernel: 1 leak blocked\]; kernel only: static binary: no shim in the process$"
check "static binary: JSON reason" json_true \
	'any(.[]; .event == "preload_diff" and .kernel_only == 1 and (.reason | startswith("static binary")))'

st --preload -- "$T/netcall" raw-connect 203.0.113.1 80
check "raw syscall(SYS_connect): kernel only, shim loaded" \
	out_has "$(row netcall connect "$D" 0 1 0) \[kernel: 1 leak blocked\]; kernel only: raw syscall"
check "raw syscall(SYS_connect): nothing reached the sink" sink_got 0

st --preload -- "$T/netcall" sendto 203.0.113.1 9
check "sendto: seen by both" out_has "$(row netcall sendto 'AF_INET, 203\.0\.113\.1:9' 1 0 0)"
st --preload -- "$T/netcall" sendmsg 203.0.113.1 9
check "sendmsg: seen by both" out_has "$(row netcall sendmsg 'AF_INET, 203\.0\.113\.1:9' 1 0 0)"
st --preload -- "$T/netcall" sendmmsg 203.0.113.1 9 2001:db8::1 80
check "sendmmsg: each message seen by both" \
	sh -c "grep -Eq '$(row netcall sendmmsg 'AF_INET, 203\.0\.113\.1:9' 1 0 0)' '$tmp/out' &&
	       grep -Eq '$(row netcall sendmmsg 'AF_INET6, \[2001:db8::1\]:80' 1 0 0)' '$tmp/out'"

st --preload -- "$T/netcall" resolve leak.example
check "getaddrinfo of an unknown name: the libc call is listed" \
	out_has "$PRE \(netcall\) getaddrinfo\(\"leak\.example\"\): libc 1; DNS packets the kernel saw from this process: [a-z]+\(AF_INET, 203\.0\.113\.53:53\) [0-9]+"
check "getaddrinfo: the kernel's DNS send is a kernel-only row from inside the resolver" \
	out_has "$PRE \(netcall\) [a-z]+\(AF_INET, 203\.0\.113\.53:53\): both 0, kernel only [1-9][0-9]*, libc only 0 .*kernel only: DNS query made inside libc's resolver"
check "getaddrinfo: JSON name row beside the DNS destination" json_true '
	any(.[]; .event == "preload_diff" and .kind == "name" and .call == "getaddrinfo" and
		.name == "leak.example" and .libc == 1 and
		any(.dns[]; .destination == "AF_INET, 203.0.113.53:53"))'
check "getaddrinfo: no query reached the resolver" sink_got 0

: >"$tmp/victim"
st --preload -- "$T/netcall" closefds-connect 203.0.113.1 80 "$tmp/victim"
check "closes all fds, reuses them for a file: runs normally" stdout_has "^connect: ECONNREFUSED$"
check "closes all fds: nothing was written into the file" test ! -s "$tmp/victim"
check "closes all fds: the kernel row is there, with the reason" \
	out_has "$(row netcall connect "$D" 0 1 0) \[kernel: 1 leak blocked\]; kernel only: the program closed or reused the shim's record socket$"

st --preload -- "$T/netcall" reuse-fd-connect 203.0.113.1 80
check "reuses the fd number for a socket of the same type: no record stolen" stdout_has "^stolen: 0$"
check "reuses the fd number: the kernel row is there" out_has "$(row netcall connect "$D" 0 1 0)"

marker=$top_builddir/tests/.libs/libmarker.so
if [ -r "$marker" ]; then
	# The helpers st runs (date, timeout) load it too: what counts is the program's line.
	LD_PRELOAD=$marker
	export LD_PRELOAD
	st --preload -- "$T/netcall" connect 203.0.113.1 80
	check "the user's LD_PRELOAD is kept" grep -q "^marker: loaded in netcall$" "$tmp/stderr"
	check "the user's LD_PRELOAD is kept: the shim is loaded too" \
		out_has "$(row netcall connect "$D" 1 0 0)"
	st --preload -- sh -c 'echo "LD_PRELOAD=$LD_PRELOAD"'
	unset LD_PRELOAD
	check "LD_PRELOAD: the user's library first, then the shim" \
		stdout_has "^LD_PRELOAD=$marker:.*/libsockstrace-preload\.so$"
else
	skip "tests/libmarker.so is not built"
	skip "tests/libmarker.so is not built"
	skip "tests/libmarker.so is not built"
fi

st --preload -- sh -c "'$T/netcall' connect 203.0.113.1 80; '$T/netcall-static' connect 203.0.113.1 80"
check "a process tree: one row per process" \
	sh -c "grep -Eq '$(row netcall connect "$D" 1 0 0)' '$tmp/out' &&
	       grep -Eq '$(row netcall-static connect "$D" 0 1 0)' '$tmp/out'"

st --preload -- "$T/netcall" fork-connect 203.0.113.1 80
check "fork: the child's record counts for the child" out_has "$(row netcall connect "$D" 1 0 0)"

st --preload -- "$T/netcall" vfork-connect 203.0.113.1 80
check "vfork child: kernel only, vfork child" \
	out_has "$(row netcall connect "$D" 0 1 0) \[kernel: 1 leak blocked\]; kernel only: vfork child before its execve$"

st --preload -- true
check "no network calls: said so" out_has "^sockstrace: preload: no network call seen on either side$"
check "no network calls: exit status 0" status_is 0

if [ -x "$T/netcall32" ]; then
	st --preload -- "$T/netcall32" connect 203.0.113.1 80
	check "i386 program: kernel only, i386 ABI" out_has "connect\($D\): both 0, kernel only 1, libc only 0 .*kernel only: i386 ABI"
else
	skip "no 32-bit helper (gcc-multilib)"
fi

# Where the shim comes from: the build tree only for the build tree's own executable.
st --preload -- sh -c 'echo "LD_PRELOAD=$LD_PRELOAD"'
check "the uninstalled sockstrace preloads the shim built beside it" \
	stdout_has "^LD_PRELOAD=$(realpath "$shim")$"
ln -s "$ST_BIN" "$tmp/linked-sockstrace"
ST=$tmp/linked-sockstrace st --preload -- sh -c 'echo "LD_PRELOAD=$LD_PRELOAD"'
check "a symbolic link to the uninstalled sockstrace runs it: the same shim" \
	stdout_has "^LD_PRELOAD=$(realpath "$shim")$"
# Another copy of the executable, as an installed one is: it never looks into the build
# tree; it uses the installed shim, or fails naming it when none is installed.
cp "$ST_BIN" "$tmp/copied-sockstrace"
ST=$tmp/copied-sockstrace st --preload -- sh -c 'echo "LD_PRELOAD=$LD_PRELOAD"'
check "a copy of the executable does not preload the build tree's shim" \
	sh -c "! grep -q '$top_builddir\|$(realpath "$top_builddir")' '$tmp/stdout' '$tmp/stderr'"
check "a copy of the executable: the installed shim, or an error that names it" \
	sh -c "grep -q '^LD_PRELOAD=/.*/libsockstrace-preload.so$' '$tmp/stdout' ||
		{ [ $status = 125 ] && grep -q 'cannot use the shim /.*/libsockstrace-preload.so' '$tmp/stderr'; }"
if ln "$ST_BIN" "$tmp/hardlinked-sockstrace" 2>/dev/null; then
	ST=$tmp/hardlinked-sockstrace st --preload -- sh -c 'echo "LD_PRELOAD=$LD_PRELOAD"'
	check "a hard link elsewhere to the build tree's executable is not the build tree" \
		sh -c "! grep -q '$top_builddir\|$(realpath "$top_builddir")' '$tmp/stdout' '$tmp/stderr'"
else
	skip "cannot hard-link the executable into $tmp (another file system)"
fi

SOCKSTRACE_PRELOAD_LIB=$tmp/missing.so st --preload -- true
check "a missing shim: sockstrace fails before running the program" status_is 125
check "a missing shim: the message names it" grep -q "missing.so" "$tmp/stderr"

done_testing
