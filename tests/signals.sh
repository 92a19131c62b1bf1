#!/bin/sh
# Signals and the terminal: SIGTERM, SIGHUP and SIGINT sent to sockstrace reach the program,
# the report is complete (valid JSON Lines with its summary) however the program ends, and
# job control works in a terminal (Ctrl-Z, fg, Ctrl-C) under tmux.
. "${top_srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"

# A program that reports the signal it got, then exits 0. (Python, not sh: a background job
# of a non-interactive shell starts with SIGINT ignored, which sh cannot trap again.)
catcher='import signal, sys, time
def got(n, f):
    print("got", signal.Signals(n).name, flush=True)
    sys.exit(0)
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(s, got)
print("ready", flush=True)
time.sleep(30)'

for sig in TERM HUP INT; do
	: >"$tmp/stdout"
	status=0
	"$ST" -q -r "$tmp/report.jsonl" -o "$tmp/out" -- python3 -c "$catcher" >"$tmp/stdout" 2>&1 &
	pid=$!
	for _ in $(seq 50); do grep -q ready "$tmp/stdout" && break; sleep 0.1; done
	kill -$sig "$pid"
	wait "$pid" || status=$?
	check "SIG$sig to sockstrace reaches the program" grep -q "^got SIG$sig$" "$tmp/stdout"
	check "SIG$sig: sockstrace exits with the program's status" status_is 0
	check "SIG$sig: the JSON report ends with its summary" json_true '.[-1].event == "summary"'
done

# The program killed by a signal: 128+N, and the report is still complete.
status=0
"$ST" -q -r "$tmp/report.jsonl" -- sh -c 'kill -TERM $$' >/dev/null 2>&1 || status=$?
check "a program killed by SIGTERM: exit status 143" status_is 143
check "a program killed by SIGTERM: the report has its summary" json_true '.[-1].event == "summary" and .[-1].program_status == 143'

# SIGPIPE of the output: sockstrace's own output going to a closed pipe must not lose the
# report or kill the program's tree.
status=0
"$ST" -r "$tmp/report.jsonl" -- "$T/netcall" connect 203.0.113.1 80 2>&1 >/dev/null | true
check "stderr to a closed pipe: the report is still complete" json_true '.[-1].event == "summary" and .[-1].leaks == 1'

if command -v tmux >/dev/null; then
	sock="$tmp/tmux.sock"
	tmux -S "$sock" new-session -d -x 120 -y 30 sh
	tmux -S "$sock" send-keys "'$ST' -q -- sh -c 'sleep 2; echo finished-\$((1+1))'" Enter
	sleep 0.5
	tmux -S "$sock" send-keys C-z
	sleep 2.5 # longer than the program's own sleep: stopped, it cannot have finished
	tmux -S "$sock" capture-pane -p >"$tmp/pane1"
	tmux -S "$sock" send-keys "fg" Enter
	for _ in $(seq 50); do
		tmux -S "$sock" capture-pane -p | grep -q finished-2 && break
		sleep 0.1
	done
	tmux -S "$sock" capture-pane -p >"$tmp/pane2"
	check "Ctrl-Z in a terminal stops sockstrace and the program (the shell says Stopped)" \
		grep -qi "stopped" "$tmp/pane1"
	check "Ctrl-Z: the program had not finished while stopped" sh -c "! grep -q finished-2 '$tmp/pane1'"
	check "fg: the program goes on and finishes" grep -q "finished-2" "$tmp/pane2"
	tmux -S "$sock" send-keys "'$ST' -q -- sh -c 'trap \"echo caught-\$((2+2)); exit 0\" INT; sleep 5'" Enter
	sleep 0.8
	tmux -S "$sock" send-keys C-c
	for _ in $(seq 30); do
		tmux -S "$sock" capture-pane -p | grep -q caught-4 && break
		sleep 0.1
	done
	sleep 0.3
	tmux -S "$sock" capture-pane -p >"$tmp/pane3"
	check "Ctrl-C in a terminal reaches the program once" test "$(grep -c caught-4 "$tmp/pane3")" = 1
	tmux -S "$sock" kill-server
else
	skip "tmux is not installed"
	skip "tmux is not installed"
	skip "tmux is not installed"
	skip "tmux is not installed"
fi

done_testing
