#!/bin/sh
# Stack traces of leaking syscalls: main -> f0 -> f1 -> f2 -> f3 -> connect must appear
# innermost first, built -O0 with frame pointers, -O2 without (DWARF CFI only), from a
# thread, and static; the JSON stack array parses.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks

# The frames f3, f2, f1, f0 on consecutive lines, then main (or thread_main), each either
# "f3 (stackchain.c:27)" (with debug info) or "f3+0x1d ()".
chain_in_order() {
	tr '\n' ' ' <"$tmp/out" | grep -Eq \
		"#[0-9]+ +0x[0-9a-f]+ in f3(\+0x[0-9a-f]+ \(\)| \([^)]*\)) from [^ ]*$1 +#[0-9]+ +0x[0-9a-f]+ in f2[+ ][^#]*#[0-9]+ +0x[0-9a-f]+ in f1[+ ][^#]*#[0-9]+ +0x[0-9a-f]+ in f0[+ ][^#]*#[0-9]+ +0x[0-9a-f]+ in $2[+ ]"
}

st -- "$T/stackchain" 203.0.113.1 80
check "-O0: f3, f2, f1, f0, main in order" chain_in_order stackchain main
check "-O0: frame #0 is libc's connect" out_has "#0  +0x[0-9a-f]+ in (__)?connect(\+0x[0-9a-f]+ \(\)| \([^)]*\)) from .*libc\.so"
check "-O0: the JSON stack names the same chain" \
	json_true 'map(select(.event == "leak")) | .[0].stack | map(.function) | index(["f3","f2","f1","f0","main"]) != null'
check "-O0: every JSON frame has pc, function, offset, module, module_offset" \
	json_true 'map(select(.event == "leak")) | .[0].stack | all(has("pc") and has("function") and has("offset") and has("module") and has("module_offset"))'

st -- "$T/stackchain-O2" 203.0.113.1 80
check "-O2 -fomit-frame-pointer (CFI only): f3, f2, f1, f0, main in order" \
	chain_in_order stackchain-O2 main

st -- "$T/stackchain-O2" 203.0.113.1 80 thread
check "from a thread: f3, f2, f1, f0, thread_main in order" chain_in_order stackchain-O2 thread_main

st -- "$T/stackchain-static" 203.0.113.1 80
check "static binary: f3, f2, f1, f0, main in order" chain_in_order stackchain-static main

st --stack-depth 3 -- "$T/stackchain" 203.0.113.1 80
check "--stack-depth 3: three frames" json_true 'map(select(.event == "leak")) | .[0].stack | length == 3'

st --no-stack -- "$T/stackchain" 203.0.113.1 80
check "--no-stack: no frames" out_lacks "#0 "
check "--no-stack: the leak is still reported" out_has "connect\(AF_INET, 203\.0\.113\.1:80\)"

mkdir "$tmp/cores"
st --core-dump "$tmp/cores" -- "$T/stackchain-O2" 203.0.113.1 80
core=$(ls "$tmp"/cores/core.sockstrace.* 2>/dev/null | head -n 1)
check "--core-dump: a core file is written" test -s "$core"
check "--core-dump: the leak line names it" out_has "^    \(core dump: $tmp/cores/core\.sockstrace\.[0-9]+\.1\)$"
check "--core-dump: the JSON report names it" json_true "map(select(.event == \"leak\")) | .[0].core == \"$core\""
check "--core-dump: the program was not killed (it went on after the blocked connect)" \
	stdout_has "^connect: failed$"
if command -v gdb >/dev/null; then
	gdb -batch -ex bt "$T/stackchain-O2" "$core" >"$tmp/gdb.out" 2>&1
	# gdb writes "#2  f3 () at FILE:LINE" without "0x... in" for a frame that has
	# a function inlined into it (dial, here).
	check "--core-dump: gdb shows f3, f2, f1, f0, main in the core" sh -c \
		"tr '\n' ' ' <'$tmp/gdb.out' | grep -Eq '(in|#[0-9]+ ) f3 .*in f2 .*in f1 .*in f0 .*in main '"
else
	skip "gdb is not installed"
fi

done_testing
