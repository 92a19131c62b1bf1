#!/bin/sh
# Issue 14, class 5: the unwinder cannot be made to spin. tests/cfiloop leaks a connect from
# under a function whose CFI gives its CFA as a DWARF expression that loops for ever
# (DW_OP_skip back onto itself). sockstrace must report the leak (line and JSON) before it
# takes the stack, block it, give up on the stack after its deadline (2 s) with the frames
# found so far, finish in bounded time with the leak status, and still end the run properly
# when SIGTERM comes while the stack is being taken.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks

# The leak's stack: connect and dial, found before the looping frame; why the rest is missing.
cut_stack() {
	json_true 'map(select(.event == "leak"))[0] | (.stack | map(.function) | index(["connect", "dial"]) == 0) and (.stack_error | test("^unwinder timed out on the unwind info of .*/cfiloop: frames past #[0-9]+ are missing$"))'
}

st -- "$T/cfiloop" 203.0.113.1 80
check "looping CFI: sockstrace finished within 15 s (took ${elapsed} s)" test "$elapsed" -le 15
check "looping CFI: the leak line" \
	out_has "^sockstrace: leak blocked: pid [0-9]+ \(cfiloop\) connect\(AF_INET, 203\.0\.113\.1:80\) \[tcp, x86_64\]$"
check "looping CFI: the JSON leak_found object, then the leak object with the same seq" \
	json_true '(map(select(.event == "leak_found" or .event == "leak")) | map(.event) == ["leak_found", "leak"]) and (map(select(.event == "leak_found" or .event == "leak") | .seq) | unique | length == 1) and (map(select(.event == "leak"))[0] | .syscall == "connect" and .address == "203.0.113.1" and .port == 80 and .action == "blocked")'
check "looping CFI: the frames before the looping one, and why the rest is missing" cut_stack
check "looping CFI: the human report says it too" \
	out_has "^    \(no stack: unwinder timed out on the unwind info of .*/cfiloop: frames past #[0-9]+ are missing\)$"
check "looping CFI: nothing reached the sink" sink_got 0
check "looping CFI: the program went on after its blocked connect" stdout_has "^connect: failed$"
check "looping CFI: exit status 3 (leaks)" status_is 3
check "looping CFI: the summary counts the leak" json_true '.[-1].event == "summary" and .[-1].leaks == 1'

# Three leaks through the same frame: only the first stack waits for the deadline; the file
# is then unwound by frame pointer, which reaches main.
st -- "$T/cfiloop" 203.0.113.1 80 3
check "three leaks: finished within 15 s, one deadline (took ${elapsed} s)" test "$elapsed" -le 15
check "three leaks: three leaks reported, all blocked" \
	json_true '[.[] | select(.event == "leak" and .action == "blocked")] | length == 3'
check "three leaks: the later stacks reach main by frame pointer" \
	json_true '[.[] | select(.event == "leak")][1:] | length == 2 and all(.stack | map(.function) | index(["connect", "dial"]) == 0 and index(["main"]) != null)'
check "three leaks: nothing reached the sink" sink_got 0
check "three leaks: exit status 3" status_is 3

# SIGTERM while the stack is being taken: the leak is already on record, the program gets
# the signal (forwarded; it dies of it), and the run ends with its report and the leak status.
sink_reset
rm -f "$tmp/out" "$tmp/report.jsonl"
status=0
started=$(date +%s)
"$ST" -o "$tmp/out" -r "$tmp/report.jsonl" -- "$T/cfiloop" 203.0.113.1 80 >"$tmp/stdout" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "^sockstrace: leak " "$tmp/out" 2>/dev/null && break; sleep 0.05; done
cp "$tmp/out" "$tmp/out.early"
cp "$tmp/report.jsonl" "$tmp/report.early"
kill -TERM "$pid"
# A sockstrace that ignores SIGTERM (spinning in the unwinder) is killed after 30 s.
(sleep 30; kill -KILL "$pid" 2>/dev/null) &
watchdog=$!
pids="$pids $watchdog"
wait "$pid" || status=$?
kill "$watchdog" 2>/dev/null
elapsed=$(($(date +%s) - started))
check "SIGTERM: the leak line was out before the stack" sh -c \
	"grep -q '^sockstrace: leak blocked: ' '$tmp/out.early' && ! grep -q '^    \[site ' '$tmp/out.early'"
check "SIGTERM: so was the JSON leak_found object" \
	jq -e -s 'map(.event) == ["leak_found"]' "$tmp/report.early"
check "SIGTERM: sockstrace ended within 15 s (took ${elapsed} s)" test "$elapsed" -le 15
check "SIGTERM: the program was killed by it (program_status 143), the report is complete" \
	json_true '.[-1].event == "summary" and .[-1].program_status == 143 and .[-1].leaks == 1'
check "SIGTERM: exit status 3 (leaks)" status_is 3
check "SIGTERM: nothing reached the sink" sink_got 0

done_testing
