#!/bin/sh
# The built-in demo: a program leaks a direct connect() to 203.0.113.1:80 from the call
# chain main -> f0 -> f1 -> f2 -> f3; sockstrace blocks it and shows where it came from.
# It runs in a private network namespace, so nothing can leave the machine.
. "${top_srcdir:-.}/tests/lib.sh"
start_sinks
echo "\$ sockstrace -- tests/stackchain 203.0.113.1 80"
status=0
"$ST" -- "$T/stackchain" 203.0.113.1 80 || status=$?
echo "sockstrace exited with status $status (3: a leak was seen);" \
	"connections that reached 203.0.113.1: $(sink_hits)"
[ "$status" = 3 ] && [ "$(sink_hits)" = 0 ]
