#!/bin/sh
# bench/symbols on stackchain built four ways: dynamic -O2 -g (libc's debug file is
# libc6-dbg's when installed), the same stripped, static with -g, static stripped (no debug
# information anywhere). Each program stops at its connect(), which never runs, inside a
# private network namespace all the same.
set -eu
b=${top_builddir:-.}
n=${BENCH_STACKS:-200}
work=$(mktemp -d /tmp/sockstrace-bench-symbols.XXXXXX)
trap 'rm -rf "$work"' EXIT
strip -o "$work/stackchain-g-stripped" "$b/tests/stackchain-g"
strip -o "$work/stackchain-static-stripped" "$b/tests/stackchain-static"
for p in "$b/tests/stackchain-g" "$work/stackchain-g-stripped" "$b/tests/stackchain-static" \
	"$work/stackchain-static-stripped"; do
	unshare -n "$b/bench/symbols" "$n" "$p" 203.0.113.1 80
done
