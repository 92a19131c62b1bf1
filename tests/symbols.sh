#!/bin/sh
# Frame names through libdwfl: the chain main -> f0 -> f1 -> f2 -> f3 -> dial (inlined) ->
# connect with source files and lines (taken from tests/stackchain.c with grep -n), from a
# -O2 -g build, from the same stripped with its debug file found by build ID under
# --debuginfo-path or by .gnu_debuglink, from C++ (namespace, templates: demangled), and
# from a 32-bit build; libc frames named only within their symbol's size; crafted ELF
# files cost at most their own names, never the leak report or sockstrace.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks

src=$top_srcdir/tests/stackchain.c
connect_line=$(grep -n 'call site: connect' "$src" | cut -d: -f1)
dial_line=$(grep -n 'call site: dial' "$src" | cut -d: -f1)
[ -n "$connect_line" ] && [ -n "$dial_line" ] || { echo "Bail out! no call sites in $src"; exit 99; }

# The first leak's stack has dial inlined at the connect line, then f3 at the same pc with
# the line that calls dial, then f2, f1, f0 and $1 (main), all in stackchain.c.
chain_with_lines() {
	json_true "map(select(.event == \"leak\"))[0].stack as \$s
		| (\$s | map(.function) | index([\"dial\", \"f3\", \"f2\", \"f1\", \"f0\", \"${1:-main}\"])) as \$i
		| \$i != null
		and \$s[\$i].inlined == true and \$s[\$i].line == $connect_line
		and (\$s[\$i + 1] | has(\"inlined\") | not) and \$s[\$i + 1].line == $dial_line
		and \$s[\$i + 1].pc == \$s[\$i].pc
		and (\$s[\$i:\$i + 6] | all((.file // \"\") | endswith(\"stackchain.c\")))
		and (\$s[\$i + 2:\$i + 6] | all(.line > 0 and (has(\"inlined\") | not)))"
}
# The human lines show the same, gdb's way.
human_lines() {
	tr '\n' ' ' <"$tmp/out" | grep -Eq \
		"in dial \[inlined\] \(stackchain\.c:$connect_line\) from [^ ]*$1 +#[0-9]+ +0x[0-9a-f]+ in f3 \(stackchain\.c:$dial_line\) from [^ ]*$1 +#[0-9]+ +0x[0-9a-f]+ in f2 \(stackchain\.c:[0-9]+\)"
}

st -- "$T/stackchain-g" 203.0.113.1 80
check "-O2 -g: dial (inlined), f3, f2, f1, f0, main with their files and lines" chain_with_lines
check "-O2 -g: the human lines read like gdb's" human_lines stackchain-g
check "-O2 -g: every frame has pc, module, module_offset, build_id, function, offset" \
	json_true 'map(select(.event == "leak"))[0].stack | all(has("pc") and has("module") and has("module_offset") and has("build_id") and has("function") and has("offset"))'
bid=$(readelf -n "$T/stackchain-g" | sed -n 's/.*Build ID: *//p')
check "-O2 -g: the build ID is the binary's ($bid)" \
	json_true "map(select(.event == \"leak\"))[0].stack | map(select(.function == \"f3\"))[0].build_id == \"$bid\""
st -- "$T/stackchain-g" 203.0.113.1 80 thread
check "-O2 -g, from a thread: the chain up to thread_main" chain_with_lines thread_main

# Stripped, with the debug file where only --debuginfo-path finds it, by build ID.
mkdir -p "$tmp/bin" "$tmp/debug/.build-id/$(echo "$bid" | cut -c1-2)"
cp "$T/stackchain-g" "$tmp/bin/stackchain-stripped"
objcopy --only-keep-debug "$tmp/bin/stackchain-stripped" \
	"$tmp/debug/.build-id/$(echo "$bid" | cut -c1-2)/$(echo "$bid" | cut -c3-).debug"
strip "$tmp/bin/stackchain-stripped"
st -- "$tmp/bin/stackchain-stripped" 203.0.113.1 80
check "stripped, no debug file: f3 is not named" \
	json_true 'map(select(.event == "leak"))[0].stack | map(.function) | index(["f3"]) == null'
check "stripped, no debug file: its frames say ?? () from the binary" \
	out_has "in \?\? \(\) from $tmp/bin/stackchain-stripped$"
# debuginfod is never asked, even when DEBUGINFOD_URLS names a server (the sink here).
export DEBUGINFOD_URLS=http://203.0.113.1:80/
st -- "$tmp/bin/stackchain-stripped" 203.0.113.1 80
unset DEBUGINFOD_URLS
check "DEBUGINFOD_URLS set: the leak is blocked" out_has "^sockstrace: leak blocked"
check "DEBUGINFOD_URLS set: nothing asked the server (the sink)" sink_got 0
st --debuginfo-path "/nonexistent:$tmp/debug" -- "$tmp/bin/stackchain-stripped" 203.0.113.1 80
check "stripped, --debuginfo-path with .build-id/xx/yyyy.debug: the chain with lines" \
	chain_with_lines
printf 'debuginfo_path = "%s";\n' "$tmp/debug" >"$tmp/debuginfo.conf"
st -c "$tmp/debuginfo.conf" -- "$tmp/bin/stackchain-stripped" 203.0.113.1 80
check "stripped, debuginfo_path in the configuration file: the chain with lines" chain_with_lines
st --debuginfo-path relative -- "$tmp/bin/stackchain-stripped" 203.0.113.1 80
check "--debuginfo-path with a relative directory is refused" status_is 125

# Stripped, with a .gnu_debuglink to a debug file beside it.
mkdir "$tmp/dl"
cp "$T/stackchain-g" "$tmp/dl/stackchain-dl"
objcopy --only-keep-debug "$tmp/dl/stackchain-dl" "$tmp/dl/stackchain-dl.debug"
strip "$tmp/dl/stackchain-dl"
objcopy --add-gnu-debuglink="$tmp/dl/stackchain-dl.debug" "$tmp/dl/stackchain-dl"
st -- "$tmp/dl/stackchain-dl" 203.0.113.1 80
check "stripped, .gnu_debuglink beside it: the chain with lines" chain_with_lines
check "stripped, .gnu_debuglink beside it: the human lines read like gdb's" human_lines stackchain-dl

# C++: demangled names of a namespace and templates, and the connect line.
cxx_line=$(grep -n 'call site: connect' "$top_srcdir/tests/stackchain-cxx.cc" | cut -d: -f1)
st -- "$T/stackchain-cxx" 203.0.113.1 80
check "C++: int chain::f2<short>(short), chain::Dialer<int>::f1(int), chain::f0(), main" \
	json_true 'map(select(.event == "leak"))[0].stack | map(.function) | index(["int chain::f2<short>(short)", "chain::Dialer<int>::f1(int)", "chain::f0()", "main"]) != null'
check "C++: the connect call in chain::f2 is at line $cxx_line of stackchain-cxx.cc" \
	json_true "map(select(.event == \"leak\"))[0].stack | map(select(.function == \"int chain::f2<short>(short)\"))[0] | .line == $cxx_line and (.file | endswith(\"stackchain-cxx.cc\"))"

# libc: every named frame lies within its symbol's size, in .dynsym or in the debug file's
# .symtab (where libc's local functions are), and no name is taken past its end.
st -- "$T/stackchain-g" 203.0.113.1 80
libc=$(jq -r -s 'map(select(.event == "leak"))[0].stack | map(select(.module | test("/libc\\.so"))) | .[0].module' "$tmp/report.jsonl")
libc_bid=$(readelf -n "$libc" | sed -n 's/.*Build ID: *//p')
libc_debug=/usr/lib/debug/.build-id/$(echo "$libc_bid" | cut -c1-2)/$(echo "$libc_bid" | cut -c3-).debug
{ nm -t d -D -S --defined-only "$libc"; [ -f "$libc_debug" ] && nm -t d -S --defined-only "$libc_debug"; } 2>/dev/null |
	awk 'NF == 4 { sub(/@.*/, "", $4); print $4, $2 }' >"$tmp/libc.sizes"
jq -r -s 'map(select(.event == "leak"))[0].stack[] | select((.module | test("/libc\\.so")) and .function != "") | "\(.function) \(.offset)"' \
	"$tmp/report.jsonl" >"$tmp/libc.frames"
within_sizes() {
	[ -s "$tmp/libc.frames" ] && awk '
		NR == FNR { if ($2 + 0 > max[$1]) max[$1] = $2 + 0; next }
		{ if (!($1 in max) || $2 + 0 >= max[$1]) { print "# " $1 "+" $2 " is not within its symbol"; bad = 1 } }
		END { exit bad }' "$tmp/libc.sizes" "$tmp/libc.frames"
}
check "libc: each named frame ($(tr '\n' ' ' <"$tmp/libc.frames")) is within its symbol's size" within_sizes
check "libc: no frame is named __libc_init_first" out_lacks "in __libc_init_first"

# 32-bit: the frame pointer chain, named.
if [ -x "$T/stackchain32" ]; then
	st -- "$T/stackchain32" 203.0.113.1 80
	check "32-bit: the leak is reported and blocked" out_has "leak blocked: .*\[tcp, i386\]"
	check "32-bit: dial (inlined), f3, f2, f1, f0, main with their lines" chain_with_lines
	check "32-bit: a frame in the vDSO is named from the vDSO's own symbols" \
		json_true 'map(select(.event == "leak"))[0].stack | map(select(.module == "[vdso]")) | all(.function == "__kernel_vsyscall")'
	check "32-bit: frames have module and module_offset" \
		json_true 'map(select(.event == "leak"))[0].stack | length >= 6 and all(.module != "" and (.module_offset | startswith("0x")))'
else
	skip "no 32-bit helper (gcc-multilib)"
fi

# Crafted files: the traced program is the crafted ELF. Each costs at most its own names
# (and, without section headers, the frames past it: its .eh_frame cannot be found): the
# leak is still reported and blocked, libc's frame still named, sockstrace exits with the
# leak status.
# crafted WHAT FILE [OPTION]...
crafted() {
	what=$1
	file=$2
	shift 2
	st "$@" -- "$file" 203.0.113.1 80
	check "$what: the leak is reported and blocked" out_has "^sockstrace: leak blocked: .*connect\(AF_INET, 203\.0\.113\.1:80\)"
	check "$what: nothing reached the sink" sink_got 0
	check "$what: sockstrace exits with the leak status" status_is 3
	check "$what: the stack is there, libc's connect named, a frame in the file" \
		json_true "map(select(.event == \"leak\"))[0].stack | length >= 2 and .[0].function == \"connect\" and (map(.module) | index([\"$file\"]) != null)"
}
mkdir "$tmp/crafted"
# Section headers past the end of the file, and sections pointing past it.
cp "$T/stackchain-g" "$tmp/crafted/bad-shoff"
python3 - "$tmp/crafted/bad-shoff" <<'EOF'
import struct, sys
f = open(sys.argv[1], "r+b")
data = bytearray(f.read())
shoff = struct.unpack_from("<Q", data, 0x28)[0]
shnum = struct.unpack_from("<H", data, 0x3c)[0]
for i in range(shnum):
    struct.pack_into("<Q", data, shoff + i * 64 + 0x18, 0x7ffffffff0 + i)  # sh_offset
    struct.pack_into("<Q", data, shoff + i * 64 + 0x20, 0xffffffffff)      # sh_size
f.seek(0)
f.write(data)
cp = bytearray(data)
struct.pack_into("<Q", cp, 0x28, 0xfffffffffff0)  # e_shoff
open(sys.argv[1] + "-2", "wb").write(cp)
EOF
chmod +x "$tmp/crafted/bad-shoff-2"
crafted "section offsets past the end" "$tmp/crafted/bad-shoff"
crafted "e_shoff past the end" "$tmp/crafted/bad-shoff-2"
# A huge .debug_info of garbage (32 MiB).
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 131 + 7) & 0xff for i in range(1 << 20)) * 32)' \
	>"$tmp/crafted/garbage"
objcopy --update-section .debug_info="$tmp/crafted/garbage" "$T/stackchain-g" "$tmp/crafted/huge-debug-info"
crafted "a 32 MiB .debug_info of garbage" "$tmp/crafted/huge-debug-info"
# A .gnu_debuglink naming the file itself; and two files linking to each other.
strip -o "$tmp/crafted/self" "$T/stackchain-g"
objcopy --add-gnu-debuglink="$tmp/crafted/self" "$tmp/crafted/self" "$tmp/crafted/self.new"
mv "$tmp/crafted/self.new" "$tmp/crafted/self"
crafted "a .gnu_debuglink naming itself" "$tmp/crafted/self"
strip -o "$tmp/crafted/loop-a" "$T/stackchain-g"
objcopy --only-keep-debug "$T/stackchain-g" "$tmp/crafted/loop-b"
objcopy --add-gnu-debuglink="$tmp/crafted/loop-a" "$tmp/crafted/loop-b"
objcopy --add-gnu-debuglink="$tmp/crafted/loop-b" "$tmp/crafted/loop-a"
crafted "two .gnu_debuglinks naming each other" "$tmp/crafted/loop-a"
check "the linked debug file still names the chain" chain_with_lines
# A symbol name with a terminal escape sequence in it: shown as \x1b, never as the byte.
objcopy --redefine-sym "f2=$(printf 'f2\033[2J')" "$T/stackchain-g" "$tmp/crafted/escape"
objcopy --remove-section .debug_info "$tmp/crafted/escape"
crafted "a symbol name with an escape sequence" "$tmp/crafted/escape"
check "a symbol name with an escape sequence: written as \\x1b" out_has 'in f2\\x1b\[2J\+0x'
check "a symbol name with an escape sequence: no ESC byte in the output" \
	sh -c "! grep -q \"\$(printf '\\033')\" '$tmp/out'"
# A debug file found by build ID whose .debug_info is garbage.
mkdir -p "$tmp/baddebug/.build-id/$(echo "$bid" | cut -c1-2)"
objcopy --only-keep-debug "$tmp/crafted/huge-debug-info" \
	"$tmp/baddebug/.build-id/$(echo "$bid" | cut -c1-2)/$(echo "$bid" | cut -c3-).debug"
crafted "a debug file with a garbage .debug_info" "$tmp/bin/stackchain-stripped" \
	--debuginfo-path "$tmp/baddebug"

done_testing
